#!/bin/sh
# Runs once when the PostgreSQL volume is created: the app's own role (no DDL, no audit UPDATE/DELETE)
# and the trigram extension. Migrations then run as the owner (ehr_owner) and grant the app what it may do.
set -e
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE ehr_app LOGIN PASSWORD '${EHR_APP_PASSWORD}';
CREATE EXTENSION IF NOT EXISTS pg_trgm;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL
