# The two commands: `make run` (development server with demo data) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The install stamp changes with the dependency files, so an edit reinstalls.
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt constraints.txt | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
# Two workers: one per core of these machines (pytest-xdist); `PYTEST_ARGS=` runs serially.
PYTEST_ARGS ?= -n 2
# The test targets' Hypothesis profile: fixed examples (common/tests/properties.py).
HYPOTHESIS_PROFILE ?= ci

.PHONY: help install system-deps client-install client-types messages messages-update run serve migrate seed test lint format test-sqlite test-postgres bench backup restore clean

help:
	@echo "make run    - development server on $(HOST):$(PORT) with SQLite and demo data"
	@echo "make test   - ruff + the whole test suite (SQLite; PostgreSQL too when DATABASE_URL is set)"
	@echo "make serve  - gunicorn with production settings (DATABASE_URL, REDIS_URL, SECRET_KEY)"
	@echo "make bench  - benchmarks (see bench/README.md)"
	@echo "make messages        - compile the translation catalogues (documents/locale/*/LC_MESSAGES/django.po)"
	@echo "make messages-update - refresh django.pot and every django.po from the texts in the code"

$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

install: system-deps $(STAMP)

system-deps:
	@bash scripts/system-deps.sh

# Translation catalogues: the .po files are the source, the .mo files are built (not in git)
# with Babel's pybabel, installed with the requirements, so no GNU gettext is needed.
LOCALE_DIR := documents/locale
messages: install
	$(BIN)/pybabel -q compile --domain django --directory $(LOCALE_DIR)

# Texts are marked with documents.labels.pgettext_noop (Django's gettext and pgettext work too).
messages-update: install
	$(BIN)/pybabel -q extract --output-file $(LOCALE_DIR)/django.pot \
		--no-default-keywords --keyword pgettext_noop:1c,2 --keyword pgettext:1c,2 \
		--keyword pgettext_lazy:1c,2 --keyword gettext --keyword gettext_lazy \
		--add-comments Translators: --strip-comments --add-location file --sort-output \
		--no-wrap --ignore-dirs "tests .* _*" --project "billing backend" \
		--header-comment "# Texts of the invoice documents and e-mails (documents/labels.py, mail.py)." \
		documents
	$(BIN)/pybabel -q update --domain django --input-file $(LOCALE_DIR)/django.pot \
		--output-dir $(LOCALE_DIR) --ignore-obsolete --no-wrap

migrate: install
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py migrate --noinput

run: install messages
	DEBUG=true $(BIN)/python manage.py migrate --noinput
	DEBUG=true $(BIN)/python manage.py seed_demo
	@echo "Serving on http://$(HOST):$(PORT)/  (API /api/, admin /admin/, docs /api/docs/)"
	@echo "Demo logins: admin / demo-pass-123 (admin), staff / demo-pass-123 (staff)"
	DEBUG=true SERVER_HOST=$(HOST) SERVER_PORT=$(PORT) $(BIN)/python manage.py runserver $(HOST):$(PORT)

# Production settings: DEBUG=false, a real SECRET_KEY (written once to .env when missing).
serve: install messages
	@bash scripts/ensure-secret-key.sh
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	SERVER_HOST=$(HOST) SERVER_PORT=$(PORT) $(BIN)/gunicorn core.wsgi:application --config deploy/gunicorn.conf.py --bind $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Each target alone runs the whole suite on its database.
test-sqlite: install messages
	env -u DATABASE_URL HYPOTHESIS_PROFILE=$(HYPOTHESIS_PROFILE) $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: install messages
	@test -n "$$DATABASE_URL" || (echo "DATABASE_URL is not set" && exit 2)
	HYPOTHESIS_PROFILE=$(HYPOTHESIS_PROFILE) $(BIN)/pytest $(PYTEST_ARGS)

# `make test`'s PostgreSQL pass leaves out the tests marked `db_independent` (browser,
# TypeScript client, official e-invoice proofs, every test that never reaches the
# database: conftest.py): the SQLite pass has just run them (DEVELOPMENT_GUIDE.md).
test: lint test-sqlite
	@if [ -n "$$DATABASE_URL" ]; then \
		echo "== The suite on PostgreSQL ($${DATABASE_URL%%://*}), less what the SQLite pass proved for both =="; \
		SKIP_DB_INDEPENDENT_TESTS=1 HYPOTHESIS_PROFILE=$(HYPOTHESIS_PROFILE) $(BIN)/pytest $(PYTEST_ARGS); \
	else \
		echo "DATABASE_URL not set: PostgreSQL run skipped (see README)"; \
	fi

# The TypeScript client example (clients/typescript): npm installs the pinned tools from
# the lock; `client-types` writes the schema and the types generated from it.
CLIENT_DIR := clients/typescript
client-install: $(CLIENT_DIR)/node_modules/.package-lock.json

# npm writes node_modules/.package-lock.json: reinstalled only when the lock changes.
$(CLIENT_DIR)/node_modules/.package-lock.json: $(CLIENT_DIR)/package-lock.json
	@command -v npm >/dev/null || (echo "npm is required (Node.js 20)" && exit 2)
	cd $(CLIENT_DIR) && npm ci --no-audit --no-fund --loglevel=error

client-types: install client-install
	DEBUG=true $(BIN)/python manage.py spectacular --file $(CLIENT_DIR)/schema.yaml
	cd $(CLIENT_DIR) && npx openapi-typescript schema.yaml --output src/schema.d.ts && npx tsc --strict -p .

bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

backup: install
	@bash scripts/backup.sh

restore: install
	@bash scripts/restore.sh $(FILE)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .hypothesis
