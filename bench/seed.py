"""Seed a benchmark database, reset it between runs, and check the invoice numbers.

Run by bench/run.py in a subprocess configured like the server
(DJANGO_SETTINGS_MODULE=bench.settings, DATABASE_URL, MEDIA_ROOT):

    python -m bench.seed status            # the seed marker as JSON (or null)
    python -m bench.seed seed --invoices N # migrate + seed N invoices (5 items each)
    python -m bench.seed prepare ...       # reset to the seeded state + per-run fixtures
    python -m bench.seed verify            # numbers unique and gap-free (SQL)

Rows are written straight to the tables (COPY on PostgreSQL, executemany on SQLite)
in batches: the model layer would take minutes per 100k invoices. The values are the
ones the services would store: totals from `invoices.totals.totals_for` (computed
once per distinct line pattern), seller/buyer snapshots from `invoices.snapshots`,
numbers from `CompanySettings.format_number` with `NumberSequence` rows matching.
The last line printed on stdout is the command's JSON answer; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import secrets
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from tqdm import tqdm  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from customers.models import Customer  # noqa: E402
from invoices.calculation import round_money  # noqa: E402
from invoices.models import (  # noqa: E402
    Invoice,
    InvoiceItem,
    InvoiceKind,
    InvoiceStatus,
    NumberSequence,
    Payment,
)
from invoices.representation import payment_dict  # noqa: E402
from invoices.snapshots import buyer_snapshot, seller_snapshot  # noqa: E402
from invoices.totals import TOTAL_FIELDS, breakdown_json, totals_for  # noqa: E402
from settings_app.models import CompanySettings  # noqa: E402

SEED_VERSION = 3
MARKER_TABLE = "bench_seed_marker"
BENCH_USERNAME = "bench"  # owns the seeded data set: every read scenario
WRITER_USERNAME = "bench-writer"  # owns what the write scenarios add and change
WRITER_CUSTOMERS = 50
CURRENCY = "EUR"
ITEMS_PER_INVOICE = 5
BATCH = 1_000  # invoices per transaction (plus their items and payments)
PATTERNS = 40

# (description, unit price, tax rate, line discount): quantities vary per pattern.
LINE_TEMPLATES = [
    ("Consulting (hours)", "95.00", "19.00", "0"),
    ("Software licence, annual", "1200.00", "19.00", "120.00"),
    ("Support plan, monthly", "249.90", "19.00", "0"),
    ("Technical books", "24.50", "7.00", "0"),
    ("Training day", "690.00", "19.00", "0"),
    ("Travel expenses (km)", "0.3000", "19.00", "0"),
    ("Hosting, monthly", "39.9900", "19.00", "0"),
    ("Printed manuals", "4.9715", "7.00", "5.00"),
    ("Docking station", "189.00", "19.00", "0"),
    ("Workshop catering", "356.40", "7.00", "0"),
]
QUANTITIES = ["1", "1", "2", "3", "5", "8", "10", "20"]
CITIES = [
    ("DE", "Berlin", "10115", "Friedrichstraße 12", "DE123456789", "de"),
    ("DE", "Hamburg", "20095", "Mönckebergstraße 7", "DE123456789", "de"),
    ("FR", "Paris", "75002", "1 rue de la Paix", "FR40303265045", "fr"),
    ("FR", "Lyon", "69002", "12 quai Saint-Antoine", "FR40303265045", "en"),
]
METHODS = ["bank_transfer", "bank_transfer", "bank_transfer", "card", "cheque", "other"]


# --- writing rows fast ------------------------------------------------------------------


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _pg_text(value: Any) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, dict | list):
        text = json.dumps(value, separators=(",", ":"))
    elif isinstance(value, dt.date):  # datetimes too (aware: isoformat keeps the offset)
        text = value.isoformat()
    else:
        text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.translate(_COPY_ESCAPES)
    return text


def _sqlite_value(value: Any) -> Any:
    """One value as Django's SQLite backend stores it."""
    if value is None or isinstance(value, int | float | str):
        return int(value) if isinstance(value, bool) else value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return str(value.astimezone(dt.UTC).replace(tzinfo=None))
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


class TableWriter:
    """Writes dict rows (keyed by attname) of one model; missing fields take defaults."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields]
        self.columns = [f.column for f in self.fields]
        self.attnames = [f.attname for f in self.fields]
        # Django's own defaults: "" for text columns that are not nullable, else None.
        self.defaults = {field.attname: field.get_default() for field in self.fields}
        self.rows: list[list[Any]] = []
        self.written = 0

    def add(self, row: dict[str, Any]) -> None:
        merged = {**self.defaults, **row}
        self.rows.append([merged[name] for name in self.attnames])

    def flush(self) -> None:
        if not self.rows:
            return
        table = connection.ops.quote_name(self.model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        if _is_postgres():
            buffer = io.StringIO()
            for row in self.rows:
                buffer.write("\t".join(_pg_text(v) for v in row))
                buffer.write("\n")
            sql = f"COPY {table} ({columns}) FROM STDIN"
            with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
                copy.write(buffer.getvalue())
        else:
            marks = ", ".join("?" for _ in self.columns)
            values = [[_sqlite_value(v) for v in row] for row in self.rows]
            connection.ensure_connection()
            connection.connection.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})", values
            )
        self.written += len(self.rows)
        self.rows = []


def _next_id(model: type[models.Model]) -> int:
    return (model.objects.aggregate(top=models.Max("id"))["top"] or 0) + 1


def _reset_sequences(models_: Sequence[type[models.Model]]) -> None:
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


# --- the marker ----------------------------------------------------------------------------


def read_marker() -> dict[str, Any] | None:
    if MARKER_TABLE not in connection.introspection.table_names():
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {MARKER_TABLE} WHERE name = %s", ["seed"])
        row = cursor.fetchone()
    return json.loads(row[0]) if row else None


def write_marker(data: dict[str, Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (name varchar(50) PRIMARY KEY, value text)"
        )
        cursor.execute(f"DELETE FROM {MARKER_TABLE} WHERE name = %s", ["seed"])
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} (name, value) VALUES (%s, %s)",
            ["seed", json.dumps(data)],
        )


# --- the data set --------------------------------------------------------------------------


class Pattern:
    """Five lines and their totals, computed once with the product's calculation."""

    def __init__(self, lines: list[dict[str, Any]]) -> None:
        self.lines = lines
        self.totals = totals_for(items=lines, allowances_charges=[], currency=CURRENCY)
        self.breakdown = breakdown_json(self.totals)
        self.gross = self.totals.gross_total


def _line(template: tuple[str, str, str, str], quantity: str) -> dict[str, Any]:
    description, price, rate, discount = template
    if Decimal(quantity) * Decimal(price) <= 2 * Decimal(discount):
        discount = "0"  # the API refuses a discount larger than the line (a 400)
    return {
        "description": description,
        "quantity": Decimal(quantity),
        "unit_code": "HUR" if "hours" in description else "C62",
        "unit_price": Decimal(price),
        "price_base_quantity": Decimal("1"),
        "discount_amount": Decimal(discount),
        "charge_amount": Decimal("0"),
        "tax_category": "S",
        "tax_rate": Decimal(rate),
    }


def make_patterns(rng: random.Random) -> list[Pattern]:
    patterns = []
    for _ in range(PATTERNS):
        templates = rng.sample(LINE_TEMPLATES, ITEMS_PER_INVOICE)
        patterns.append(Pattern([_line(t, rng.choice(QUANTITIES)) for t in templates]))
    return patterns


BIG_PATTERN_LINE = ("Framework agreement, instalment", "100000.00", "19.00", "0")


def big_pattern() -> Pattern:
    """Payment targets: large enough that thousands of small payments never settle them."""
    return Pattern([_line(BIG_PATTERN_LINE, "1") for _ in range(ITEMS_PER_INVOICE)])


def _company() -> CompanySettings:
    company = CompanySettings.load()
    company.legal_name = "Bench Seller GmbH"
    company.trading_name = "Bench Seller"
    company.street = "Hauptstraße 1"
    company.city = "Berlin"
    company.postal_code = "10115"
    company.country = "DE"
    company.vat_id = "DE123456789"
    company.company_id = "HRB 1234"
    company.email = "billing@seller.example"
    company.iban = "DE89370400440532013000"
    company.bic = "COBADEFFXXX"
    company.default_currency = CURRENCY
    company.save()
    return company


def _bench_user(password: str | None = None, username: str = BENCH_USERNAME) -> User:
    user, _ = User.objects.get_or_create(
        username=username,
        defaults={"email": f"{username}@seller.example", "role": Role.STAFF},
    )
    if password:
        user.set_password(password)
        user.save()
    return user


def _customers(owner: User, count: int, rng: random.Random) -> list[Customer]:
    existing = list(Customer.all_objects.filter(owner=owner).order_by("id"))
    if len(existing) >= count:
        return existing[:count]
    now = timezone.now()
    rows = []
    for n in range(len(existing), count):
        country, city, postal, street, vat, lang = CITIES[n % len(CITIES)]
        rows.append(
            Customer(
                owner=owner,
                name=f"{owner.username.title()} customer {n + 1:04d} "
                f"{'GmbH' if country == 'DE' else 'SARL'}",
                email=f"accounts{n + 1:04d}@buyer.example",
                phone="+49 30 1234567" if country == "DE" else "+33 1 23 45 67 89",
                tax_id=vat,
                company_id=f"REG-{n + 1:05d}",
                street=street,
                city=city,
                postal_code=postal,
                country=country,
                currency=CURRENCY,
                payment_terms_days=rng.choice([14, 30, 30, 30]),
                preferred_language=lang,
                created_at=now,
                updated_at=now,
            )
        )
    Customer.objects.bulk_create(rows, batch_size=1000)
    return list(Customer.all_objects.filter(owner=owner).order_by("id"))[:count]


def _status_for(rng: random.Random, recent: bool) -> str:
    """Recent invoices (not yet due) are mostly open; old ones mostly paid."""
    roll = rng.random()
    if recent:
        table = [("draft", 0.15), ("issued", 0.60), ("partially_paid", 0.15), ("paid", 0.10)]
    else:
        table = [
            ("draft", 0.04),
            ("overdue", 0.08),
            ("partially_paid", 0.06),
            ("paid", 0.67),
            ("void", 0.05),
            ("credit_note", 0.10),
        ]
    for name, share in table:
        if roll < share:
            return name
        roll -= share
    return table[-1][0]


class InvoiceFactory:
    """Builds invoice, item and payment rows with consistent numbers and totals."""

    def __init__(self, *, owner: User, company: CompanySettings, today: dt.date) -> None:
        self.owner = owner
        self.company = company
        self.seller = seller_snapshot(company)
        self.today = today
        self.invoices = TableWriter(Invoice)
        self.items = TableWriter(InvoiceItem)
        self.payments = TableWriter(Payment)
        self.next_invoice = _next_id(Invoice)
        self.next_item = _next_id(InvoiceItem)
        self.next_payment = _next_id(Payment)
        self.sequences: dict[tuple[str, int], int] = {
            (s.series, s.year): s.last_value for s in NumberSequence.objects.all()
        }
        self.buyers: dict[int, dict[str, Any]] = {}
        self.counts: Counter[str] = Counter()

    def _number(self, series: str, year: int) -> tuple[str, int]:
        seq = self.sequences.get((series, year), 0) + 1
        self.sequences[(series, year)] = seq
        return self.company.format_number(series=series, year=year, seq=seq), seq

    def add(
        self,
        *,
        customer: Customer,
        pattern: Pattern,
        status: str,
        issue_date: dt.date | None,
        created: dt.datetime,
        kind: str = InvoiceKind.INVOICE,
        credited_invoice_id: int | None = None,
        paid_share: Decimal = Decimal("0"),
        payment_date: dt.date | None = None,
        method: str = "bank_transfer",
    ) -> int:
        invoice_id = self.next_invoice
        self.next_invoice += 1
        totals = pattern.totals
        row: dict[str, Any] = {
            "id": invoice_id,
            "owner_id": self.owner.id,
            "customer_id": customer.id,
            "kind": kind,
            "status": status,
            "currency": CURRENCY,
            "language": customer.preferred_language,
            "series": (
                self.company.credit_note_series
                if kind == InvoiceKind.CREDIT_NOTE
                else self.company.invoice_series
            ),
            "buyer_reference": f"PO-{invoice_id:07d}" if invoice_id % 3 == 0 else "",
            "notes": "",
            "created_at": created,
            "updated_at": created,
            "tax_breakdown": pattern.breakdown,
            "credited_invoice_id": credited_invoice_id,
        }
        for name in TOTAL_FIELDS:
            row[name] = getattr(totals, name)
        if status != InvoiceStatus.DRAFT:
            assert issue_date is not None
            number, seq = self._number(row["series"], issue_date.year)
            buyer = self.buyers.get(customer.id)
            if buyer is None:
                buyer = self.buyers[customer.id] = buyer_snapshot(customer)
            row.update(
                number=number,
                number_year=issue_date.year,
                sequence=seq,
                issue_date=issue_date,
                due_date=issue_date + dt.timedelta(days=customer.payment_terms_days),
                seller=self.seller,
                buyer=buyer,
                issued_at=created,
                public_token=secrets.token_urlsafe(32),
            )
            if status == InvoiceStatus.VOID:
                row.update(voided_at=created + dt.timedelta(days=2), void_reason="Wrong customer.")
        if paid_share:
            paid = round_money(totals.gross_total * paid_share, CURRENCY)
            row["paid_total"] = paid
            row["amount_due"] = totals.gross_total - paid
            payment_at = dt.datetime.combine(payment_date, dt.time(10), dt.UTC)
            payment = {
                "id": self.next_payment,
                "invoice_id": invoice_id,
                "amount": paid,
                "date": payment_date,
                "method": method,
                "reference": f"TRX-{self.next_payment:08d}",
                "recorded_by_id": self.owner.id,
                "created_at": payment_at,
                "updated_at": payment_at,
            }
            self.payments.add(payment)
            # The invoice's read copy of its payments, as the services keep it.
            row["payments_json"] = [payment_dict(SimpleNamespace(**payment), CURRENCY)]
            self.next_payment += 1
        self.invoices.add(row)
        for position, line in enumerate(pattern.lines, start=1):
            self.items.add(
                {
                    "id": self.next_item,
                    "invoice_id": invoice_id,
                    "position": position,
                    "net_amount": totals.line_nets[position - 1],
                    **line,
                }
            )
            self.next_item += 1
        self.counts["credit_note" if kind == InvoiceKind.CREDIT_NOTE else status] += 1
        if len(self.invoices.rows) >= BATCH:
            self.flush()
        return invoice_id

    def flush(self) -> None:
        """One transaction per batch: parents first, foreign keys checked at its commit."""
        with transaction.atomic():
            self.invoices.flush()
            self.items.flush()
            self.payments.flush()

    def finish(self) -> None:
        self.flush()
        for (series, year), last in self.sequences.items():
            NumberSequence.objects.update_or_create(
                series=series, year=year, defaults={"last_value": last}
            )
        _reset_sequences([Invoice, InvoiceItem, Payment])


def seed(*, invoices: int, customers: int, seed_value: int) -> dict[str, Any]:
    call_command("migrate", verbosity=0, interactive=False)
    rng = random.Random(seed_value)
    today = timezone.localdate()
    company = _company()
    owner = _bench_user()
    buyers = _customers(owner, customers, rng)
    patterns = make_patterns(rng)
    factory = InvoiceFactory(owner=owner, company=company, today=today)
    start = dt.date(today.year - 1, 1, 1)
    span = (today - start).days - 1
    open_credit: dict[int, tuple[int, Pattern]] = {}  # customer -> a creditable invoice
    if not _is_postgres():
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
    # Committed batch by batch: the marker, written last, says the data set is complete.
    with tqdm(total=invoices, unit="invoice", file=sys.stderr) as bar:
        for n in range(invoices):
            customer = buyers[rng.randrange(len(buyers))]
            issue_date = start + dt.timedelta(days=n * span // max(invoices, 1))
            created = dt.datetime.combine(issue_date, dt.time(9), dt.UTC) + dt.timedelta(
                seconds=n % 3600
            )
            due = issue_date + dt.timedelta(days=customer.payment_terms_days)
            status = _status_for(rng, recent=due >= today)
            pattern = patterns[rng.randrange(len(patterns))]
            paid_on = min(today, issue_date + dt.timedelta(days=rng.randint(3, 40)))
            method = rng.choice(METHODS)
            if status == "credit_note" and customer.id in open_credit:
                credited_id, credited_pattern = open_credit.pop(customer.id)
                refunded = rng.random() < 0.5
                factory.add(
                    customer=customer,
                    pattern=credited_pattern,
                    status=InvoiceStatus.PAID if refunded else InvoiceStatus.ISSUED,
                    issue_date=issue_date,
                    created=created,
                    kind=InvoiceKind.CREDIT_NOTE,
                    credited_invoice_id=credited_id,
                    paid_share=Decimal("1") if refunded else Decimal("0"),
                    payment_date=paid_on,
                    method="bank_transfer",
                )
            elif status == "draft":
                factory.add(
                    customer=customer,
                    pattern=pattern,
                    status=InvoiceStatus.DRAFT,
                    issue_date=None,
                    created=created,
                )
            else:
                if status == "credit_note":  # nothing to credit for this customer yet
                    status = "paid"
                db_status = {"overdue": InvoiceStatus.ISSUED}.get(status, status)
                share = {"paid": Decimal("1"), "partially_paid": Decimal("0.4")}.get(
                    status, Decimal("0")
                )
                invoice_id = factory.add(
                    customer=customer,
                    pattern=pattern,
                    status=db_status,
                    issue_date=issue_date,
                    created=created,
                    paid_share=share,
                    payment_date=paid_on,
                    method=method,
                )
                if db_status == InvoiceStatus.PAID:
                    open_credit[customer.id] = (invoice_id, pattern)
            bar.update()
        factory.finish()
    _analyze()
    call_command("recompute_customer_statistics", verbosity=0)
    marker = {
        "version": SEED_VERSION,
        "invoices": invoices,
        "customers": customers,
        "seed": seed_value,
        "seeded_at": timezone.now().isoformat(),
        "today": today.isoformat(),
        "statuses": dict(factory.counts),
        "max_invoice_id": factory.next_invoice - 1,
        "max_item_id": factory.next_item - 1,
        "max_payment_id": factory.next_payment - 1,
        "sequences": [
            {"series": s, "year": y, "last_value": v} for (s, y), v in factory.sequences.items()
        ],
    }
    write_marker(marker)
    return marker


def _analyze() -> None:
    with connection.cursor() as cursor:
        # VACUUM also sets PostgreSQL's visibility map (index-only scans for counts).
        cursor.execute("VACUUM ANALYZE" if _is_postgres() else "ANALYZE")


# --- between runs ------------------------------------------------------------------------


def _delete_after(marker: dict[str, Any]) -> list[int]:
    """Remove every row a previous run added; answers the customers it touched."""
    top = marker["max_invoice_id"]
    customers = list(
        Invoice.objects.filter(id__gt=top).values_list("customer_id", flat=True).distinct()
    )
    quote = connection.ops.quote_name
    invoice_table = quote(Invoice._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {quote(Payment._meta.db_table)} WHERE id > %s OR invoice_id > %s",
            [marker["max_payment_id"], top],
        )
        for relation in Invoice._meta.related_objects:
            related = relation.related_model
            if related is Invoice or relation.many_to_many or related is Payment:
                continue
            cursor.execute(
                f"DELETE FROM {quote(related._meta.db_table)} "
                f"WHERE {quote(relation.field.column)} > %s",
                [top],
            )
        cursor.execute(f"DELETE FROM {invoice_table} WHERE id > %s", [top])
    return sorted(set(customers))


def reset(marker: dict[str, Any]) -> dict[str, Any]:
    with transaction.atomic():
        customers = _delete_after(marker)
        wanted = {(s["series"], s["year"]): s["last_value"] for s in marker["sequences"]}
        for sequence in NumberSequence.objects.all():
            key = (sequence.series, sequence.year)
            if key not in wanted:
                sequence.delete()
            elif sequence.last_value != wanted[key]:
                sequence.last_value = wanted[key]
                sequence.save(update_fields=["last_value"])
    if customers:
        from customers.services import customer_statistics_recompute

        customer_statistics_recompute(customer_ids=customers)
    _vacuum()
    return {"customers_recomputed": len(customers)}


def _vacuum() -> None:
    """Runs add and delete thousands of rows: without this, the dead rows and a stale
    visibility map (heap fetches in index-only counts) would drift run to run."""
    if not _is_postgres():
        return
    tables = ", ".join(
        connection.ops.quote_name(m._meta.db_table)
        for m in (Invoice, InvoiceItem, Payment, Customer, NumberSequence)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {tables}")


def prepare(*, drafts: int, warmup_drafts: int, payment_targets: int, password: str) -> dict:
    """Reset to the seeded state, then add the run's fixtures (all above the marker's ids)."""
    marker = read_marker()
    if marker is None:
        raise SystemExit("not seeded")
    cleanup = reset(marker)
    reader = _bench_user(password)
    # The write scenarios' rows belong to another user, so the reader's list page shows
    # the seeded data set whatever ran before it.
    owner = _bench_user(password, WRITER_USERNAME)
    company = CompanySettings.load()
    today = timezone.localdate()
    rng = random.Random(11)
    customers = _customers(owner, WRITER_CUSTOMERS, rng)
    patterns = make_patterns(rng)
    now = timezone.now()
    factory = InvoiceFactory(owner=owner, company=company, today=today)
    with transaction.atomic():
        draft_ids = [
            factory.add(
                customer=customers[n % len(customers)],
                pattern=patterns[n % len(patterns)],
                status=InvoiceStatus.DRAFT,
                issue_date=None,
                created=now,
            )
            for n in range(drafts + warmup_drafts + 60)
        ]
        big = big_pattern()
        target_ids = [
            factory.add(
                customer=customers[n % len(customers)],
                pattern=big,
                status=InvoiceStatus.ISSUED,
                issue_date=today,
                created=now,
            )
            for n in range(payment_targets)
        ]
        factory.finish()
    if target_ids:
        from customers.services import customer_statistics_recompute

        customer_statistics_recompute(customer_ids=[c.id for c in customers])
    # The fixtures land in the free space the last run's deletions left among the seeded
    # rows, which clears those pages' all-visible bits: vacuum again, as autovacuum would
    # have done long before anyone lists data at rest.
    _vacuum()
    seeded = Invoice.objects.filter(id__lte=marker["max_invoice_id"], owner=reader)

    def pick(**filters: Any) -> int:
        return seeded.filter(**filters).order_by("-id").values_list("id", flat=True)[0]

    return {
        "marker": marker,
        "cleanup": cleanup,
        "reader": reader.username,
        "writer": owner.username,
        "customer_id": customers[0].id,
        "detail_id": pick(status=InvoiceStatus.PAID, kind=InvoiceKind.INVOICE),
        "pdf_draft_id": pick(status=InvoiceStatus.DRAFT),
        "pdf_issued_id": pick(status=InvoiceStatus.PAID, kind=InvoiceKind.INVOICE),
        "ubl_id": pick(status=InvoiceStatus.PARTIALLY_PAID, kind=InvoiceKind.INVOICE),
        "warmup_draft_ids": draft_ids[:warmup_drafts],
        "issue_draft_ids": draft_ids[warmup_drafts : warmup_drafts + drafts],
        "probe_draft_ids": draft_ids[warmup_drafts + drafts :],
        "payment_target_ids": target_ids,
        "routes": {path: _routed(path) for path in OPTIONAL_ROUTES},
    }


OPTIONAL_ROUTES = ("/api/reports/aging/", "/api/reports/summary/")


def _routed(path: str) -> bool:
    """Whether the project serves `path` (scenarios of endpoints not built yet are left out)."""
    from django.urls import Resolver404, resolve

    try:
        resolve(path)
    except Resolver404:
        return False
    return True


# --- checks ------------------------------------------------------------------------------


def verify() -> dict[str, Any]:
    """Every (series, year): numbers 1..N exactly once, the counter at N, numbers unique."""
    quote = connection.ops.quote_name
    invoice_table = quote(Invoice._meta.db_table)
    sequence_table = quote(NumberSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT i.series, i.number_year, COUNT(*), COUNT(DISTINCT i.sequence),
                   MIN(i.sequence), MAX(i.sequence), COUNT(DISTINCT i.number),
                   MAX(s.last_value)
            FROM {invoice_table} i
            LEFT JOIN {sequence_table} s ON s.series = i.series AND s.year = i.number_year
            WHERE i.number IS NOT NULL
            GROUP BY i.series, i.number_year
            ORDER BY i.series, i.number_year
            """
        )
        groups = []
        for series, year, count, distinct, low, high, numbers, counter in cursor.fetchall():
            groups.append(
                {
                    "series": series,
                    "year": year,
                    "numbers": count,
                    "max_sequence": high,
                    "counter": counter,
                    "gap_free": count == distinct == high and low == 1 and counter == high,
                    "unique": numbers == count == distinct,
                }
            )
        cursor.execute(f"SELECT COUNT(number), COUNT(DISTINCT number) FROM {invoice_table}")
        total, distinct_total = cursor.fetchone()
        cursor.execute(
            f"SELECT COUNT(*) FROM {invoice_table} WHERE status <> 'draft' AND number IS NULL"
        )
        unnumbered = cursor.fetchone()[0]
    ok = all(g["gap_free"] and g["unique"] for g in groups) and total == distinct_total
    return {
        "ok": ok and unnumbered == 0,
        "numbers": total,
        "issued_without_number": unnumbered,
        "groups": groups,
    }


# --- command line ------------------------------------------------------------------------


def _answer(data: Any) -> None:
    sys.stdout.write(json.dumps(data, default=str) + "\n")


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("status")
    seed_parser = commands.add_parser("seed")
    seed_parser.add_argument("--invoices", type=int, default=10_000)
    seed_parser.add_argument("--customers", type=int, default=1_000)
    seed_parser.add_argument("--seed", type=int, default=7)
    prepare_parser = commands.add_parser("prepare")
    prepare_parser.add_argument("--drafts", type=int, default=4_000)
    prepare_parser.add_argument("--warmup-drafts", type=int, default=1_000)
    prepare_parser.add_argument("--payment-targets", type=int, default=200)
    commands.add_parser("migrate")
    commands.add_parser("verify")
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.command == "status":
        _answer(read_marker())
    elif args.command == "migrate":
        call_command("migrate", verbosity=0, interactive=False)
        _answer({"migrated": True})
    elif args.command == "seed":
        _answer(seed(invoices=args.invoices, customers=args.customers, seed_value=args.seed))
    elif args.command == "prepare":
        password = os.environ.get("BENCH_PASSWORD", "")
        if not password:
            raise SystemExit("BENCH_PASSWORD is not set")
        _answer(
            prepare(
                drafts=args.drafts,
                warmup_drafts=args.warmup_drafts,
                payment_targets=args.payment_targets,
                password=password,
            )
        )
    elif args.command == "verify":
        _answer(verify())


if __name__ == "__main__":
    main()
