#!/bin/bash
# First start of the warehouse (docker-entrypoint-initdb.d): the BI tool's login role.
# It can log in and is a member of edu_wh_analyst (created here if `edu-wh up` has not run yet;
# `edu-wh up` then grants it what analysts read: published, marts, reference and load history).
# Its sessions are read-only. The password comes from BI_READER_PASSWORD in .env.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v bi_user="${BI_READER_USER:-edu_wh_bi}" -v bi_password="$BI_READER_PASSWORD" <<'SQL'
select 'create role edu_wh_analyst nologin'
where not exists (select from pg_roles where rolname = 'edu_wh_analyst') \gexec
select format('create role %I login password %L in role edu_wh_analyst', :'bi_user', :'bi_password')
where not exists (select from pg_roles where rolname = :'bi_user') \gexec
alter role :"bi_user" set default_transaction_read_only = on;
alter role :"bi_user" set statement_timeout = '5min';
alter role :"bi_user" connection limit 20;
SQL
