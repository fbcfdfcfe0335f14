"""Document endpoints and the customer's public page, as clients see them."""

from __future__ import annotations

import hashlib
import io
from decimal import Decimal

import pytest
from facturx import get_xml_from_pdf
from lxml import etree
from pypdf import PdfReader

from documents.einvoice.validation import errors_only, validate_cii, validate_ubl
from documents.models import StoredDocument
from invoices import services
from invoices.tests.factories import line, make_draft, make_issued

pytestmark = pytest.mark.django_db


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def invoice(company, staff_user):
    return make_issued(
        owner=staff_user,
        items=[line("Consulting", "10", "95.00"), line("Books", "2", "24.50", tax_rate="7")],
    )


def test_pdf_of_issued_invoice_is_rendered_once_and_served_from_storage(
    staff_client, invoice, monkeypatch
):
    first = staff_client.get(f"/api/invoices/{invoice.id}/pdf/")

    assert first.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    assert first["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'
    text = _pdf_text(first.content)
    assert invoice.number in text
    assert "€1,182.93" in text  # 950 + 49 + 19% of 950 (180.50) + 7% of 49 (3.43)
    stored = StoredDocument.objects.get(invoice=invoice, format="pdf")
    assert stored.sha256 == hashlib.sha256(first.content).hexdigest()
    assert first["X-Content-SHA256"] == stored.sha256
    assert first["ETag"] == f'"{stored.sha256}"'

    import documents.services as document_services

    def no_render(doc):
        raise AssertionError("an issued invoice's PDF must come from storage")

    monkeypatch.setitem(document_services.RENDERERS, "pdf", no_render)
    second = staff_client.get(f"/api/invoices/{invoice.id}/pdf/")
    assert second.content == first.content
    assert second["X-Content-SHA256"] == stored.sha256


def test_draft_pdf_is_a_preview_marked_draft(staff_client, company, staff_user):
    draft = make_draft(owner=staff_user)

    response = staff_client.get(f"/api/invoices/{draft.id}/pdf/")

    assert response.status_code == 200
    assert "DRAFT" in _pdf_text(response.content)
    # the tag of what it is drawn from (a 304 renders nothing), not of stored bytes
    assert response["ETag"].startswith('"')
    assert not response.has_header("X-Content-SHA256")
    assert not StoredDocument.objects.exists()  # a preview is never kept


@pytest.mark.parametrize("fmt", ["ubl", "cii", "facturx"])
def test_draft_has_no_einvoice(staff_client, company, staff_user, fmt):
    draft = make_draft(owner=staff_user)

    response = staff_client.get(f"/api/invoices/{draft.id}/{fmt}/")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "document_not_available"


def test_ubl_is_valid_and_carries_the_totals(staff_client, invoice):
    response = staff_client.get(f"/api/invoices/{invoice.id}/ubl/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert errors_only(validate_ubl(response.content)) == []
    root = etree.fromstring(response.content)
    ns = {
        "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
        "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    }
    assert root.findtext("cbc:ID", namespaces=ns) == invoice.number
    assert root.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=ns) == str(
        invoice.amount_due.quantize(Decimal("0.01"))
    )


def test_credit_note_ubl_refers_to_the_invoice(staff_client, invoice):
    credit_note = services.invoice_issue(
        invoice=services.invoice_credit_note_create(invoice=invoice)
    )

    response = staff_client.get(f"/api/invoices/{credit_note.id}/ubl/")

    assert response.status_code == 200
    root = etree.fromstring(response.content)
    assert etree.QName(root).localname == "CreditNote"
    assert invoice.number.encode() in response.content
    assert errors_only(validate_ubl(response.content)) == []


def test_facturx_embeds_valid_cii(staff_client, invoice):
    response = staff_client.get(f"/api/invoices/{invoice.id}/facturx/")

    assert response.status_code == 200
    filename, xml = get_xml_from_pdf(response.content, check_xsd=False)
    assert filename == "factur-x.xml"
    assert errors_only(validate_cii(xml)) == []
    assert invoice.number.encode() in xml
    reader = PdfReader(io.BytesIO(response.content))
    assert b"pdfaid" in reader.xmp_metadata.stream.get_data()


def test_documents_are_isolated_per_owner(other_client, invoice):
    for fmt in ("pdf", "ubl", "cii", "facturx", "send", "sendings"):
        method = other_client.post if fmt == "send" else other_client.get
        response = method(f"/api/invoices/{invoice.id}/{fmt}/")
        assert response.status_code == 404, fmt
        assert response.json()["error"]["code"] == "not_found"


def test_public_page_shows_invoice_without_login(api_client, invoice):
    response = api_client.get(f"/i/{invoice.public_token}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert invoice.number in html
    assert "€1,182.93" in html
    assert "default-src 'none'" in response["Content-Security-Policy"]
    for fmt in ("pdf", "facturx", "ubl", "cii"):
        assert f'href="/i/{invoice.public_token}/{fmt}/"' in html
        download = api_client.get(f"/i/{invoice.public_token}/{fmt}/")
        assert download.status_code == 200, fmt
        stored = StoredDocument.objects.get(invoice=invoice, format=fmt)
        assert download["X-Content-SHA256"] == stored.sha256
    assert "/api/" not in html
    assert "/admin/" not in html


def test_public_page_refuses_unknown_drafts_and_revoked_tokens(
    api_client, staff_client, company, staff_user, invoice
):
    assert api_client.get("/i/not-a-real-token-at-all-0123456789/").status_code == 404
    draft = make_draft(owner=staff_user)
    assert draft.public_token is None

    old = invoice.public_token
    revoked = staff_client.post(f"/api/invoices/{invoice.id}/revoke-link/")
    assert revoked.status_code == 200
    invoice.refresh_from_db()
    assert invoice.public_token != old
    assert revoked.json()["public_url"].endswith(f"/i/{invoice.public_token}/")
    assert api_client.get(f"/i/{old}/").status_code == 404
    assert api_client.get(f"/i/{old}/pdf/").status_code == 404
    assert api_client.get(f"/i/{invoice.public_token}/").status_code == 200


def test_every_document_is_stored_after_issue_commit(
    staff_client, company, staff_user, django_capture_on_commit_callbacks, settings
):
    settings.DOCUMENTS_STORE_AFTER_ISSUE = True  # off elsewhere in tests (settings_test)
    draft = make_draft(owner=staff_user)

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(f"/api/invoices/{draft.id}/issue/")

    draft.refresh_from_db()
    rows = {row.format: row for row in StoredDocument.objects.filter(invoice=draft)}
    assert sorted(rows) == ["cii", "facturx", "pdf", "ubl"]
    files = {}
    for fmt, row in rows.items():
        with row.file.open("rb") as stored:
            content = files[fmt] = stored.read()
        assert row.sha256 == hashlib.sha256(content).hexdigest(), fmt
        assert row.size == len(content), fmt
        assert staff_client.get(f"/api/invoices/{draft.id}/{fmt}/").content == content, fmt
    assert draft.number in _pdf_text(files["pdf"])
    assert draft.pdf_file.name == rows["pdf"].file.name  # the old field mirrors the row


def test_cii_is_valid_and_is_the_xml_inside_the_facturx(staff_client, api_client, invoice):
    response = staff_client.get(f"/api/invoices/{invoice.id}/cii/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert response["Content-Disposition"] == f'attachment; filename="{invoice.number}-cii.xml"'
    assert errors_only(validate_cii(response.content)) == []
    assert invoice.number.encode() in response.content
    facturx = staff_client.get(f"/api/invoices/{invoice.id}/facturx/")
    assert get_xml_from_pdf(facturx.content, check_xsd=False)[1] == response.content
    public = api_client.get(f"/i/{invoice.public_token}/cii/")
    assert public.status_code == 200
    assert public["Content-Type"] == "application/xml"
    assert public.content == response.content


def test_issue_time_validation_refuses_invalid_einvoice(
    staff_client, company, staff_user, settings
):
    settings.EINVOICE_VALIDATE_ON_ISSUE = True
    # BR-O-11: "not subject to VAT" cannot be mixed with other categories.
    draft = make_draft(
        owner=staff_user,
        items=[line(), line(tax_category="O", tax_rate="0")],
    )

    response = staff_client.post(f"/api/invoices/{draft.id}/issue/")

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "einvoice_invalid"
    assert any(rule.startswith("BR-O") for rule in error["details"]["rules"])
    draft.refresh_from_db()
    assert (draft.status, draft.number) == ("draft", None)

    valid = make_draft(owner=staff_user)
    assert staff_client.post(f"/api/invoices/{valid.id}/issue/").json()["number"].endswith("00001")
