#!/bin/bash
# Sourced by the postgres image's entrypoint, once, on an empty data directory
# (/docker-entrypoint-initdb.d). One login role per tenant of this server, so Caseloop and Temporal
# never share credentials and neither runs as superuser. Caseloop has two: `caseloop` owns its
# database and runs migrations; `caseloop_app` (the API and worker) owns nothing, and migration
# 1732790000000 grants it row access, only SELECT and INSERT on append-only tables. Later password
# changes need ALTER ROLE: this file does not run again on an initialised volume.
# No `set -u` or `exit` here: the entrypoint sources this file into its own shell.

: "${CASELOOP_DB_PASSWORD:?CASELOOP_DB_PASSWORD must be set}"
: "${CASELOOP_APP_DB_PASSWORD:?CASELOOP_APP_DB_PASSWORD must be set}"
: "${TEMPORAL_DB_PASSWORD:?TEMPORAL_DB_PASSWORD must be set}"

# Passwords go in as psql variables (:'name' quotes them), never pasted into the SQL text.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v caseloop_password="$CASELOOP_DB_PASSWORD" \
  -v caseloop_app_password="$CASELOOP_APP_DB_PASSWORD" \
  -v temporal_password="$TEMPORAL_DB_PASSWORD" <<'SQL'
CREATE ROLE caseloop LOGIN PASSWORD :'caseloop_password';
CREATE DATABASE caseloop OWNER caseloop;
CREATE ROLE caseloop_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'caseloop_app_password';

-- temporal-sql-tool creates the temporal and temporal_visibility databases itself (CREATEDB), so this
-- role owns them; as owner it may also create the trusted btree_gin extension the visibility schema uses.
CREATE ROLE temporal LOGIN CREATEDB PASSWORD :'temporal_password';
SQL
