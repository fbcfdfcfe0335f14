"""`make backup` / `make restore`: a dump restored into a fresh database is identical.

The PostgreSQL round trip runs the real scripts (scripts/backup.sh, scripts/restore.sh) as
subprocesses against the test database, restores into a scratch database created for the
test, and compares every row of every table. The other tests check the scripts' refusals
and the SQLite path, which need no server.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import uuid
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.db import connection

from common.tests.factories import CompanySettingsFactory, CustomerFactory, UserFactory
from customers.models import Customer

ROOT = Path(__file__).resolve().parents[2]
BACKUP = ROOT / "scripts" / "backup.sh"
RESTORE = ROOT / "scripts" / "restore.sh"
POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql", "psql", "postgis"}


def _env(**overrides: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "CI"}
    env.update(overrides)
    return env


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", *args],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


# --- refusals and SQLite: no server needed ------------------------------------------------


def test_restore_refuses_without_a_file(tmp_path: Path) -> None:
    result = _run(str(RESTORE), env=_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}"))
    assert result.returncode == 2
    assert "explicit backup file" in result.stderr


def test_restore_refuses_to_run_unconfirmed_without_a_terminal(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite3"
    backup = tmp_path / "billing-backup.sqlite3"
    for path in (database, backup):
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE t (v INTEGER)")
    result = _run(str(RESTORE), str(backup), env=_env(DATABASE_URL=f"sqlite:///{database}"))
    assert result.returncode == 2
    assert "--yes" in result.stderr


def test_restore_refuses_a_backup_of_the_other_engine(tmp_path: Path) -> None:
    dump = tmp_path / "billing-x.dump"
    dump.write_bytes(b"PGDMP\x01\x0e\x00")
    result = _run(
        str(RESTORE), "--yes", str(dump), env=_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db'}")
    )
    assert result.returncode == 2
    assert "points at a sqlite database" in result.stderr


def test_sqlite_backup_and_restore_round_trip(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite3"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE invoice (number TEXT, total TEXT)")
        db.execute("INSERT INTO invoice VALUES ('INV-2026-00001', '119.00')")
    env = _env(DATABASE_URL=f"sqlite:///{database}", BACKUP_DIR=str(tmp_path / "backups"))

    backup = _run(str(BACKUP), env=env)
    assert backup.returncode == 0, backup.stdout + backup.stderr
    (copy,) = (tmp_path / "backups").glob("billing-*.sqlite3")

    with sqlite3.connect(database) as db:
        db.execute("INSERT INTO invoice VALUES ('INV-2026-00002', '1.00')")
    restore = _run(str(RESTORE), "--yes", str(copy), env=env)
    assert restore.returncode == 0, restore.stdout + restore.stderr

    with sqlite3.connect(database) as db:
        assert db.execute("SELECT number, total FROM invoice").fetchall() == [
            ("INV-2026-00001", "119.00")
        ]


def test_both_scripts_find_the_database_through_one_shared_file() -> None:
    """scripts/_db_env.sh parses DATABASE_URL for both scripts (as the settings do); the
    password goes to PGPASSWORD, never into the conninfo that lands on a command line."""
    for script in (BACKUP, RESTORE):
        text = script.read_text()
        assert ". scripts/_db_env.sh" in text and "db_env_load" in text
        assert "db_url_config" not in text  # parsed in one place only
    show = (
        ". scripts/_db_env.sh && db_env_load && pg_client_auth </dev/null && "
        'printf "%s\\n" "$DB_KIND" "$DB_CONNINFO" "$DB_WHERE" "$PGPASSWORD" "${no_prompt[*]}"'
    )
    url = "postgres://u:s%27cret@db.example:6543/billing?sslmode=require"
    result = _run("-c", show, env=_env(DATABASE_URL=url))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "postgres",
        "host='db.example' port='6543' user='u' dbname='billing' sslmode='require'",
        "db.example:6543",
        "s'cret",
        "--no-password",
    ]
    show = '. scripts/_db_env.sh && db_env_load && printf "%s\\n" "$DB_KIND" "$DB_WHERE"'
    result = _run("-c", show, env=_env(DATABASE_URL="mysql://u@db.example/billing"))
    assert result.stdout.splitlines()[0] == "other"


# --- PostgreSQL: dump, restore into a fresh database, compare everything ------------------


def _points_at_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").split("://", 1)[0] in POSTGRES_SCHEMES


def _connect_kwargs(settings_dict: dict, dbname: str) -> dict:
    kwargs = {
        "dbname": dbname,
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
        "host": settings_dict.get("HOST") or None,
        "port": settings_dict.get("PORT") or None,
    }
    return {key: value for key, value in kwargs.items() if value is not None}


def _database_url(settings_dict: dict, dbname: str) -> str:
    """A DATABASE_URL for the scripts, from Django's connection settings."""
    auth = quote(settings_dict.get("USER") or "", safe="")
    if settings_dict.get("PASSWORD"):
        auth += ":" + quote(settings_dict["PASSWORD"], safe="")
    host = settings_dict.get("HOST") or ""
    port = settings_dict.get("PORT") or ""
    name = quote(dbname, safe="")
    prefix = f"{auth}@" if auth else ""
    if host.startswith("/"):  # a Unix socket directory: django-environ's path form
        url = f"postgres://{prefix}/{host}/{name}"
    else:
        url = f"postgres://{prefix}{host}{':' + str(port) if port else ''}/{name}"
    options = {
        key: value
        for key, value in (settings_dict.get("OPTIONS") or {}).items()
        if isinstance(value, str | int) and not isinstance(value, bool)
    }
    return f"{url}?{urlencode(options)}" if options else url


def _create_invoices(owners: list, customers: list) -> int:
    """Issued, paid and draft invoices through the invoice services; 0 when not available."""
    try:
        from invoices.services import invoice_create_draft, invoice_issue
    except ImportError:
        return 0
    try:
        from invoices.services import payment_record
    except ImportError:
        payment_record = None

    items = [
        {
            "description": "Consulting, hours",
            "quantity": Decimal("3.5"),
            "unit_price": Decimal("123.4567"),
            "tax_rate": Decimal("19"),
        },
        {
            "description": "Handbook (zero rated)",
            "quantity": Decimal("2"),
            "unit_price": Decimal("9.99"),
            "tax_category": "Z",
            "tax_rate": Decimal("0"),
        },
    ]
    issued = 0
    for index, (owner, customer) in enumerate(zip(owners * 2, customers * 2, strict=False)):
        invoice = invoice_create_draft(owner=owner, customer=customer, items=items[: 1 + index % 2])
        invoice = invoice_issue(invoice=invoice, issue_date=dt.date(2026, 3, 1 + index))
        issued += 1
        if payment_record is not None and index == 0:
            payment_record(invoice=invoice, amount=Decimal("100.00"), date=dt.date(2026, 3, 10))
    invoice_create_draft(owner=owners[0], customer=customers[0], items=items)  # stays a draft
    return issued


def _table_rows(cursor, table: str) -> list[tuple]:
    cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1')  # table names come from pg_tables
    return cursor.fetchall()


def _snapshot(conn) -> dict[str, object]:
    with conn.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        tables = [row[0] for row in cursor.fetchall()]
        rows = {table: _table_rows(cursor, table) for table in tables}
        cursor.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' "
            "ORDER BY 1"
        )
        sequences = cursor.fetchall()
    return {"tables": tables, "rows": rows, "sequences": sequences}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not _points_at_postgres(),
    reason="pg_dump/pg_restore round trip: needs DATABASE_URL pointing at PostgreSQL",
)
def test_backup_restores_into_a_fresh_database_identically(tmp_path: Path, settings) -> None:
    missing = [tool for tool in ("pg_dump", "pg_restore") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (Debian: postgresql-client)")
    import psycopg
    from psycopg import sql

    settings.MEDIA_ROOT = tmp_path / "media"  # rendered PDFs, if any, stay out of the tree
    CompanySettingsFactory()
    owners = [UserFactory(username="backup-owner-1"), UserFactory(username="backup-owner-2")]
    customers = [
        CustomerFactory(owner=owners[0], name="Ærøskøbing Handel ApS"),
        CustomerFactory(owner=owners[1], name="O'Brien & Söhne"),
    ]
    CustomerFactory(owner=owners[1], name="Gone Ltd").delete()  # soft-deleted, must survive
    issued = _create_invoices(owners, customers)

    db = connection.settings_dict
    source_name = db["NAME"]
    scratch_name = f"{source_name}_restore_{uuid.uuid4().hex[:8]}"[:63]
    backup_dir = tmp_path / "backups"

    backup = _run(
        str(BACKUP),
        env=_env(DATABASE_URL=_database_url(db, source_name), BACKUP_DIR=str(backup_dir)),
    )
    assert backup.returncode == 0, backup.stdout + backup.stderr
    (dump,) = backup_dir.glob("billing-*.dump")
    assert dump.read_bytes()[:5] == b"PGDMP"
    assert not list(backup_dir.glob("*.partial"))

    with psycopg.connect(**_connect_kwargs(db, "postgres"), autocommit=True) as admin:
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(scratch_name))
        )
    try:
        restore = _run(
            str(RESTORE),
            "--yes",
            str(dump),
            env=_env(DATABASE_URL=_database_url(db, scratch_name)),
        )
        assert restore.returncode == 0, restore.stdout + restore.stderr

        with (
            psycopg.connect(**_connect_kwargs(db, source_name)) as source,
            psycopg.connect(**_connect_kwargs(db, scratch_name)) as restored,
        ):
            before, after = _snapshot(source), _snapshot(restored)

            # The figures people rely on, named: every customer, every invoice's number,
            # status and totals.
            customer_table = Customer._meta.db_table
            assert len(after["rows"][customer_table]) == 3
            assert after["rows"][customer_table] == before["rows"][customer_table]
            if issued:
                from invoices.models import Invoice

                columns = "id, number, status, net_total, tax_total, gross_total, amount_due"
                query = f"SELECT {columns} FROM {Invoice._meta.db_table} ORDER BY id"
                invoices_before = source.execute(query).fetchall()
                invoices_after = restored.execute(query).fetchall()
                assert invoices_after == invoices_before
                numbers = [row[1] for row in invoices_after if row[1] is not None]
                assert len(numbers) == issued
                assert {row[2] for row in invoices_after} >= {"draft", "issued"}
                assert all(row[5] > 0 for row in invoices_after)

            # And everything else: same tables, same rows, same sequence positions.
            assert after["tables"] == before["tables"]
            for table in before["tables"]:
                assert after["rows"][table] == before["rows"][table], table
            assert after["sequences"] == before["sequences"]
    finally:
        with psycopg.connect(**_connect_kwargs(db, "postgres"), autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(scratch_name)
                )
            )
