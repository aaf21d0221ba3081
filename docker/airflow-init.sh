#!/bin/sh
# airflow-init (docker-compose.yml): migrate the Airflow metadata DB and write the admin's
# password for the simple auth manager from AIRFLOW_ADMIN_PASSWORD (.env).
set -eu
airflow db migrate
umask 077
python - <<'PY'
import json, os
path = os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]
with open(path, "w") as fh:
    json.dump({os.environ.get("AIRFLOW_ADMIN_USER", "admin"): os.environ["AIRFLOW_ADMIN_PASSWORD"]}, fh)
PY
echo "airflow-init: metadata DB migrated; admin password written to the airflow-auth volume"
