FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml README.md ./
COPY backend ./backend
COPY bot ./bot
COPY conversations ./conversations
COPY admin_web ./admin_web
COPY sandbox ./sandbox
COPY locales ./locales
COPY alembic.ini ./
RUN pip install --no-cache-dir .
ENV KOPDANA_LOCALES_DIR=/app/locales
USER nobody
