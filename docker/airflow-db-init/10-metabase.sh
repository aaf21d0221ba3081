#!/bin/bash
# First start of the Airflow metadata server: Metabase's own application database and login.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v mb_password="$METABASE_DB_PASSWORD" <<'SQL'
select format('create role metabase login password %L', :'mb_password')
where not exists (select from pg_roles where rolname = 'metabase') \gexec
select 'create database metabase owner metabase'
where not exists (select from pg_database where datname = 'metabase') \gexec
SQL
