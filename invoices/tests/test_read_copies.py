"""The invoice's read copies of its allowances/charges and payments agree with the rows,
whatever path wrote them (API, admin, shell)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from invoices import services
from invoices.models import Invoice
from invoices.representation import allowance_charge_dict, payment_dict
from invoices.tests.factories import allowance, make_draft, make_issued

pytestmark = pytest.mark.django_db


def _assert_in_step(invoice_id: int) -> None:
    invoice = Invoice.objects.get(pk=invoice_id)
    assert invoice.allowances_charges_json == [
        allowance_charge_dict(row, invoice.currency)
        for row in invoice.allowances_charges.order_by("position", "id")
    ]
    assert invoice.payments_json == [
        payment_dict(row, invoice.currency) for row in invoice.payments.order_by("date", "id")
    ]


def test_api_writes_keep_allowances_in_step(staff_client, company, staff_user):
    draft = make_draft(owner=staff_user, allowances_charges=[allowance("5.00")])
    _assert_in_step(draft.id)
    assert Invoice.objects.get(pk=draft.id).allowances_charges_json[0]["amount"] == "5.00"

    staff_client.patch(
        f"/api/invoices/{draft.id}/",
        {"allowances_charges": [{"amount": "7", "is_charge": True, "tax_rate": "19"}]},
        format="json",
    )
    _assert_in_step(draft.id)
    staff_client.patch(f"/api/invoices/{draft.id}/", {"currency": "JPY"}, format="json")
    _assert_in_step(draft.id)
    assert Invoice.objects.get(pk=draft.id).allowances_charges_json[0]["amount"] == "7"
    staff_client.patch(f"/api/invoices/{draft.id}/", {"allowances_charges": []}, format="json")
    assert Invoice.objects.get(pk=draft.id).allowances_charges_json == []


def test_service_writes_keep_both_in_step(company, staff_user):
    draft = make_draft(owner=staff_user)
    services.invoice_update_draft(
        invoice=draft, allowances_charges=[{"amount": Decimal("3.00"), "tax_rate": 19}]
    )
    _assert_in_step(draft.id)

    invoice = services.invoice_issue(invoice=draft)
    payment = services.payment_record(invoice=invoice, amount=Decimal("10.00"))
    _assert_in_step(invoice.id)
    assert Invoice.objects.get(pk=invoice.id).status == "partially_paid"
    services.payment_delete(payment=payment)
    _assert_in_step(invoice.id)
    assert Invoice.objects.get(pk=invoice.id).status == "issued"


def test_api_payments_keep_payments_in_step(staff_client, admin_client, company, staff_user):
    invoice = make_issued(owner=staff_user)
    created = staff_client.post(
        f"/api/invoices/{invoice.id}/payments/", {"amount": "19.00"}, format="json"
    ).json()

    detail = staff_client.get(f"/api/invoices/{invoice.id}/").json()
    listed = staff_client.get("/api/invoices/").json()["results"][0]
    assert detail["payments"] == listed["payments"] == [created]
    assert staff_client.get(f"/api/invoices/{invoice.id}/payments/").json() == [created]
    _assert_in_step(invoice.id)

    admin_client.delete(f"/api/invoices/{invoice.id}/payments/{created['id']}/")
    _assert_in_step(invoice.id)
