#!/bin/sh
# One-shot job in temporalio/admin-tools: creates Temporal's two PostgreSQL databases and brings
# their schemas to the version this admin-tools image ships. Safe to re-run on every `up`:
# create-database accepts an existing database, setup-schema keeps an existing version, and
# update-schema applies only what is missing.
# temporal-sql-tool reads SQL_PLUGIN, SQL_HOST, SQL_PORT, SQL_USER and SQL_PASSWORD from the environment.
set -eu

# Where the admin-tools image keeps the versioned PostgreSQL schemas (postgres12 plugin).
schema_root=/etc/temporal/schema/postgresql/v12

setup() {
  db=$1
  dir=$2
  temporal-sql-tool --db "$db" create-database
  temporal-sql-tool --db "$db" setup-schema -v 0.0
  temporal-sql-tool --db "$db" update-schema -d "$schema_root/$dir/versioned"
}

setup "${TEMPORAL_DBNAME:-temporal}" temporal
setup "${TEMPORAL_VISIBILITY_DBNAME:-temporal_visibility}" visibility
echo "Temporal schemas are up to date."
