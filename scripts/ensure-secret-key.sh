#!/usr/bin/env bash
# `make serve` needs a real SECRET_KEY: keep the environment's, else one stored in .env.
set -euo pipefail
[ -n "${SECRET_KEY:-}" ] && exit 0
if [ -f .env ] && grep -q '^SECRET_KEY=' .env; then exit 0; fi
key=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')
echo "SECRET_KEY=$key" >> .env
echo "Wrote a new random SECRET_KEY to .env (git-ignored)."
