"""The `.values()` floor reads what the list page reads; a reset restores the seeded state.

The floor's columns come from `invoices.representation` (INVOICE_ROW_FIELDS,
ITEM_ROW_FIELDS): it answers the list page's invoices with every money field
(MONEY_FIELDS) and every line field (invoices.models.ITEM_FIELDS), the same figures.
Between benchmark runs `bench.seed.runs.reset` deletes what a run added and puts every
number counter back, its latest issue date included (the issue scenario moves both).
"""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from bench import floor
from bench.seed.bulk import BulkWriter
from bench.seed.data import CURRENCY, bench_user, ensure_customers, make_patterns, setup_company
from bench.seed.plan import plan_invoices
from bench.seed.runs import reset
from customers.models import Customer
from customers.services import STATISTICS_FIELDS
from invoices.models import ITEM_FIELDS, Invoice, NumberSequence
from invoices.representation import INVOICE_ROW_FIELDS, ITEM_ROW_FIELDS, MONEY_FIELDS
from invoices.services import invoice_create_draft, invoice_issue
from settings_app.calendar import company_today


def _seed(invoices: int = 120) -> BulkWriter:
    company = setup_company()
    owner = bench_user()
    rng = random.Random(9)
    customers = ensure_customers(owner, 8, rng)
    writer = BulkWriter(owner=owner, company=company, batch=50)
    for event in plan_invoices(
        customers=customers,
        patterns=make_patterns(rng),
        count=invoices,
        today=company_today(company),
        rng=rng,
        currency=CURRENCY,
    ):
        writer.play(event)
    writer.finish()
    call_command("recompute_customer_statistics", verbosity=0, stdout=StringIO())
    return writer


@pytest.mark.django_db
def test_the_floor_reads_the_list_pages_invoices_and_figures(monkeypatch) -> None:
    _seed()
    owner = bench_user()
    monkeypatch.setattr(floor, "_owner_id", None)  # kept per process: this test's user
    page = json.loads(floor.values_body())["results"]

    client = APIClient()
    client.force_authenticate(owner)
    answer = client.get(f"/api/invoices/?page_size={floor.PAGE_SIZE}")
    assert answer.status_code == 200
    listed = answer.json()["results"]

    assert [row["id"] for row in page] == [row["id"] for row in listed]
    assert len(page) == floor.PAGE_SIZE
    assert set(MONEY_FIELDS) <= set(INVOICE_ROW_FIELDS)
    assert set(ITEM_FIELDS) <= set(ITEM_ROW_FIELDS)
    for ours, api in zip(page, listed, strict=True):
        assert set(ours) == {*INVOICE_ROW_FIELDS, "items"}
        for name in MONEY_FIELDS:
            assert Decimal(ours[name]) == Decimal(api[name]), (ours["id"], name)
        assert [item["id"] for item in ours["items"]] == [item["id"] for item in api["items"]]
        for item, api_item in zip(ours["items"], api["items"], strict=True):
            assert set(item) == set(ITEM_ROW_FIELDS)
            for name in ITEM_FIELDS:
                assert str(item[name]) == str(api_item[name]) or Decimal(item[name]) == Decimal(
                    api_item[name]
                ), (item["id"], name)


def _state() -> dict:
    return {
        "invoices": sorted(Invoice.objects.values_list("id", "status", "amount_due")),
        "sequences": list(
            NumberSequence.objects.order_by("series", "year").values_list(
                "series", "year", "last_value", "last_issue_date"
            )
        ),
        "customers": list(Customer.all_objects.order_by("id").values_list(*STATISTICS_FIELDS)),
    }


@pytest.mark.django_db(transaction=True)  # reset vacuums on PostgreSQL: no transaction
def test_reset_puts_the_seeded_state_back_counters_and_their_dates_included() -> None:
    writer = _seed(60)
    marker = {
        "max_invoice_id": writer.next_invoice - 1,
        "max_item_id": writer.next_item - 1,
        "max_payment_id": writer.next_payment - 1,
        "sequences": writer.sequence_rows(),
    }
    seeded = _state()
    today = company_today()

    # What a run does: issue today as the writer would (the counter and its date move).
    owner = bench_user()
    customer = Customer.all_objects.filter(owner=owner).first()
    draft = invoice_create_draft(
        owner=owner,
        customer=customer,
        items=[{"description": "Run", "quantity": "1", "unit_price": "10", "tax_rate": "19"}],
    )
    invoice_issue(invoice=draft, by=owner, issue_date=today)
    assert _state() != seeded
    # A run on a new year's first day draws a counter the seed never had: dropped too.
    NumberSequence.objects.create(series="INV", year=2099, last_value=1, last_issue_date=None)

    reset(marker)
    assert _state()["sequences"] == seeded["sequences"]
    assert _state() == seeded
    assert {s.last_issue_date for s in NumberSequence.objects.all()} <= {
        dt.date.fromisoformat(s["last_issue_date"]) for s in marker["sequences"]
    }
