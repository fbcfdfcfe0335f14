"""Issuing: validation, snapshots, totals and legal gap-free numbering."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from hypothesis import given
from hypothesis import strategies as st

from common.tests.factories import CustomerFactory
from common.tests.properties import database_examples
from invoices import errors, services
from invoices.models import Invoice, InvoiceKind, InvoiceStatus, NumberSequence
from invoices.tests.factories import line, make_draft, make_issued

pytestmark = pytest.mark.django_db


def test_issue_assigns_first_number_of_series_and_year(company, staff_user):
    invoice = make_issued(owner=staff_user, issue_date=dt.date(2026, 3, 1))

    assert invoice.number == "INV-2026-00001"
    assert invoice.status == InvoiceStatus.ISSUED
    assert invoice.issue_date == dt.date(2026, 3, 1)
    assert invoice.due_date == dt.date(2026, 3, 31)  # customer's 30 days
    assert invoice.public_token


def test_numbers_follow_each_other_and_restart_each_year(company, staff_user):
    numbers = [
        make_issued(owner=staff_user, issue_date=dt.date(2025, 12, 30)).number,
        make_issued(owner=staff_user, issue_date=dt.date(2025, 12, 31)).number,
        make_issued(owner=staff_user, issue_date=dt.date(2026, 1, 1)).number,
        make_issued(owner=staff_user, issue_date=dt.date(2026, 1, 2)).number,
    ]

    assert numbers == ["INV-2025-00001", "INV-2025-00002", "INV-2026-00001", "INV-2026-00002"]


def test_number_format_and_series_come_from_settings(company, staff_user):
    company.invoice_number_format = "{year}/{series}/{seq:04d}"
    company.invoice_series = "RE"
    company.save()

    invoice = make_issued(owner=staff_user, issue_date=dt.date(2026, 5, 5))

    assert invoice.number == "2026/RE/0001"


def test_issue_date_defaults_to_today(company, staff_user, settings):
    invoice = make_issued(owner=staff_user)

    from django.utils import timezone

    assert invoice.issue_date == timezone.localdate()


def test_issue_stores_totals_and_breakdown(company, staff_user):
    invoice = make_issued(
        owner=staff_user,
        items=[
            line(quantity="3", unit_price="10.00", tax_rate="19"),
            line(quantity="2", unit_price="5.50", tax_rate="7"),
        ],
    )

    assert invoice.net_total == Decimal("41.00")
    assert invoice.tax_total == Decimal("6.47")  # 5.70 + 0.77
    assert invoice.gross_total == Decimal("47.47")
    assert invoice.amount_due == Decimal("47.47")
    assert invoice.tax_breakdown == [
        {"tax_category": "S", "tax_rate": "19.00", "taxable_amount": "30.00", "tax_amount": "5.70"},
        {"tax_category": "S", "tax_rate": "7.00", "taxable_amount": "11.00", "tax_amount": "0.77"},
    ]


@pytest.mark.parametrize(
    ("customer_fields", "items", "detail_key"),
    [
        ({"street": ""}, [line()], "customer"),
        ({"name": "", "city": ""}, [line()], "customer"),
        ({}, [], "items"),
    ],
)
def test_refused_issue_consumes_no_number(company, staff_user, customer_fields, items, detail_key):
    customer = CustomerFactory(owner=staff_user, **customer_fields)
    draft = make_draft(owner=staff_user, customer=customer, items=items)

    with pytest.raises(errors.InvoiceNotIssuable) as refused:
        services.invoice_issue(invoice=draft)

    assert refused.value.code == "invoice_not_issuable"
    assert detail_key in refused.value.details
    assert Invoice.objects.filter(number__isnull=False).count() == 0
    assert NumberSequence.objects.filter(last_value__gt=0).count() == 0
    assert make_issued(owner=staff_user).number.endswith("-00001")


def test_due_date_before_issue_date_is_refused(company, staff_user):
    draft = make_draft(owner=staff_user, due_date=dt.date(2026, 1, 1))

    with pytest.raises(errors.InvoiceNotIssuable) as refused:
        services.invoice_issue(invoice=draft, issue_date=dt.date(2026, 2, 1))

    assert "due_date" in refused.value.details


def test_issuing_twice_is_refused(company, staff_user):
    invoice = make_issued(owner=staff_user)

    with pytest.raises(errors.InvoiceNotIssuable):
        services.invoice_issue(invoice=invoice)
    assert NumberSequence.objects.get().last_value == 1


def test_failure_after_number_drawn_leaves_no_gap(company, staff_user, monkeypatch):
    # given: a failure injected after the number is drawn, inside the issuing transaction
    first = make_draft(owner=staff_user)
    original_save = Invoice.save

    def failing_save(self, *args, **kwargs):
        if self.status == InvoiceStatus.ISSUED:
            raise RuntimeError("disk full")
        return original_save(self, *args, **kwargs)

    monkeypatch.setattr(Invoice, "save", failing_save)

    # when
    with pytest.raises(RuntimeError):
        services.invoice_issue(invoice=first, issue_date=dt.date(2026, 6, 1))
    monkeypatch.setattr(Invoice, "save", original_save)

    # then: nothing was written, and the next issue takes the same number
    first.refresh_from_db()
    assert first.status == InvoiceStatus.DRAFT
    assert first.number is None
    assert NumberSequence.objects.filter(last_value__gt=0).count() == 0
    reissued = services.invoice_issue(invoice=first, issue_date=dt.date(2026, 6, 1))
    assert reissued.number == "INV-2026-00001"


def test_snapshots_do_not_change_when_customer_and_settings_change(company, staff_user):
    customer = CustomerFactory(owner=staff_user, name="Old Name SARL", street="1 Old Street")
    invoice = make_issued(owner=staff_user, customer=customer)

    customer.name = "New Name SARL"
    customer.street = "99 New Street"
    customer.save()
    company.legal_name = "Renamed Seller AG"
    company.iban = ""
    company.save()

    invoice.refresh_from_db()
    assert invoice.buyer["name"] == "Old Name SARL"
    assert invoice.buyer["street"] == "1 Old Street"
    assert invoice.seller["name"] == "Seller GmbH"
    assert invoice.seller["iban"] == "DE89370400440532013000"
    assert invoice.seller["tax_id"] == "DE123456789"


def test_duplicate_sequence_is_refused_by_the_database(company, staff_user):
    invoice = make_issued(owner=staff_user, issue_date=dt.date(2026, 1, 5))
    other = make_draft(owner=staff_user)

    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=other.pk).update(
            status=InvoiceStatus.ISSUED,
            series=invoice.series,
            number_year=2026,
            sequence=invoice.sequence,
            number="OTHER-1",
        )


def test_issued_invoice_without_number_is_refused_by_the_database(company, staff_user):
    draft = make_draft(owner=staff_user)

    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=draft.pk).update(status=InvoiceStatus.ISSUED)


def test_credit_note_uses_credit_note_series(company, staff_user):
    invoice = make_issued(owner=staff_user, issue_date=dt.date(2026, 4, 1))
    credit_note = services.invoice_credit_note_create(invoice=invoice)

    issued = services.invoice_issue(invoice=credit_note, issue_date=dt.date(2026, 4, 2))

    assert issued.kind == InvoiceKind.CREDIT_NOTE
    assert issued.number == "CN-2026-00001"
    assert issued.credited_invoice_id == invoice.id
    assert issued.gross_total == invoice.gross_total


@database_examples(15)
@given(
    plan=st.lists(st.tuples(st.sampled_from([2025, 2026]), st.booleans()), min_size=1, max_size=12)
)
def test_numbering_property_gap_free_per_year(company, staff_user, plan):
    """Whatever mix of successful and refused issues, each year's numbers are 1..n."""
    Invoice.objects.all().delete()
    NumberSequence.objects.all().delete()
    good = CustomerFactory(owner=staff_user)
    bad = CustomerFactory(owner=staff_user, street="")
    expected: dict[int, int] = {2025: 0, 2026: 0}
    for year, succeeds in plan:
        draft = make_draft(owner=staff_user, customer=good if succeeds else bad)
        try:
            services.invoice_issue(invoice=draft, issue_date=dt.date(year, 6, 1))
        except errors.InvoiceNotIssuable:
            assert not succeeds
            continue
        expected[year] += 1

    for year, count in expected.items():
        sequences = sorted(
            Invoice.objects.filter(number_year=year).values_list("sequence", flat=True)
        )
        assert sequences == list(range(1, count + 1))
