# The image the Helm chart runs (web, worker, scheduler and the migration hook share it).
FROM node:20-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY kaidian/builder/assets kaidian/builder/assets
RUN npm run build

FROM python:3.11-slim
WORKDIR /app
# The image is production: the app, worker and scheduler refuse the repository's default secrets.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 KAIDIAN_ENV=production
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
COPY --from=assets /src/kaidian/builder/static/builder/ kaidian/builder/static/builder/
COPY --from=assets /src/kaidian/customers/data/ kaidian/customers/data/
RUN pybabel compile -d kaidian/translations
USER nobody
EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
