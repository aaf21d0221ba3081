#!/bin/sh
# metabase-setup (docker-compose.yml), first start only: create the Metabase admin and connect
# Metabase to the warehouse with the read-only BI login (a member of edu_wh_analyst), showing the
# schemas analysts read. Does nothing once Metabase is set up.
set -eu
props=$(curl --fail --silent "$METABASE_URL/api/session/properties")
token=$(printf '%s' "$props" | sed -n 's/.*"setup-token"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')
if [ -z "$token" ]; then
    echo "metabase-setup: Metabase is already set up; nothing to do"
    exit 0
fi
json_escape() { printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g'; }
body=$(cat <<JSON
{"token": "$token",
 "prefs": {"site_name": "edu-wh", "site_locale": "ru", "allow_tracking": false},
 "user": {"first_name": "edu-wh", "last_name": "admin", "email": "$(json_escape "$METABASE_ADMIN_EMAIL")",
          "password": "$(json_escape "$METABASE_ADMIN_PASSWORD")", "site_name": "edu-wh"},
 "database": {"engine": "postgres", "name": "edu-wh warehouse",
              "details": {"host": "warehouse", "port": 5432, "dbname": "$(json_escape "$WAREHOUSE_DB_NAME")",
                          "user": "$(json_escape "$BI_READER_USER")", "password": "$(json_escape "$BI_READER_PASSWORD")",
                          "ssl": false, "schema-filters-type": "inclusion",
                          "schema-filters-patterns": "published,marts,reference"}}}
JSON
)
printf '%s' "$body" | curl --fail --silent --show-error -X POST -H "Content-Type: application/json" \
    --data-binary @- "$METABASE_URL/api/setup" >/dev/null
echo "metabase-setup: admin created and the warehouse connected as $BI_READER_USER (read-only)"
