#!/usr/bin/env bash
# Boot the embedded default (SQLite under a temporary instance, no Redis) in the background,
# sign up a store over HTTP, fetch its storefront, and stop.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
port=5057
export DATABASE_URL="sqlite:///$work/kaidian.db" MEDIA_ROOT="$work/media" REDIS_URL="" \
       PLATFORM_HOST="localhost:$port" STORE_DOMAIN="localhost" FLASK_APP=wsgi.py LOG_JSON=0
unset CI
.venv/bin/flask db upgrade >/dev/null 2>&1
.venv/bin/flask run --port "$port" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do curl -fsS "http://localhost:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done

jar="$work/cookies"
token=$(curl -fsS -c "$jar" "http://localhost:$port/signup" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
status=$(curl -s -o /dev/null -w '%{http_code}' -b "$jar" -c "$jar" \
  --data-urlencode "csrf_token=$token" --data-urlencode "login=smoke@example.com" \
  --data-urlencode "password=smoke-pass-123" --data-urlencode "store_name=Smoke Shop" \
  --data-urlencode "slug=smoke-shop" --data-urlencode "plan=basic" "http://localhost:$port/signup")
[ "$status" = "302" ] || { echo "signup over HTTP answered $status"; tail -n 30 "$work/server.log"; exit 1; }
page=$(curl -fsS -H "Host: smoke-shop.localhost:$port" "http://127.0.0.1:$port/")
grep -q "Smoke Shop" <<<"$page" || { echo "storefront does not show the store"; exit 1; }
echo "embedded default: signup over HTTP and storefront OK"
