# One image for every role; docker-compose.yml picks the command.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY catalogue_sync ./catalogue_sync
COPY connectors ./connectors
COPY services ./services
RUN pip install . \
    && useradd --system --home /var/lib/catalogue-sync catalogue-sync \
    && mkdir -p /var/lib/catalogue-sync && chown catalogue-sync /var/lib/catalogue-sync

USER catalogue-sync
WORKDIR /var/lib/catalogue-sync
ENTRYPOINT ["catalogue-sync"]
CMD ["--help"]
