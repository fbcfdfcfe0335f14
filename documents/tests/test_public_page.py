"""The customer's page /i/<token>/: live badge, QR code, friendly 404, rendered once per version."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from unittest import mock

import pytest

from documents import public_page
from documents.tests.test_epc_qr import decode, page_qr
from invoices import services as invoice_services
from invoices.tests.factories import make_issued
from settings_app.calendar import company_today

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_pages():
    public_page.public_pages_clear()
    yield
    public_page.public_pages_clear()


def _page(api_client, invoice) -> str:
    response = api_client.get(f"/i/{invoice.public_token}/")
    assert response.status_code == 200
    return response.content.decode()


def _badges(page: str) -> list[str]:
    return re.findall(r'<span class="status status-[a-z_]+">([^<]+)</span>', page)


def test_the_badge_follows_the_live_status(api_client, company, staff_user):
    today = company_today()
    invoice = make_issued(
        owner=staff_user,
        issue_date=today - dt.timedelta(days=20),
        due_date=today - dt.timedelta(days=5),
    )
    assert _badges(_page(api_client, invoice)) == ["Open", "Overdue by 5 days"]

    invoice_services.payment_record(invoice=invoice, amount=Decimal("19.00"))
    invoice.refresh_from_db()
    page = _page(api_client, invoice)
    assert _badges(page) == ["Partially paid", "Overdue by 5 days"]
    assert decode(page_qr(page))["amount"] == "EUR100"  # the live amount due

    invoice_services.payment_record(invoice=invoice, amount=Decimal("100.00"))
    invoice.refresh_from_db()
    page = _page(api_client, invoice)
    assert _badges(page) == ["Paid"]
    assert page_qr(page) is None


def test_credited_and_void_badges(api_client, company, staff_user):
    credited = make_issued(owner=staff_user)
    invoice_services.invoice_issue(
        invoice=invoice_services.invoice_credit_note_create(invoice=credited)
    )
    credited.refresh_from_db()
    assert _badges(_page(api_client, credited)) == ["Credited"]

    void = make_issued(owner=staff_user)
    invoice_services.invoice_void(invoice=void, reason="Wrong buyer")
    void.refresh_from_db()
    page = _page(api_client, void)
    assert _badges(page) == ["Void"]
    assert page_qr(page) is None


def test_an_unknown_or_revoked_link_answers_a_friendly_html_404(api_client, company, staff_user):
    invoice = make_issued(owner=staff_user)
    old = invoice.public_token
    invoice_services.invoice_public_token_revoke(invoice=invoice)

    for url in (
        f"/i/{old}/",
        f"/i/{old}/pdf/",
        "/i/not-a-real-token-at-all-0123456789/",
        f"/i/{'a' * 30}%00/facturx/",
        f"/i/{invoice.public_token}/nothing-here/",
        "/i/",
    ):
        response = api_client.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "text/html; charset=utf-8", url
        body = response.content.decode()
        assert "<h1>Invoice not found</h1>" in body, url
        assert "please use the link in the latest e-mail" in body
    german = api_client.get(f"/i/{old}/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert "<h1>Rechnung nicht gefunden</h1>" in german.content.decode()
    french = api_client.get(f"/i/{old}/", HTTP_ACCEPT_LANGUAGE="fr")
    assert "<h1>Facture introuvable</h1>" in french.content.decode()


def test_the_page_is_rendered_once_per_version_and_live_state(api_client, company, staff_user):
    invoice = make_issued(owner=staff_user)
    with mock.patch.object(
        public_page, "render_invoice_html", wraps=public_page.render_invoice_html
    ) as render:
        first = _page(api_client, invoice)
        assert _page(api_client, invoice) == first
        assert render.call_count == 1

        invoice_services.payment_record(invoice=invoice, amount=Decimal("9.00"))
        invoice.refresh_from_db()
        after = _page(api_client, invoice)
        assert render.call_count == 2
        assert after != first
        assert "€110.00" in after


def test_a_hit_reads_only_the_invoice_and_its_credit_notes(
    api_client, company, staff_user, django_assert_max_num_queries
):
    invoice = make_issued(owner=staff_user)
    _page(api_client, invoice)
    # The invoice by its token, the credit notes' links; nothing else once rendered.
    with django_assert_max_num_queries(2):
        _page(api_client, invoice)
