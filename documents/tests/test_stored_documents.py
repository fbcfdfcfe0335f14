"""Issued documents never change: built once from the issue snapshot, stored, served as stored.

Whatever happens to an invoice after issue (payments, credit notes, voiding) and to
the company settings or the customer, its PDF, UBL, CII and Factur-X downloads are
the bytes stored at the first build, with their SHA-256 on record; the live state is
shown by the customer's page and the e-mail instead.
"""

from __future__ import annotations

import hashlib
import io
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from facturx import get_xml_from_pdf
from lxml import etree
from pypdf import PdfReader

from common.tests.factories import CustomerFactory
from documents import renderers, services, tasks
from documents.adapters import invoice_document
from documents.models import InvoiceSending, StoredDocument
from documents.renderers import RenderedDocument
from invoices import services as invoice_services
from invoices.models import Invoice
from invoices.tests.factories import line, make_draft, make_issued
from settings_app.models import CompanySettings

pytestmark = pytest.mark.django_db

FORMATS = ("pdf", "ubl", "cii", "facturx")
UBL_NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}
CII_NS = {
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the files of this test only


@pytest.fixture
def invoice(company, staff_user):
    # 950 + 49 net; 19% of 950 = 180.50, 7% of 49 = 3.43: gross 1,182.93
    return make_issued(
        owner=staff_user,
        items=[line("Consulting", "10", "95.00"), line("Books", "2", "24.50", tax_rate="7")],
    )


def _pdf_text(content: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.replace("\xa0", " ").split())


def _download_all(staff_client, api_client, invoice: Invoice) -> dict[str, bytes]:
    """Every document through the API and the public link: both must be the same bytes."""
    files = {}
    for fmt in FORMATS:
        private = staff_client.get(f"/api/invoices/{invoice.pk}/{fmt}/")
        public = api_client.get(f"/i/{invoice.public_token}/{fmt}/")
        assert private.status_code == 200, (fmt, private.content[:300])
        assert public.status_code == 200, (fmt, public.content[:300])
        assert public.content == private.content, fmt
        row = StoredDocument.objects.get(invoice=invoice, format=fmt)
        digest = hashlib.sha256(private.content).hexdigest()
        assert row.sha256 == digest, fmt
        assert row.size == len(private.content), fmt
        for response in (private, public):
            assert response["X-Content-SHA256"] == digest, fmt
            assert response["ETag"] == f'"{digest}"', fmt
        files[fmt] = private.content
    return files


def _no_builds():
    """Renderers that fail the test if anything is built again."""

    def refuse(*args, **kwargs):
        raise AssertionError("an issued document must be served from storage")

    return mock.patch.dict(renderers.RENDERERS, dict.fromkeys(FORMATS, refuse))


def _change_everything_but_the_invoice(invoice: Invoice) -> None:
    company = CompanySettings.load()
    company.legal_name = "Renamed Holding AG"
    company.iban = "FR7630006000011234567890189"
    company.bic = "AGRIFRPPXXX"
    company.invoice_footer = "A brand new footer"
    company.save()
    customer = invoice.customer
    customer.name = "Renamed Customer SA"
    customer.street = "99 New Street"
    customer.save()


def test_documents_survive_payment_credit_note_and_settings_changes_byte_for_byte(
    staff_client, api_client, invoice
):
    before = _download_all(staff_client, api_client, invoice)

    invoice_services.payment_record(invoice=invoice, amount=Decimal("100.00"))
    credit_note = invoice_services.invoice_credit_note_create(invoice=invoice)
    invoice_services.invoice_update_draft(
        invoice=credit_note, items=[line("Consulting", "1", "95.00")]
    )
    invoice_services.invoice_issue(invoice=credit_note)
    _change_everything_but_the_invoice(invoice)
    invoice.refresh_from_db()
    with _no_builds():
        after = _download_all(staff_client, api_client, invoice)

    assert after == before
    assert StoredDocument.objects.filter(invoice=invoice).count() == 4
    # What they hold: the invoice as issued, nothing paid, the whole gross due.
    text = _pdf_text(after["pdf"])
    assert "Seller GmbH" in text
    assert "Renamed" not in text
    assert "A brand new footer" not in text
    assert "Amount due €1,182.93" in text
    assert "Please transfer €1,182.93" in text
    assert "IBAN DE89 3704 0044 0532 0130 00" in text
    assert "Paid" not in text
    ubl = etree.fromstring(after["ubl"])
    total = "cac:LegalMonetaryTotal/cbc:"
    assert ubl.findtext(f"{total}PayableAmount", namespaces=UBL_NS) == "1182.93"
    assert ubl.findtext(f"{total}PrepaidAmount", namespaces=UBL_NS) in (None, "0.00")
    cii = etree.fromstring(after["cii"])
    assert cii.findtext(".//ram:DuePayableAmount", namespaces=CII_NS) == "1182.93"
    assert cii.findtext(".//ram:TotalPrepaidAmount", namespaces=CII_NS) in (None, "0.00")
    assert get_xml_from_pdf(after["facturx"], check_xsd=False)[1] == after["cii"]


def test_a_void_invoice_serves_its_issue_time_documents_and_the_page_shows_void(
    staff_client, api_client, invoice
):
    before = _download_all(staff_client, api_client, invoice)

    invoice_services.invoice_void(invoice=invoice, reason="Wrong buyer")
    _change_everything_but_the_invoice(invoice)
    invoice.refresh_from_db()
    with _no_builds():
        after = _download_all(staff_client, api_client, invoice)

    assert invoice.status == "void"
    assert after == before
    text = _pdf_text(after["pdf"])
    assert "VOID" not in text
    assert "voided" not in text
    page = api_client.get(f"/i/{invoice.public_token}/").content.decode()
    page_text = " ".join(page.replace("\xa0", " ").split())
    assert '<span class="status status-void">Void</span>' in page
    assert "This invoice has been voided and is not payable." in page_text
    cancellation = Invoice.objects.get(credited_invoice=invoice)
    assert cancellation.number in page_text
    assert f'href="/i/{cancellation.public_token}/"' in page
    assert "Please transfer" not in page_text


def test_documents_stored_before_any_request_are_the_ones_served(
    staff_client, company, staff_user, django_capture_on_commit_callbacks, settings
):
    settings.DOCUMENTS_STORE_AFTER_ISSUE = True  # off elsewhere in tests (settings_test)
    draft = make_draft(owner=staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        invoice_services.invoice_issue(invoice=draft)
    stored = {row.format: row.sha256 for row in StoredDocument.objects.filter(invoice=draft)}

    with _no_builds():
        served = {
            fmt: staff_client.get(f"/api/invoices/{draft.pk}/{fmt}/")["X-Content-SHA256"]
            for fmt in FORMATS
        }

    assert served == stored


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_tampered_file_is_refused_not_served_and_not_rebuilt(
    staff_client, api_client, invoice, fmt
):
    original = staff_client.get(f"/api/invoices/{invoice.pk}/{fmt}/").content
    row = StoredDocument.objects.get(invoice=invoice, format=fmt)
    path = default_storage.path(row.file.name)
    with open(path, "r+b") as file:  # one byte changed, same size
        file.seek(len(original) // 2)
        byte = file.read(1)
        file.seek(len(original) // 2)
        file.write(bytes([byte[0] ^ 0x01]))

    with _no_builds():
        private = staff_client.get(f"/api/invoices/{invoice.pk}/{fmt}/")
        public = api_client.get(f"/i/{invoice.public_token}/{fmt}/")

    for response in (private, public):
        assert response.status_code == 500
        assert response.json()["error"]["code"] == "document_corrupt"
        assert response.json()["error"]["details"] == {"format": fmt, "problem": "sha256"}
    row.refresh_from_db()
    assert row.sha256 == hashlib.sha256(original).hexdigest()  # the record is kept


def test_a_lost_file_is_refused_not_rebuilt(staff_client, invoice):
    staff_client.get(f"/api/invoices/{invoice.pk}/ubl/")
    row = StoredDocument.objects.get(invoice=invoice, format="ubl")
    default_storage.delete(row.file.name)

    with _no_builds():
        response = staff_client.get(f"/api/invoices/{invoice.pk}/ubl/")

    assert response.status_code == 500
    assert response.json()["error"]["details"] == {"format": "ubl", "problem": "missing"}
    assert StoredDocument.objects.filter(invoice=invoice).count() == 1


def test_the_check_compares_with_the_record_not_with_the_file(invoice):
    stored = services.invoice_document_render(invoice=invoice, fmt="ubl")
    row = StoredDocument.objects.get(invoice=invoice, format="ubl")
    assert services.stored_document_content(row) == stored.content

    StoredDocument.objects.filter(pk=row.pk).update(sha256="0" * 64)
    row.refresh_from_db()

    with pytest.raises(services.errors.StoredDocumentCorrupt):
        services.stored_document_content(row)


def test_two_first_requests_at_once_keep_one_file(invoice, tmp_path):
    """The second builder loses the unique (invoice, format) race and serves the winner."""
    real = renderers.RENDERERS["ubl"]
    raced = {}

    def build_while_another_request_stores(doc):
        if not raced:
            raced["started"] = True
            raced["winner"] = services.stored_document_get_or_create(invoice=invoice, fmt="ubl")
        return real(doc)

    with mock.patch.dict(renderers.RENDERERS, {"ubl": build_while_another_request_stores}):
        loser = services.stored_document_get_or_create(invoice=invoice, fmt="ubl")

    assert loser.content == raced["winner"].content
    assert loser.sha256 == raced["winner"].sha256
    row = StoredDocument.objects.get(invoice=invoice, format="ubl")
    assert row.sha256 == loser.sha256
    files = [path for path in (tmp_path / "documents").rglob("*") if path.is_file()]
    assert [path.name for path in files] == [f"{invoice.number}.xml"]  # the loser's is gone


def test_a_client_holding_the_file_gets_304(staff_client, api_client, invoice):
    first = staff_client.get(f"/api/invoices/{invoice.pk}/pdf/")

    again = staff_client.get(f"/api/invoices/{invoice.pk}/pdf/", HTTP_IF_NONE_MATCH=first["ETag"])
    public = api_client.get(f"/i/{invoice.public_token}/pdf/", HTTP_IF_NONE_MATCH=first["ETag"])
    other = staff_client.get(f"/api/invoices/{invoice.pk}/pdf/", HTTP_IF_NONE_MATCH='"abc"')

    assert (again.status_code, public.status_code) == (304, 304)
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    assert other.status_code == 200
    assert other.content == first.content


def test_the_issued_document_is_the_issue_snapshot_whatever_the_row_says_now(invoice):
    """paid_total 0, amount_due = gross, status issued, parties from the snapshot."""
    Invoice.objects.filter(pk=invoice.pk).update(
        status="partially_paid",
        paid_total=Decimal("500.00"),
        credited_total=Decimal("100.00"),
        amount_due=Decimal("582.93"),
    )
    _change_everything_but_the_invoice(invoice)
    invoice.refresh_from_db()

    doc = invoice_document(invoice)

    assert (doc.status, doc.paid_total, doc.amount_due) == (
        "issued",
        Decimal("0"),
        Decimal("1182.93"),
    )
    assert doc.seller.name == "Seller GmbH"
    assert doc.payment_iban == "DE89370400440532013000"
    assert doc.buyer.name == invoice.buyer["name"] != "Renamed Customer SA"


def test_the_draft_preview_reads_live_data_and_is_never_stored(staff_client, company, staff_user):
    draft = make_draft(owner=staff_user)
    _change_everything_but_the_invoice(draft)

    response = staff_client.get(f"/api/invoices/{draft.pk}/pdf/")

    text = _pdf_text(response.content)
    assert "DRAFT" in text
    assert "Renamed Holding AG" in text
    assert "Renamed Customer SA" in text
    assert StoredDocument.objects.count() == 0


def test_an_invalid_einvoice_is_refused_and_not_stored(staff_client, company, staff_user, settings):
    settings.EINVOICE_VALIDATE_ON_ISSUE = False
    # BR-O-11: "not subject to VAT" cannot be mixed with other categories.
    invoice = make_issued(owner=staff_user, items=[line(), line(tax_category="O", tax_rate="0")])

    for fmt in ("ubl", "cii", "facturx"):
        response = staff_client.get(f"/api/invoices/{invoice.pk}/{fmt}/")
        assert response.status_code == 409, fmt
        assert response.json()["error"]["code"] == "einvoice_invalid", fmt
    assert not StoredDocument.objects.filter(invoice=invoice).exclude(format="pdf").exists()


def test_adopting_the_pdfs_stored_before_the_rows_existed(invoice):
    """Migration 0003: an issued invoice's existing `pdf_file` becomes its stored PDF."""
    import importlib

    from django.apps import apps

    legacy = b"%PDF-1.7 rendered by an older release"
    name = default_storage.save("invoices/pdf/legacy.pdf", io.BytesIO(legacy))
    Invoice.objects.filter(pk=invoice.pk).update(pdf_file=name)
    migration = importlib.import_module("documents.migrations.0003_adopt_stored_pdfs")

    migration.adopt(apps, None)
    migration.adopt(apps, None)  # idempotent

    row = StoredDocument.objects.get(invoice=invoice, format="pdf")
    assert (row.file.name, row.sha256) == (name, hashlib.sha256(legacy).hexdigest())
    assert services.invoice_document_render(invoice=invoice, fmt="pdf").content == legacy


# --- the live state: the customer's page and the e-mail -------------------------------


def _page_text(api_client, invoice: Invoice) -> str:
    response = api_client.get(f"/i/{invoice.public_token}/")
    assert response.status_code == 200
    return " ".join(response.content.decode().replace("\xa0", " ").split())


def test_the_page_follows_payments_through_the_services(api_client, invoice):
    assert 'Current status <span class="status status-issued">Open</span>' in _page_text(
        api_client, invoice
    )

    invoice_services.payment_record(invoice=invoice, amount=Decimal("182.93"))
    text = _page_text(api_client, invoice)
    assert "Partially paid" in text
    assert 'Paid</th><td class="num">€182.93' in text
    assert 'Amount due</th><td class="num">€1,000.00' in text
    assert "Please transfer €1,000.00" in text

    invoice_services.payment_record(invoice=invoice, amount=Decimal("1000.00"))
    text = _page_text(api_client, invoice)
    assert "status-paid" in text
    assert "Paid in full. Thank you." in text
    assert "Please transfer" not in text


def test_the_page_shows_credited_overdue_and_credit_note_states(api_client, company, invoice):
    """The row's stored fields as the invoices services keep them (written directly)."""
    Invoice.objects.filter(pk=invoice.pk).update(
        status="credited",
        credited_total=Decimal("1182.93"),
        amount_due=Decimal("0"),
        credit_notes_json=[
            {
                "id": 0,
                "number": "CN-2026-00009",
                "issue_date": "2026-03-02",
                "gross_total": "1182.93",
            }
        ],
    )
    text = _page_text(api_client, invoice)
    assert "Credited</span>" in text
    assert "This invoice has been settled by credit note." in text
    assert (
        'Credit notes</span> <span class="credit-note">CN-2026-00009</span> (Mar 2, 2026, €1,182.93)'
        in text
    )

    invoice.refresh_from_db()
    Invoice.objects.filter(pk=invoice.pk).update(
        status="issued",
        credited_total=Decimal("0"),
        amount_due=Decimal("1182.93"),
        credit_notes_json=[],
        due_date=invoice.issue_date.replace(year=invoice.issue_date.year - 1),
    )
    text = _page_text(api_client, invoice)
    assert 'status-overdue">Overdue' in text
    assert "This invoice is overdue." in text

    credit_note = invoice_services.invoice_issue(
        invoice=invoice_services.invoice_credit_note_create(invoice=invoice)
    )
    Invoice.objects.filter(pk=credit_note.pk).update(refund_due=Decimal("212.00"))
    text = _page_text(api_client, credit_note)
    assert 'Refund due</th><td class="num">€212.00' in text
    assert "Overdue" not in text


def test_the_email_states_the_live_amount_due_and_attaches_the_stored_files(staff_user, invoice):
    from documents.mail import build_invoice_email

    stored = {
        fmt: services.invoice_document_render(invoice=invoice, fmt=fmt).content
        for fmt in ("pdf", "ubl")
    }
    Invoice.objects.filter(pk=invoice.pk).update(
        status="partially_paid", paid_total=Decimal("970.93"), amount_due=Decimal("212.00")
    )
    invoice.refresh_from_db()
    sending = InvoiceSending.objects.create(
        invoice=invoice, to=["ap@buyer.example"], subject="Invoice", attach_ubl=True
    )

    with _no_builds():
        message = build_invoice_email(sending)

    assert "Amount due: €212.00" in message.body
    assert "1,182.93" not in message.body  # the live figure, not the gross
    files = [item for item in message.attachments if isinstance(item, tuple)]
    assert {name: content for name, content, _ in files} == {
        f"{invoice.number}.pdf": stored["pdf"],
        f"{invoice.number}.xml": stored["ubl"],
    }


def test_a_german_credit_note_email_states_the_refund_due(company, staff_user):
    customer = CustomerFactory(owner=staff_user, preferred_language="de")
    invoice = make_issued(owner=staff_user, customer=customer)
    credit_note = invoice_services.invoice_issue(
        invoice=invoice_services.invoice_credit_note_create(invoice=invoice)
    )
    Invoice.objects.filter(pk=credit_note.pk).update(refund_due=Decimal("1212.00"))
    credit_note.refresh_from_db()

    from documents.mail import build_invoice_email

    sending = InvoiceSending.objects.create(invoice=credit_note, to=["a@b.example"], subject="")
    assert "Zu erstatten: 1.212,00\xa0€" in build_invoice_email(sending).body


@pytest.mark.postgres(reason="real concurrency needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fmt", ["pdf", "facturx"])
def test_concurrent_first_requests_serve_one_stored_file(company, staff_user, tmp_path, fmt):
    with mock.patch.object(tasks.invoice_pdf_render, "delay"):  # nothing stored at issue
        invoice = make_issued(owner=staff_user)
    assert not StoredDocument.objects.exists()
    barrier = threading.Barrier(6)

    def first_request() -> RenderedDocument:
        try:
            barrier.wait()
            fresh = Invoice.objects.get(pk=invoice.pk)
            return services.invoice_document_render(invoice=fresh, fmt=fmt)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=6) as pool:
        served = list(pool.map(lambda _: first_request(), range(6)))

    row = StoredDocument.objects.get(invoice=invoice, format=fmt)
    assert {document.content for document in served} == {services.stored_document_content(row)}
    assert {document.sha256 for document in served} == {row.sha256}
    kept = sorted(p.name for p in (tmp_path / "documents").rglob("*") if p.is_file())
    expected = {row.file.name.rsplit("/", 1)[-1]}
    if fmt == "facturx":
        expected.add(
            StoredDocument.objects.get(invoice=invoice, format="cii").file.name.rsplit("/", 1)[-1]
        )
    assert set(kept) == expected  # the losers' files are gone


def test_the_verify_command_names_every_damaged_document(invoice, staff_user):
    from django.core.management import CommandError, call_command

    other = make_issued(owner=staff_user)
    for target in (invoice, other):
        for fmt in ("pdf", "ubl"):
            services.invoice_document_render(invoice=target, fmt=fmt)
    out = io.StringIO()
    call_command("documents_verify", stdout=out)
    assert out.getvalue().strip() == "4 stored documents verified."

    damaged = StoredDocument.objects.get(invoice=other, format="ubl")
    with open(default_storage.path(damaged.file.name), "ab") as file:
        file.write(b"<!-- appended -->")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 of 4 stored documents failed"):
        call_command("documents_verify", stdout=io.StringIO(), stderr=err)
    assert err.getvalue().strip() == f"{other.number} ubl: sha256"
