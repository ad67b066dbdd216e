# Kaidian — `make run` serves the embedded default; `make test` runs the whole suite.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
FLASK := FLASK_APP=wsgi.py $(VENV)/bin/flask
PORT ?= 5000
# The interactive debugger runs code for whoever reaches it: only on loopback. `make run HOST=0.0.0.0`
# (e.g. to open the store from a phone) serves without the debugger.
HOST ?= 127.0.0.1
DEBUG_FLAGS := --debug $(if $(filter 127.0.0.1 localhost ::1,$(HOST)),,--no-debugger)
SANDBOX_PORT ?= 5100
# The app and the sandbox derive PLATFORM_HOST, the WeChat base URLs and the push URLs from these two.
export PORT SANDBOX_PORT
TRANSLATIONS := kaidian/translations

.PHONY: run test install assets install-dev worker scheduler bench audit lint i18n-extract i18n-update i18n-compile migrate seed sandbox clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The builder's JavaScript (SortableJS + Alpine.js from npm) and WeChat's JS-SDK for the store's pages in a
# mini program (weixin-js-sdk: themes/assets → themes/static/mini-program.bundle.js), bundled by esbuild; never committed.
assets: node_modules/.installed
	npm run --silent build

install: $(VENV)/.installed i18n-compile assets

install-dev: install

i18n-extract: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 --no-location --sort-output -o $(TRANSLATIONS)/messages.pot .

i18n-update: i18n-extract
	$(VENV)/bin/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching --ignore-obsolete

i18n-compile: $(VENV)/.installed
	$(VENV)/bin/pybabel compile -d $(TRANSLATIONS) --statistics 2>&1 | tail -n 2

migrate: install
	mkdir -p instance
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) kaidian seed-demo

# The embedded default: SQLite under instance/, jobs inline, media on disk, the WeChat sandbox beside it.
run: migrate
	@echo "Kaidian:  http://localhost:$(PORT)   (stores at http://SLUG.localhost:$(PORT))"
	@echo "Sandbox:  http://127.0.0.1:$(SANDBOX_PORT)  (emulated WeChat and WeChat Pay)"
	$(PY) -m kaidian.sandbox & SANDBOX_PID=$$!; \
	trap "kill $$SANDBOX_PID 2>/dev/null" EXIT; \
	$(PY) -m kaidian.sandbox wait; \
	$(FLASK) kaidian seed-demo && $(FLASK) kaidian image-renditions && \
	$(FLASK) run --host $(HOST) --port $(PORT) $(DEBUG_FLAGS)

sandbox: install
	$(PY) -m kaidian.sandbox

worker: install
	$(PY) worker.py

scheduler: install
	$(PY) scheduler.py

test: install
	$(VENV)/bin/python -m pytest -n 2 --dist loadfile -q

bench: install
	$(PY) -m bench

# Lighthouse (mobile, headless Chromium) over a seeded store's pages and the platform landing page:
# the four category scores per page. Slow (about a minute a page), so not part of `make test`.
audit: install
	CHROME_PATH=$${CHROME_PATH:-/usr/bin/chromium} $(PY) -m bench.audit

lint: install
	$(VENV)/bin/ruff check kaidian tests bench *.py

clean:
	rm -rf instance $(VENV) .pytest_cache
	find . -name __pycache__ -prune -exec rm -rf {} +
