"""Invoices rendered once per version: a list page re-reads no item of an unchanged invoice,
and any change shows at once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from invoices import representation, services
from invoices.tests.factories import line, make_issued

pytestmark = pytest.mark.django_db
URL = "/api/invoices/"


def _page(client):
    response = client.get(f"{URL}?page_size=50")
    assert response.status_code == 200
    return response.json()


def test_an_unchanged_page_costs_no_item_query(
    staff_client, staff_user, company, django_assert_max_num_queries
):
    for _ in range(3):
        make_issued(owner=staff_user, items=[line(), line()])
    first = _page(staff_client)

    with django_assert_max_num_queries(3):  # user, count, invoices: no items
        again = _page(staff_client)

    assert again == first


def test_a_payment_shows_at_once(staff_client, staff_user, company):
    invoice = make_issued(owner=staff_user)  # 119.00
    assert _page(staff_client)["results"][0]["amount_due"] == "119.00"

    services.payment_record(invoice=invoice, amount=Decimal("19.00"))

    row = _page(staff_client)["results"][0]
    assert (row["status"], row["paid_total"], row["amount_due"]) == (
        "partially_paid",
        "19.00",
        "100.00",
    )
    assert row["payments"][0]["amount"] == "19.00"
    assert staff_client.get(f"{URL}{invoice.pk}/").json() == row


def test_overdue_follows_the_day_and_links_follow_the_setting(
    staff_client, staff_user, company, monkeypatch, settings
):
    invoice = make_issued(owner=staff_user)
    due = dt.date.fromisoformat(_page(staff_client)["results"][0]["due_date"])
    assert _page(staff_client)["results"][0]["is_overdue"] is False

    monkeypatch.setattr(representation, "company_today", lambda: due + dt.timedelta(1))
    assert _page(staff_client)["results"][0]["is_overdue"] is True

    settings.PUBLIC_BASE_URL = "https://billing.example.org"
    url = _page(staff_client)["results"][0]["public_url"]
    assert url == f"https://billing.example.org/i/{invoice.public_token}/"


def test_the_cache_stays_bounded(staff_client, staff_user, company, monkeypatch):
    monkeypatch.setattr(representation, "RENDERED_MAX", 2)
    monkeypatch.setattr(representation, "_RENDERED", {})
    for _ in range(3):
        make_issued(owner=staff_user)

    assert len(_page(staff_client)["results"]) == 3
    assert len(representation._RENDERED) == 2


def _shown(client, invoice_id: int) -> dict:
    [row] = [r for r in _page(client)["results"] if r["id"] == invoice_id]
    return row


def test_every_service_and_the_admin_move_the_version_and_the_page_follows(
    staff_client, admin_client, staff_user, admin_user, company
):
    from django.test import Client

    from invoices.models import Invoice

    draft = services.invoice_create_draft(
        owner=staff_user,
        customer=make_issued(owner=staff_user).customer,
        items=[line(unit_price="10.00")],
    )
    seen = [_shown(staff_client, draft.id)]
    admin = Client()
    admin.force_login(admin_user)

    def changed_by(write) -> dict:
        before = Invoice.objects.get(pk=draft.id).version
        write()
        assert Invoice.objects.get(pk=draft.id).version > before
        shown = _shown(staff_client, draft.id)
        assert shown != seen[-1]
        assert shown == staff_client.get(f"{URL}{draft.id}/").json()  # no stale copy
        seen.append(shown)
        return shown

    assert (
        changed_by(
            lambda: services.invoice_update_draft(invoice=draft, items=[line(unit_price="20.00")])
        )["gross_total"]
        == "23.80"
    )
    assert (
        changed_by(lambda: services.invoice_update_draft(invoice=draft, notes="Thanks"))["notes"]
        == "Thanks"
    )
    assert changed_by(lambda: services.invoice_issue(invoice=draft))["status"] == "issued"
    payment = None

    def pay():
        nonlocal payment
        payment = services.payment_record(invoice=draft, amount=Decimal("3.80"))

    assert changed_by(pay)["amount_due"] == "20.00"
    assert changed_by(lambda: services.payment_delete(payment=payment))["amount_due"] == "23.80"

    def credit():
        note = services.invoice_credit_note_create(invoice=draft)
        services.invoice_update_draft(invoice=note, items=[line(unit_price="5.00")])
        services.invoice_issue(invoice=note)

    assert changed_by(credit)["credited_total"] == "5.95"
    assert (
        changed_by(lambda: services.invoice_public_token_revoke(invoice=draft))["public_url"]
        != seen[-2]["public_url"]
    )
    assert (
        changed_by(
            lambda: admin.post(f"/admin/invoices/invoice/{draft.id}/void/", {"reason": "Admin"})
        )["status"]
        == "void"
    )
    assert (
        changed_by(
            lambda: (
                admin.post(
                    f"/admin/invoices/invoice/{draft.id}/record-payment/", {"amount": "1.00"}
                )
                and Invoice.objects.filter(pk=draft.id).update(notes="By a queryset")
            )
        )["notes"]
        == "By a queryset"
    )


def test_an_update_that_keeps_the_version_would_serve_a_stale_copy(
    staff_client, staff_user, company
):
    """The mechanism is what keeps the cache right: pinning the version breaks it."""
    from django.db.models import F

    from invoices.models import Invoice

    invoice = make_issued(owner=staff_user)
    assert _shown(staff_client, invoice.id)["notes"] == ""
    updated_at = Invoice.objects.get(pk=invoice.id).updated_at

    Invoice.objects.filter(pk=invoice.id).update(
        notes="changed behind the cache", version=F("version"), updated_at=updated_at
    )

    assert _shown(staff_client, invoice.id)["notes"] == ""  # stale: the key did not move
    Invoice.objects.filter(pk=invoice.id).update(notes="changed properly")
    assert _shown(staff_client, invoice.id)["notes"] == "changed properly"
