"""The benchmark's bulk seed writes exactly what the invoice services write.

bench/seed/bulk.py writes a million invoices straight to the tables (COPY, executemany):
issuing through `invoice_issue` would take hours. So it re-states what the services do,
and this test keeps the two from drifting apart. One small plan (bench.seed.plan: drafts,
issues, payments, partial payments, credit notes with and without refunds, invoices
credited before payment, voids with their cancellation credit notes) is played twice on
the same customers, from the same empty state: once by the bulk writer (in batches of a
few invoices, so accounts span batches), rolled back, then through `invoices.services`
(invoice_create_draft, invoice_issue, payment_record, invoice_credit_note_create,
invoice_void). Then, row by row: every column of every invoice (but ids, timestamps and
random tokens; references between rows mapped to the plan's refs), its items and
payments, the number counters (last_value and last_issue_date), every customer's
statistics and the report rollups (rebuilt after the bulk rows) must be equal. A column the services start to write and the seed does not
fails here.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from io import StringIO
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import transaction

from bench.seed.bulk import BulkWriter
from bench.seed.data import CURRENCY, bench_user, ensure_customers, make_patterns, setup_company
from bench.seed.indexes import put_back, set_aside
from bench.seed.plan import Close, Credit, Draft, Event, Issue, Pay, Void, plan_invoices
from bench.seed.statistics import recompute_statistics
from customers.models import Customer
from customers.services import STATISTICS_FIELDS
from invoices.models import (
    ITEM_FIELDS,
    Invoice,
    InvoiceItem,
    InvoiceKind,
    InvoiceStatus,
    NumberSequence,
    Payment,
    PaymentRollup,
    ReportRollup,
)
from invoices.rollups import KEY_FIELDS, SUM_FIELDS
from invoices.services import (
    invoice_create_draft,
    invoice_credit_note_create,
    invoice_issue,
    invoice_void,
    payment_record,
)
from settings_app.calendar import company_today

INVOICES = 500
CUSTOMERS = 12
# Differ between the two ways by nature: row ids (mapped to refs below), clocks, tokens,
# and the count of saves (`version`, the rendered copies' key: the bulk path writes each
# row once, the services save an invoice once per step).
NOT_COMPARED = {
    "id",
    "created_at",
    "updated_at",
    "issued_at",
    "voided_at",
    "public_token",
    "version",
}
ROLLUP_COLUMNS = (*KEY_FIELDS, "count", *SUM_FIELDS)


def _plan(customers: list[Customer]) -> list[Event]:
    rng = random.Random(5)
    patterns = make_patterns(rng)
    return list(
        plan_invoices(
            customers=customers,
            patterns=patterns,
            count=INVOICES,
            today=company_today(),
            rng=rng,
            currency=CURRENCY,
        )
    )


def _play_bulk(events: list[Event], owner: Any) -> dict[int, int]:
    # As bench.seed.dataset loads them: indexes and foreign keys set aside, then rebuilt
    # (which checks every row against them; nothing on SQLite).
    aside = set_aside([Invoice, InvoiceItem, Payment])
    writer = BulkWriter(owner=owner, company=setup_company(), batch=7)
    for event in events:
        writer.play(event)
    writer.finish()
    put_back(aside)
    # As bench.seed.dataset does after the rows: the statistics in one recomputation.
    recompute_statistics()
    call_command("rebuild_report_rollups", verbosity=0, stdout=StringIO())
    return writer.ids


def _play_services(events: list[Event], owner: Any) -> dict[int, int]:
    documents: dict[int, Invoice] = {}
    for event in events:
        if isinstance(event, Draft | Issue):
            invoice = invoice_create_draft(
                owner=owner,
                customer=event.customer,
                items=event.pattern.lines,
                buyer_reference=event.buyer_reference,
            )
            if isinstance(event, Issue):
                invoice = invoice_issue(invoice=invoice, by=owner, issue_date=event.issue_date)
            documents[event.ref] = invoice
        elif isinstance(event, Pay):
            payment_record(
                invoice=documents[event.ref],
                by=owner,
                amount=event.amount,
                date=event.date,
                method=event.method,
                reference=event.reference,
            )
        elif isinstance(event, Credit):
            note = invoice_credit_note_create(invoice=documents[event.of])
            documents[event.ref] = invoice_issue(
                invoice=note, by=owner, issue_date=event.issue_date
            )
        elif isinstance(event, Void):
            # invoice_void dates the cancellation "today": the plan's day of the void.
            with mock.patch(
                "invoices.services.credit_notes.company_today", return_value=event.date
            ):
                invoice_void(invoice=documents[event.of], by=owner, reason=event.reason)
            documents[event.ref] = Invoice.objects.filter(
                credited_invoice_id=documents[event.of].pk, kind=InvoiceKind.CREDIT_NOTE
            ).latest("id")
        else:
            assert isinstance(event, Close)
    return {ref: invoice.pk for ref, invoice in documents.items()}


def _snapshot(ids: dict[int, int]) -> dict[str, Any]:
    """Everything the two ways wrote, with row ids replaced by the plan's refs."""
    ref_of = {invoice_id: ref for ref, invoice_id in ids.items()}
    assert Invoice.objects.count() == len(ids)
    items: dict[int, list[dict]] = defaultdict(list)
    for item in (
        InvoiceItem.objects.order_by("invoice_id", "position", "id")
        .values("invoice_id", "position", *ITEM_FIELDS, "net_amount")
        .iterator()
    ):
        items[ref_of[item.pop("invoice_id")]].append(item)
    payments: dict[int, list[dict]] = defaultdict(list)
    for payment in Payment.objects.order_by("date", "id").values(
        "invoice_id", "amount", "date", "method", "reference", "recorded_by_id"
    ):
        payments[ref_of[payment.pop("invoice_id")]].append(payment)
    invoices = {}
    for row in Invoice.objects.values().iterator():
        ref = ref_of[row["id"]]
        issued = row["status"] != InvoiceStatus.DRAFT
        assert bool(row["public_token"]) == issued and bool(row["issued_at"]) == issued, ref
        assert bool(row["voided_at"]) == (row["status"] == InvoiceStatus.VOID), ref
        data = {name: value for name, value in row.items() if name not in NOT_COMPARED}
        data["credited_invoice_id"] = ref_of.get(row["credited_invoice_id"])
        data["credit_notes_json"] = [
            {**note, "id": ref_of[note["id"]]} for note in row["credit_notes_json"]
        ]
        data["payments_json"] = [
            {**p, "id": None, "created_at": None, "invoice": ref_of[p["invoice"]]}
            for p in row["payments_json"]
        ]
        data["items"] = items[ref]
        data["payments"] = payments[ref]
        invoices[ref] = data
    return {
        "invoices": invoices,
        "sequences": list(
            NumberSequence.objects.order_by("series", "year").values(
                "series", "year", "last_value", "last_issue_date"
            )
        ),
        "customers": list(Customer.all_objects.order_by("id").values("id", *STATISTICS_FIELDS)),
        # The report rollups: rebuilt after the bulk rows, kept by the services.
        "rollups": sorted(
            tuple(row.values())
            for row in ReportRollup.objects.filter(count__gt=0).values(*ROLLUP_COLUMNS)
        ),
        # The payment rollups (the dashboard's collected money), the same way.
        "payment_rollups": sorted(
            tuple(row.values())
            for row in PaymentRollup.objects.filter(count__gt=0).values(
                "owner_id", "date", "currency", "kind", "count", "amount"
            )
        ),
    }


def _differences(bulk: dict[str, Any], services: dict[str, Any]) -> list[str]:
    found = []
    for ref in sorted(bulk.keys() | services.keys()):
        ours, theirs = bulk.get(ref), services.get(ref)
        if ours is None or theirs is None:
            found.append(f"ref {ref}: only {'services' if ours is None else 'bulk'}")
            continue
        for name in sorted(ours.keys() | theirs.keys()):
            if ours.get(name) != theirs.get(name):
                found.append(f"ref {ref} {name}: bulk {ours.get(name)!r} != {theirs.get(name)!r}")
    return found


@pytest.mark.django_db
def test_the_bulk_seed_writes_what_the_invoice_services_write(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    setup_company()
    owner = bench_user()
    customers = ensure_customers(owner, CUSTOMERS, random.Random(5))
    events = _plan(customers)

    with transaction.atomic():
        bulk_ids = _play_bulk(events, owner)
        bulk = _snapshot(bulk_ids)
        transaction.set_rollback(True)
    assert not Invoice.objects.exists() and not NumberSequence.objects.exists()
    services = _snapshot(_play_services(events, owner))

    # The plan tells every story the benchmark's data set tells.
    rows = services["invoices"].values()
    kinds = Counter((row["kind"], row["status"]) for row in rows)
    for kind, status in [
        ("invoice", "draft"),
        ("invoice", "issued"),
        ("invoice", "partially_paid"),
        ("invoice", "paid"),
        ("invoice", "credited"),
        ("invoice", "void"),
        ("credit_note", "issued"),  # a refund still due
        ("credit_note", "paid"),  # refunded, or a cancellation
    ]:
        assert kinds[(kind, status)] > 0, (kind, status, kinds)
    assert any(row["refund_due"] > 0 for row in rows)
    assert any(row["credited_total"] > 0 and row["paid_total"] > 0 for row in rows)
    assert {(s["series"], s["year"]) for s in services["sequences"]} >= {
        ("INV", company_today().year),
        ("CN", company_today().year - 1),
    }

    assert _differences(bulk["invoices"], services["invoices"]) == []
    assert bulk["sequences"] == services["sequences"]
    assert bulk["customers"] == services["customers"]
    assert bulk["rollups"] == services["rollups"] and bulk["rollups"]
    assert bulk["payment_rollups"] == services["payment_rollups"] and bulk["payment_rollups"]
    assert any(c["balance_due"] != 0 for c in services["customers"])
