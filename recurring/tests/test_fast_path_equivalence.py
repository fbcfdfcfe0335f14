"""The runner's fast path writes what the ordinary services write (SQLite and PostgreSQL).

A period billed by the runner in `issue` mode (`invoice_create_issued`: checked and
totalled in memory, one statement on PostgreSQL) is compared with the same invoice built
by `invoice_create_draft` + `invoice_issue`: every column of the invoice, its lines and
allowances/charges, the customer's figures, the report and payment rollups, the
snapshots and the API's answer. Left out, each for a reason:

- `id`, `invoice_id` (the rows' own keys), `number` and `sequence`: drawn from the
  series' counter, the next one for the second invoice (`number_year` is compared);
- `created_at`, `updated_at`, `issued_at`: the clock;
- `public_token` and the API's `public_url` built from it: random per invoice (their
  presence is compared);
- `recurring_invoice`: set only on the runner's invoice, which is the point of it;
- `version`: counts the writes of the row (the draft path writes it three times, the
  fast path once or twice); it keys rendered copies, it is no content.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from django.db import models

from common.tests.factories import CustomerFactory
from customers.models import Customer
from invoices import services as invoice_services
from invoices.models import (
    Invoice,
    InvoiceAllowanceCharge,
    InvoiceItem,
    PaymentRollup,
    ReportRollup,
)
from invoices.tests.factories import allowance, line
from recurring import services
from recurring.tests.factories import make_schedule

pytestmark = pytest.mark.django_db
D = dt.date

INVOICE_EXCLUDED = frozenset(
    {
        "id",
        "number",
        "sequence",
        "created_at",
        "updated_at",
        "issued_at",
        "public_token",
        "recurring_invoice_id",
        "version",
    }
)
CHILD_EXCLUDED = frozenset({"id", "invoice_id"})
REPORT_SUMS = (
    "count",
    "gross_total",
    "net_total",
    "tax_total",
    "paid_total",
    "amount_due",
    "refund_due",
)
API_EXCLUDED = frozenset({"number", "created_at", "updated_at", "issued_at", "recurring_invoice"})

# Three VAT rates, a line allowance and charge, a base quantity, a unit code, and one
# document allowance and one charge, at two of the rates.
ITEMS = [
    line("Hosting {month} {year}", quantity="3", unit_price="33.33", unit_code="MON"),
    line(
        "Support ({period_start} - {period_end})",
        quantity="2.5",
        unit_price="19.99",
        tax_rate="7.00",
        price_base_quantity="2",
        discount_amount="1.25",
        charge_amount="0.40",
    ),
    line("Export freight", unit_price="12.00", tax_category="Z", tax_rate="0"),
]
ALLOWANCES = [allowance("5.00"), allowance("2.50", "7.00", charge=True)]
FILLED = [
    "Hosting January 2026",
    "Support (January 1, 2026 - January 31, 2026)",
    "Export freight",
]


def _columns(row: models.Model, excluded: frozenset[str]) -> dict[str, Any]:
    return {
        field.attname: getattr(row, field.attname)
        for field in type(row)._meta.concrete_fields
        if field.attname not in excluded
    }


def _without_ids(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_ids(item) for key, item in value.items() if key != "id"}
    if isinstance(value, list):
        return [_without_ids(item) for item in value]
    return value


def _stored(invoice_id: int) -> dict[str, Any]:
    """The invoice's rows as the database holds them, ids and clocks left out."""
    invoice = Invoice.objects.get(pk=invoice_id)
    items = InvoiceItem.objects.filter(invoice_id=invoice_id).order_by("position", "id")
    rows = InvoiceAllowanceCharge.objects.filter(invoice_id=invoice_id).order_by("position", "id")
    columns = _columns(invoice, INVOICE_EXCLUDED)
    columns["allowances_charges_json"] = _without_ids(columns["allowances_charges_json"])
    return {
        "invoice": columns,
        "has_public_token": bool(invoice.public_token),
        "items": [_columns(item, CHILD_EXCLUDED) for item in items],
        "allowances_charges": [_columns(row, CHILD_EXCLUDED) for row in rows],
    }


def _figures(customer: Customer) -> dict[str, Any]:
    return _columns(Customer.all_objects.get(pk=customer.pk), frozenset({"id"}))


def _rollups() -> dict[str, Counter]:
    reports: Counter = Counter()
    for row in ReportRollup.objects.all():
        key = (row.owner_id, row.issue_date, row.due_date, row.currency, row.kind, row.status)
        for name in REPORT_SUMS:
            reports[(*key, name)] += getattr(row, name)
    payments: Counter = Counter()
    for row in PaymentRollup.objects.all():
        key = (row.owner_id, row.date, row.currency, row.kind)
        payments[(*key, "count")] += row.count
        payments[(*key, "amount")] += row.amount
    return {"reports": reports, "payments": payments}


def _delta(before: dict[str, Counter], after: dict[str, Counter]) -> dict[str, dict]:
    return {
        name: {
            key: after[name][key] - before[name][key]
            for key in after[name].keys() | before[name].keys()
            if after[name][key] != before[name][key]
        }
        for name in after
    }


def _statistics_delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Every column of the customer: numbers as their change, clocks as whether they
    moved, the rest as they are after."""
    delta: dict[str, Any] = {}
    for name, value in after.items():
        if name in ("created_at", "updated_at", "deleted_at"):
            delta[name] = value != before[name]
        elif isinstance(value, int | Decimal) and not isinstance(value, bool):
            delta[name] = value - before[name]
        else:
            delta[name] = value
    return delta


def _api(client, invoice_id: int) -> dict[str, Any]:
    response = client.get(f"/api/invoices/{invoice_id}/")
    assert response.status_code == 200
    body = _without_ids(response.json())
    body["public_url"] = bool(body["public_url"])
    return {key: value for key, value in body.items() if key not in API_EXCLUDED}


def _observed(client, customer: Customer, write) -> tuple[int, dict[str, Any]]:
    """Run `write` (answers the new invoice's id) and everything it changed."""
    figures, rollups = _figures(customer), _rollups()
    invoice_id = write()
    return invoice_id, {
        "stored": _stored(invoice_id),
        "statistics": _statistics_delta(figures, _figures(customer)),
        "rollups": _delta(rollups, _rollups()),
        "api": _api(client, invoice_id),
    }


def _differences(fast: Any, reference: Any, path: str = "") -> dict[str, tuple[Any, Any]]:
    """Where the two differ, by path (invoice.order_reference, items.1.net_amount...)."""
    if isinstance(fast, dict) and isinstance(reference, dict):
        found: dict[str, tuple[Any, Any]] = {}
        for key in fast.keys() | reference.keys():
            found |= _differences(fast.get(key), reference.get(key), f"{path}.{key}")
        return found
    if isinstance(fast, list) and isinstance(reference, list) and len(fast) == len(reference):
        found = {}
        for index, (one, other) in enumerate(zip(fast, reference, strict=True)):
            found |= _differences(one, other, f"{path}.{index}")
        return found
    return {} if fast == reference else {path: (fast, reference)}


TERMS = {
    "currency": "USD",
    "buyer_reference": "LEITWEG-991-33",
    "notes": "Thank you for your business.",
    "order_reference": "PO-2026-17",
}
DAYS_UNTIL_DUE = 21


def _schedule(owner, customer, allowances):
    return make_schedule(
        owner=owner,
        customer=customer,
        start_date=D(2026, 1, 1),
        items=ITEMS,
        allowances_charges=allowances,
        days_until_due=DAYS_UNTIL_DUE,
        **TERMS,
    )


def _by_the_runner(schedule, run_date: dt.date) -> int:
    report = services.recurring_run(run_date=run_date)
    assert report.invoices == 1, report.summary()
    return Invoice.objects.filter(recurring_invoice=schedule).latest("id").pk


def _by_the_services(owner, customer, period, descriptions, allowances) -> int:
    start, end = period
    items = [{**row, "description": text} for row, text in zip(ITEMS, descriptions, strict=True)]
    draft = invoice_services.invoice_create_draft(
        owner=owner,
        customer=customer,
        items=items,
        allowances_charges=allowances,
        issue_date=start,
        due_date=start + dt.timedelta(days=DAYS_UNTIL_DUE),
        period_start=start,
        period_end=end,
        **TERMS,
    )
    return invoice_services.invoice_issue(invoice=draft).pk


@pytest.mark.parametrize(
    ("allowances", "gross"), [(ALLOWANCES, "153.54"), ([], "156.82")], ids=["allowances", "none"]
)
def test_a_billed_period_equals_the_same_invoice_built_by_the_services(
    staff_client, staff_user, company, allowances, gross
):
    customer = CustomerFactory(owner=staff_user, currency="EUR")
    schedule = _schedule(staff_user, customer, allowances)
    january = (D(2026, 1, 1), D(2026, 1, 31))

    fast_id, fast = _observed(staff_client, customer, lambda: _by_the_runner(schedule, january[0]))
    reference_id, reference = _observed(
        staff_client,
        customer,
        lambda: _by_the_services(staff_user, customer, january, FILLED, allowances),
    )

    # what the comparison stands on: an issued invoice with every kind of row and figure
    invoice = fast["stored"]["invoice"]
    assert (invoice["status"], invoice["currency"], invoice["gross_total"]) == (
        "issued",
        "USD",
        Decimal(gross),
    )
    assert (invoice["period_start"], invoice["period_end"], invoice["due_date"]) == (
        *january,
        D(2026, 1, 22),
    )
    assert [row["description"] for row in fast["stored"]["items"]] == FILLED
    assert len(fast["stored"]["allowances_charges"]) == len(allowances)
    assert [group["tax_rate"] for group in invoice["tax_breakdown"]] == ["19.00", "7.00", "0.00"]
    assert invoice["seller"] and invoice["buyer"]
    assert fast["statistics"]["total_invoiced"] == Decimal(gross)
    assert fast["rollups"]["reports"]
    assert Invoice.objects.get(pk=fast_id).recurring_invoice_id == schedule.pk
    assert Invoice.objects.get(pk=reference_id).recurring_invoice_id is None
    # and the comparison itself: a difference names its place
    assert _differences(fast, reference) == {}


def test_a_later_period_equals_its_services_twin(staff_client, staff_user, company):
    customer = CustomerFactory(owner=staff_user)
    schedule = _schedule(staff_user, customer, ALLOWANCES)
    services.recurring_run(run_date=D(2026, 1, 1))
    february = (D(2026, 2, 1), D(2026, 2, 28))
    filled = [
        "Hosting February 2026",
        "Support (February 1, 2026 - February 28, 2026)",
        "Export freight",
    ]

    _, fast = _observed(staff_client, customer, lambda: _by_the_runner(schedule, february[0]))
    _, reference = _observed(
        staff_client,
        customer,
        lambda: _by_the_services(staff_user, customer, february, filled, ALLOWANCES),
    )

    assert [row["description"] for row in fast["stored"]["items"]] == filled
    assert _differences(fast, reference) == {}
