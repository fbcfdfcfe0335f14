"""Seed a benchmark database, reset it between runs, and check the invoice numbers.

Run by bench/run.py in a subprocess configured like the server
(DJANGO_SETTINGS_MODULE=bench.settings, DATABASE_URL, MEDIA_ROOT):

    python -m bench.seed status            # the seed marker as JSON (or null)
    python -m bench.seed seed --invoices N # migrate + seed N invoices (5 items each)
    python -m bench.seed prepare ...       # reset to the seeded state + per-run fixtures
    python -m bench.seed verify            # numbers unique and gap-free (SQL)

The modules, by role: `plan` (the story of the data set as business events: drafts,
issues, payments, credit notes, voids), `bulk` (those events written straight to the
tables as the invoice services would write them: COPY on PostgreSQL, executemany on
SQLite, in batches, through `rows`), `data` (seller, users, customers, line patterns),
`dataset` (the whole seed), `runs` (reset and fixtures between runs), `verify`, and
`marker`. bench/tests/test_seed_matches_services.py plays a small plan both ways, in
bulk and through `invoices.services`, and compares every row.
The last line printed on stdout is the command's JSON answer; progress goes to stderr.

This file imports nothing: bench/run.py reads SEED_VERSION without setting Django up.
"""

# Bumped whenever the data set changes: a database seeded by another version is reseeded.
SEED_VERSION = 4
