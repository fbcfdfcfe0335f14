"""The customer serializer's read path answers exactly what DRF's generic one does."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework import serializers

from customers.models import Customer
from customers.serializers import CustomerSerializer

pytestmark = pytest.mark.django_db


def _drf(customer: Customer) -> dict:
    return serializers.ModelSerializer.to_representation(CustomerSerializer(), customer)


def _customers(staff_user) -> list[Customer]:
    plain = Customer.objects.create(
        owner=staff_user, name="Plain GmbH", currency="EUR", payment_terms_days=30
    )
    full = Customer.objects.create(
        owner=staff_user,
        name="Full SARL",
        email="billing@full.example",
        tax_id="FR40303265045",
        country="FR",
        currency="JPY",
        payment_terms_days=14,
        preferred_language="fr",
        is_consumer=True,
        reminders_enabled=False,
    )
    Customer.all_objects.filter(pk=full.pk).update(
        invoice_count=3,
        total_invoiced=Decimal("1250.000"),
        total_paid=Decimal("250.500"),
        balance_due=Decimal("999.500"),
        last_invoice_date=dt.date(2026, 11, 30),
    )
    full.refresh_from_db()
    full.delete()  # soft: deleted_at set, is_deleted true
    return [plain, Customer.all_objects.get(pk=full.pk)]


def test_each_customer_reads_as_drf_reads_it(staff_user):
    for customer in _customers(staff_user):
        fast = CustomerSerializer(customer).data
        assert dict(fast) == _drf(customer)
        assert list(fast) == list(_drf(customer))  # the same keys in the same order


def test_a_page_reads_as_drf_reads_each_row(staff_user):
    rows = _customers(staff_user)
    page = CustomerSerializer(rows, many=True).data
    assert [dict(row) for row in page] == [_drf(row) for row in rows]
    full = page[1]
    # What a client sees, to the cent (JPY has no minor unit) and as null, not "None".
    assert (full["total_invoiced"], full["total_paid"], full["balance_due"]) == (
        "1250",
        "251",
        "1000",
    )
    assert page[0]["last_invoice_date"] is None and full["last_invoice_date"] == "2026-11-30"
    assert full["owner"] == staff_user.id and full["is_deleted"] is True


def test_the_comparison_sees_a_difference(staff_user):
    # The check above must be able to fail: a changed value is not DRF's answer.
    customer = _customers(staff_user)[0]
    fast = dict(CustomerSerializer(customer).data)
    fast["invoice_count"] = 1
    assert fast != _drf(customer)
