"""Invariant 3 whatever the path: ORM/shell, service, admin form."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from invoices import errors, services
from invoices.models import Invoice, InvoiceAllowanceCharge, InvoiceItem
from invoices.tests.factories import line, make_draft, make_issued

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(company, staff_user) -> Invoice:
    return make_issued(owner=staff_user)


def test_orm_save_of_changed_issued_invoice_is_refused(issued):
    invoice = Invoice.objects.get(pk=issued.pk)
    invoice.notes = "rewritten history"
    invoice.gross_total = Decimal("1.00")

    with pytest.raises(errors.InvoiceNotEditable) as refused:
        invoice.save()

    assert refused.value.details == {"fields": ["gross_total", "notes"]}
    assert Invoice.objects.get(pk=issued.pk).gross_total == Decimal("119.00")


def test_orm_item_changes_on_issued_invoice_are_refused(issued):
    item = issued.items.get()
    item.unit_price = Decimal("1.00")
    with pytest.raises(errors.InvoiceNotEditable):
        item.save()
    with pytest.raises(errors.InvoiceNotEditable):
        item.delete()
    with pytest.raises(errors.InvoiceNotEditable):
        InvoiceItem(invoice=issued, description="x", quantity=1, unit_price=1).save()
    with pytest.raises(errors.InvoiceNotEditable):
        InvoiceAllowanceCharge(invoice=issued, amount=1).save()
    assert issued.items.get().unit_price == Decimal("100.0000")


def test_orm_delete_of_issued_invoice_is_refused(issued):
    with pytest.raises(errors.InvoiceNotEditable):
        Invoice.objects.get(pk=issued.pk).delete()
    assert Invoice.objects.filter(pk=issued.pk).exists()


def test_service_update_of_issued_invoice_is_refused(issued):
    with pytest.raises(errors.InvoiceNotEditable):
        services.invoice_update_draft(invoice=issued, notes="x")
    with pytest.raises(errors.InvoiceNotEditable):
        services.invoice_delete_draft(invoice=issued)


def test_payment_state_may_still_move(issued):
    services.payment_record(invoice=issued, amount=Decimal("100.00"))
    assert Invoice.objects.get(pk=issued.pk).status == "partially_paid"


def _admin_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_admin_form_of_issued_invoice_is_read_only(issued, admin_user):
    client = _admin_client(admin_user)
    url = f"/admin/invoices/invoice/{issued.pk}/change/"

    page = client.get(url)
    assert page.status_code == 200
    assert b'name="notes"' not in page.content  # rendered read-only
    assert b"INV-" in page.content

    client.post(url, {"notes": "changed", "customer": issued.customer_id, "series": "X"})
    issued.refresh_from_db()
    assert issued.notes == ""
    assert issued.series == "INV"


def test_admin_inline_edit_of_draft_recalculates_once(company, staff_user, admin_user):
    draft = make_draft(owner=staff_user)
    item = draft.items.get()
    client = _admin_client(admin_user)
    url = f"/admin/invoices/invoice/{draft.pk}/change/"
    form = {
        "owner": staff_user.pk,
        "customer": draft.customer_id,
        "kind": "invoice",
        "series": "INV",
        "currency": "EUR",
        "items-TOTAL_FORMS": "2",
        "items-INITIAL_FORMS": "1",
        "items-0-id": item.pk,
        "items-0-invoice": draft.pk,
        "items-0-description": "Work",
        "items-0-quantity": "2",
        "items-0-unit_code": "C62",
        "items-0-unit_price": "100.00",
        "items-0-price_base_quantity": "1",
        "items-0-discount_amount": "0",
        "items-0-charge_amount": "0",
        "items-0-tax_category": "S",
        "items-0-tax_rate": "19",
        "items-1-invoice": draft.pk,
        "items-1-description": "Books",
        "items-1-quantity": "1",
        "items-1-unit_code": "C62",
        "items-1-unit_price": "10.00",
        "items-1-price_base_quantity": "1",
        "items-1-discount_amount": "0",
        "items-1-charge_amount": "0",
        "items-1-tax_category": "S",
        "items-1-tax_rate": "7",
        "allowances_charges-TOTAL_FORMS": "0",
        "allowances_charges-INITIAL_FORMS": "0",
        "payments-TOTAL_FORMS": "0",
        "payments-INITIAL_FORMS": "0",
    }

    response = client.post(url, form)

    assert response.status_code == 302, response.content[:2000]
    draft.refresh_from_db()
    assert draft.net_total == Decimal("210.00")
    assert draft.tax_total == Decimal("38.70")  # 38.00 + 0.70
    assert draft.gross_total == Decimal("248.70")
    assert sorted(draft.items.values_list("net_amount", flat=True)) == [
        Decimal("10.0000"),
        Decimal("200.0000"),
    ]


def test_shell_item_edit_through_the_service_recalculates(company, staff_user):
    draft = make_draft(owner=staff_user)

    services.invoice_update_draft(invoice=draft, items=[line(quantity="3")])

    draft.refresh_from_db()
    assert draft.gross_total == Decimal("357.00")
    assert draft.items.get().net_amount == Decimal("300.0000")


def test_admin_actions_issue_and_void(company, staff_user, admin_user):
    draft = make_draft(owner=staff_user)
    client = _admin_client(admin_user)

    client.post(
        "/admin/invoices/invoice/",
        {"action": "issue_selected", "_selected_action": [draft.pk]},
    )
    draft.refresh_from_db()
    assert draft.status == "issued"
    assert draft.number.startswith("INV-")

    # A void needs a reason a person gives: the invoice's own page asks for it.
    client.post(f"/admin/invoices/invoice/{draft.pk}/void/", {"reason": "Wrong customer"})
    draft.refresh_from_db()
    assert draft.status == "void"
    assert draft.void_reason == "Wrong customer"


def test_staff_admin_sees_only_own_invoices(company, staff_user, other_staff):
    mine = make_draft(owner=staff_user)
    theirs = make_draft(owner=other_staff)
    client = _admin_client(staff_user)

    page = client.get("/admin/invoices/invoice/")

    assert page.status_code == 200
    assert f"/admin/invoices/invoice/{mine.pk}/change/".encode() in page.content
    assert f"/admin/invoices/invoice/{theirs.pk}/change/".encode() not in page.content
    assert client.get(f"/admin/invoices/invoice/{theirs.pk}/change/").status_code == 302


def test_deferred_fields_of_issued_invoice_are_checked_against_the_database(issued):
    """The saved state keeps only what was read: a field deferred and then assigned is
    compared with the row, a field read later counts as read."""
    invoice = Invoice.objects.only("id", "status").get(pk=issued.pk)
    invoice.notes = "rewritten history"
    with pytest.raises(errors.InvoiceNotEditable) as refused:
        invoice.save()
    assert refused.value.details == {"fields": ["notes"]}

    unchanged = Invoice.objects.only("id", "status").get(pk=issued.pk)
    assert unchanged.gross_total == Decimal("119.00")  # loaded on access
    unchanged.reminders_paused = True  # state, not content
    unchanged.save(update_fields=["reminders_paused"])
    assert Invoice.objects.get(pk=issued.pk).reminders_paused is True


def test_in_place_change_of_a_frozen_json_value_is_refused(issued):
    invoice = Invoice.objects.get(pk=issued.pk)
    invoice.buyer["name"] = "Someone else"
    with pytest.raises(errors.InvoiceNotEditable) as refused:
        invoice.save()
    assert refused.value.details == {"fields": ["buyer"]}
