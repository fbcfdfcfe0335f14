#!/usr/bin/env bash
# Back up the database of DATABASE_URL (`make backup`).
#
#   PostgreSQL: pg_dump -Fc          -> $BACKUP_DIR/billing-<UTC timestamp>.dump
#   SQLite:     online backup API    -> $BACKUP_DIR/billing-<UTC timestamp>.sqlite3
#   --media:    also archive MEDIA_ROOT -> $BACKUP_DIR/media-<UTC timestamp>.tar.gz
#
# The database is found as core/settings.py finds it: DATABASE_URL from the environment,
# else from .env, else the SQLite file db.sqlite3 next to manage.py.
# Environment (also read from .env): BACKUP_DIR (default backups/), BACKUP_KEEP_DAYS
# (delete backups older than that many days; 0 or unset keeps all), MEDIA_ROOT.
# The file is written under a .partial name and renamed only once it is complete and
# readable, so a file named billing-*.dump is always a whole dump.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/_db_env.sh
. scripts/_db_env.sh  # db_env_load, pg_client_auth, $py

with_media=""
for arg in "$@"; do
  case "$arg" in
    --media) with_media=1 ;;
    -h | --help)
      sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "backup: unknown argument '$arg' (usage: scripts/backup.sh [--media])" >&2
      exit 2
      ;;
  esac
done

db_env_load

case "$BACKUP_KEEP_DAYS" in
  '' | *[!0-9]*) echo "backup: BACKUP_KEEP_DAYS must be a whole number of days" >&2; exit 2 ;;
esac

if [ "$DB_KIND" = other ]; then
  echo "backup: DATABASE_URL is neither PostgreSQL nor SQLite; only those two are supported" >&2
  exit 2
fi

stamp=$(date -u +%Y%m%dT%H%M%SZ)
umask 077
mkdir -p "$BACKUP_DIR"
partial=""
trap 'status=$?; [ -n "$partial" ] && rm -f "$partial"; [ $status -ne 0 ] && echo "backup: FAILED" >&2; exit $status' EXIT

case "$DB_KIND" in
  postgres)
    command -v pg_dump >/dev/null || { echo "backup: pg_dump is not installed (Debian: postgresql-client)" >&2; exit 1; }
    target="$BACKUP_DIR/billing-$stamp.dump"
    partial="$target.partial"
    echo "==> Dumping PostgreSQL database '$DB_NAME' on $DB_WHERE (pg_dump -Fc)"
    pg_client_auth
    pg_dump --format=custom "${no_prompt[@]}" --file="$partial" --dbname="$DB_CONNINFO"
    echo "==> Checking that the dump reads back"
    pg_restore --list "$partial" >/dev/null
    ;;
  sqlite)
    if [ "$DB_NAME" = ":memory:" ] || [ ! -f "$DB_NAME" ]; then
      echo "backup: SQLite database '$DB_NAME' does not exist (nothing to back up)" >&2
      exit 1
    fi
    target="$BACKUP_DIR/billing-$stamp.sqlite3"
    partial="$target.partial"
    echo "==> Copying SQLite database $DB_NAME (online backup API, consistent while in use)"
    "$py" - "$DB_NAME" "$partial" <<'PY'
import sqlite3
import sys

source = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
copy = sqlite3.connect(sys.argv[2])
with copy:
    source.backup(copy)
result = copy.execute("PRAGMA integrity_check").fetchone()[0]
copy.close()
source.close()
if result != "ok":
    sys.exit(f"backup: integrity check of the copy failed: {result}")
PY
    ;;
esac
mv "$partial" "$target"
partial=""
echo "==> Wrote $target ($(du -h "$target" | cut -f1))"

if [ -n "$with_media" ]; then
  if [ -d "$MEDIA_DIR" ]; then
    media="$BACKUP_DIR/media-$stamp.tar.gz"
    partial="$media.partial"
    echo "==> Archiving media files from $MEDIA_DIR"
    tar -czf "$partial" -C "$MEDIA_DIR" .
    mv "$partial" "$media"
    partial=""
    echo "==> Wrote $media ($(du -h "$media" | cut -f1))"
  else
    echo "==> No media directory at $MEDIA_DIR: nothing to archive"
  fi
fi

if [ "$BACKUP_KEEP_DAYS" -gt 0 ]; then
  echo "==> Removing backups older than $BACKUP_KEEP_DAYS days from $BACKUP_DIR"
  find "$BACKUP_DIR" -maxdepth 1 -type f -mtime "+$BACKUP_KEEP_DAYS" \
    \( -name 'billing-*.dump' -o -name 'billing-*.sqlite3' -o -name 'media-*.tar.gz' \) \
    -print -delete
fi
echo "==> Backup complete"
