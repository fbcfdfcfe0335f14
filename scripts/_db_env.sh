# What scripts/backup.sh and scripts/restore.sh share: sourced by them (never run on its
# own), from the project root, under `set -euo pipefail`.
#
#   db_env_load       DATABASE_URL -> shell variables, parsed by django-environ exactly as
#                     core/settings.py does (DATABASE_URL from the environment, else from
#                     .env, else the SQLite file db.sqlite3 next to manage.py):
#                     DB_KIND (postgres | sqlite | other), DB_NAME, DB_WHERE, DB_PASSWORD,
#                     DB_CONNINFO (PostgreSQL: a libpq conninfo string without the password),
#                     and MEDIA_DIR, BACKUP_DIR, BACKUP_KEEP_DAYS (environment, then .env).
#   pg_client_auth    sets no_prompt (--no-password without a terminal to ask on) and
#                     exports PGPASSWORD: the password never goes onto a command line.
#   $py               the project's Python (.venv/bin/python, else python3).

if [ -x .venv/bin/python ]; then py=.venv/bin/python; else py=python3; fi

db_env_load() {
  local vars
  vars=$("$py" - <<'PY'
import os
import shlex
from pathlib import Path

import environ

base = Path.cwd()
environ.Env.read_env(base / ".env", overwrite=False)
url = os.environ.get("DATABASE_URL") or f"sqlite:///{base / 'db.sqlite3'}"
config = environ.Env.db_url_config(url)
engine = config.get("ENGINE", "")
out = {"DB_KIND": "other", "DB_NAME": str(config.get("NAME", "")), "DB_PASSWORD": ""}
if "postgres" in engine or "postgis" in engine:
    libpq_options = {
        "sslmode", "sslrootcert", "sslcert", "sslkey", "sslcrl", "channel_binding",
        "gssencmode", "connect_timeout", "application_name", "target_session_attrs",
        "options", "service", "passfile",
    }
    params = {
        "host": config.get("HOST"),
        "port": config.get("PORT"),
        "user": config.get("USER"),
        "dbname": config.get("NAME"),
    }
    params.update({k: v for k, v in (config.get("OPTIONS") or {}).items() if k in libpq_options})

    def quote(value: object) -> str:
        return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"

    out.update(
        DB_KIND="postgres",
        DB_CONNINFO=" ".join(f"{k}={quote(v)}" for k, v in params.items() if v not in (None, "")),
        DB_PASSWORD=config.get("PASSWORD") or "",
        DB_WHERE=f"{config.get('HOST') or 'the local socket'}:{config.get('PORT') or 5432}",
    )
elif engine == "django.db.backends.sqlite3":
    out["DB_KIND"] = "sqlite"
    out["DB_WHERE"] = "this machine"
out["MEDIA_DIR"] = os.environ.get("MEDIA_ROOT") or str(base / "media")
out["BACKUP_DIR"] = os.environ.get("BACKUP_DIR") or "backups"
out["BACKUP_KEEP_DAYS"] = os.environ.get("BACKUP_KEEP_DAYS") or "0"
for key, value in out.items():
    print(f"{key}={shlex.quote(str(value))}")
PY
  )
  eval "$vars"
}

pg_client_auth() {
  no_prompt=()
  [ -t 0 ] || no_prompt=(--no-password)
  if [ -n "$DB_PASSWORD" ]; then export PGPASSWORD="$DB_PASSWORD"; fi
}
