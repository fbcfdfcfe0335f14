#!/usr/bin/env bash
# Restore a backup written by scripts/backup.sh into the database of DATABASE_URL
# (`make restore FILE=backups/billing-<timestamp>.dump`).
#
#   scripts/restore.sh [--yes] FILE
#
#   billing-*.dump     (pg_dump -Fc)  -> PostgreSQL: pg_restore --clean --if-exists --no-owner,
#                                        in one transaction (all or nothing)
#   billing-*.sqlite3                 -> SQLite: copied over the database file (backup API)
#
# The target database is found as core/settings.py finds it (DATABASE_URL, .env, else
# db.sqlite3). It asks before replacing anything unless --yes is given or CI is set; with
# neither and no terminal to ask on, it refuses. Stop the web, worker and beat services first.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/_db_env.sh
. scripts/_db_env.sh  # db_env_load, pg_client_auth, $py

usage() {
  echo "usage: scripts/restore.sh [--yes] FILE    (make restore FILE=backups/billing-<timestamp>.dump)"
}

assume_yes=""
file=""
for arg in "$@"; do
  case "$arg" in
    -y | --yes) assume_yes=1 ;;
    -h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "restore: unknown option '$arg'" >&2; usage >&2; exit 2 ;;
    *)
      if [ -n "$file" ]; then echo "restore: one file only" >&2; usage >&2; exit 2; fi
      file="$arg"
      ;;
  esac
done
case "${CI:-}" in '' | 0 | false | no) ;; *) assume_yes=1 ;; esac

if [ -z "$file" ]; then
  echo "restore: refusing to run without an explicit backup file." >&2
  usage >&2
  latest=$(ls -1t backups/billing-*.dump backups/billing-*.sqlite3 2>/dev/null | head -n 5 || true)
  if [ -n "$latest" ]; then
    echo "Most recent backups in backups/:" >&2
    echo "$latest" | sed 's/^/  /' >&2
  fi
  exit 2
fi
if [ ! -f "$file" ]; then
  echo "restore: no such file: $file" >&2
  exit 2
fi

magic=$(head -c 15 "$file" | tr -d '\0')
case "$magic" in
  PGDMP*) kind=postgres ;;
  "SQLite format 3") kind=sqlite ;;
  *)
    echo "restore: $file is neither a pg_dump custom-format (-Fc) dump nor a SQLite backup" >&2
    exit 2
    ;;
esac

db_env_load

if [ "$DB_KIND" != "$kind" ]; then
  echo "restore: $file is a $kind backup but DATABASE_URL points at a $DB_KIND database" >&2
  exit 2
fi

echo "==> Backup file: $file ($(du -h "$file" | cut -f1))"
if [ "$kind" = postgres ]; then
  command -v pg_restore >/dev/null || { echo "restore: pg_restore is not installed (Debian: postgresql-client)" >&2; exit 1; }
  pg_restore --list "$file" | sed -n 's/^; *\(Archive created at.*\|dbname:.*\|Dumped from database version.*\)$/    \1/p'
fi
echo "==> Target: $kind database '$DB_NAME' on $DB_WHERE"

if [ -z "$assume_yes" ]; then
  if [ ! -t 0 ]; then
    echo "restore: no terminal to confirm on; pass --yes (or set CI=true) to restore without asking" >&2
    exit 2
  fi
  read -r -p "Replace the contents of '$DB_NAME' with this backup? Type yes to continue: " answer
  if [ "$answer" != "yes" ]; then
    echo "restore: aborted, nothing changed"
    exit 1
  fi
fi

if [ "$kind" = postgres ]; then
  echo "==> Restoring (pg_restore --clean --if-exists --no-owner, one transaction)"
  pg_client_auth
  pg_restore --clean --if-exists --no-owner --single-transaction --exit-on-error \
    "${no_prompt[@]}" --dbname="$DB_CONNINFO" "$file"
else
  echo "==> Restoring SQLite database $DB_NAME from $file"
  "$py" - "$file" "$DB_NAME" <<'PY'
import sqlite3
import sys
from pathlib import Path

source = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
result = source.execute("PRAGMA integrity_check").fetchone()[0]
if result != "ok":
    sys.exit(f"restore: the backup fails its integrity check ({result}); nothing changed")
Path(sys.argv[2]).parent.mkdir(parents=True, exist_ok=True)
target = sqlite3.connect(sys.argv[2])
with target:
    source.backup(target)
target.close()
source.close()
PY
fi
echo "==> Restore complete. If the backup comes from an older release, run"
echo "    'python manage.py migrate' before starting the services again."
