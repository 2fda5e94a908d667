#!/bin/sh
# Creates Temporal's two PostgreSQL databases and brings their schemas up to the image's version.
# Idempotent: safe on every `docker compose up`.
set -eu
ARGS="--plugin postgres12 --ep ${POSTGRES_SEEDS} -u ${POSTGRES_USER} -p ${DB_PORT}"
until nc -z -w 5 "${POSTGRES_SEEDS}" "${DB_PORT}"; do echo 'waiting for PostgreSQL...'; sleep 2; done
for db in temporal temporal_visibility; do
  dir=temporal
  [ "$db" = temporal_visibility ] && dir=visibility
  temporal-sql-tool $ARGS --db "$db" create || true
  temporal-sql-tool $ARGS --db "$db" setup-schema -v 0.0 || true
  temporal-sql-tool $ARGS --db "$db" update-schema -d "/etc/temporal/schema/postgresql/v12/$dir/versioned"
done
echo 'PostgreSQL schemas are up to date'
