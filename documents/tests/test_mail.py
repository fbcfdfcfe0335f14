"""How the e-mails look, as received by a real SMTP server (aiosmtpd on 127.0.0.1).

Invoice, credit note and reminder per level: both parts of one template set, the
inline QR code and logo, the stored attachments (and a reminder's fee invoice), the
live amount due, the customer's language, the company's own texts, no raw placeholder.
"""

from __future__ import annotations

import datetime as dt
import email
import io
import re
import subprocess
import sys
from decimal import Decimal
from email import policy
from pathlib import Path

import pypdf
import pytest

from common.tests.factories import CustomerFactory
from documents import sending as sending_services
from documents.formatting import format_date, format_money
from documents.tests.test_epc_qr import decode, expected
from documents.tests.test_sending import smtp_server  # noqa: F401 - the SMTP server fixture
from invoices import services as invoice_services
from invoices.models import Invoice
from invoices.representation import public_url
from invoices.tests.factories import line, make_issued
from settings_app.calendar import company_today
from settings_app.models import CompanySettings

pytestmark = [pytest.mark.django_db, pytest.mark.smtp]
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _send(client, invoice, deliver, **body):
    with deliver(execute=True):
        response = client.post(f"/api/invoices/{invoice.id}/send/", body, format="json")
    assert response.status_code == 202, response.content
    return response


def _remind(invoice, deliver, level, fee_invoice=None):
    with deliver(execute=True):
        sending_services.invoice_reminder_send(
            invoice=invoice, level=level, to=invoice.buyer["email"], fee_invoice=fee_invoice
        )


def _parts(message) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text.replace("\r\n", "\n"), html


def _files(message) -> dict[str, bytes]:
    return {
        part.get_filename(): part.get_payload(decode=True)
        for part in message.iter_attachments()
        if part.get_content_disposition() == "attachment"
    }


def _inline(message) -> dict[str, tuple[str, bytes]]:
    return {
        part["Content-ID"]: (part.get_content_type(), part.get_payload(decode=True))
        for part in message.iter_attachments()
        if part.get_content_disposition() == "inline"
    }


def _overdue_invoice(owner, lang="en", **fields) -> Invoice:
    customer = CustomerFactory(owner=owner, preferred_language=lang)
    today = company_today()
    return make_issued(
        owner=owner,
        customer=customer,
        issue_date=today - dt.timedelta(days=40),
        due_date=today - dt.timedelta(days=26),
        **fields,
    )


def test_an_invoice_email_has_both_parts_inline_images_and_the_stored_files(
    smtp_server,  # noqa: F811
    staff_client,
    company,
    staff_user,
    django_capture_on_commit_callbacks,
):
    invoice = make_issued(owner=staff_user)
    pdf = staff_client.get(f"/api/invoices/{invoice.id}/pdf/").content
    ubl = staff_client.get(f"/api/invoices/{invoice.id}/ubl/").content

    _send(
        staff_client,
        invoice,
        django_capture_on_commit_callbacks,
        message="Thanks for the order!",
        attach_ubl=True,
    )

    [message] = smtp_server.messages
    assert message.get_content_type() == "multipart/mixed"
    body, *_files_and_images = message.iter_parts()
    assert body.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in body.iter_parts()] == ["text/plain", "text/html"]
    assert _files(message) == {f"{invoice.number}.pdf": pdf, f"{invoice.number}.xml": ubl}
    images = _inline(message)
    assert list(images) == ["<epc-qr>"]
    assert images["<epc-qr>"][0] == "image/png"
    assert decode(images["<epc-qr>"][1]) == expected(
        "119",
        name="Seller GmbH",
        iban="DE89370400440532013000",
        bic="COBADEFFXXX",
        text=invoice.number,
    )

    text, html = _parts(message)
    link = public_url(invoice)
    number = invoice.number
    assert message["Subject"] == f"Invoice {number} from Seller GmbH"
    assert text.startswith(f"Hello {invoice.buyer['name']},\n\nThanks for the order!\n\n")
    assert f"Please find attached our invoice {number}. The amount due is €119.00" in text
    for row in (
        "Amount due: €119.00",
        f"Payment reference: {number}",
        "IBAN: DE89 3704 0044 0532 0130 00",
        "BIC: COBADEFFXXX",
        f"View and download it online: {link}",
        "Kind regards,\nSeller GmbH",
        "Seller GmbH · Hauptstraße 1 · 10115 Berlin",
    ):
        assert row in text
    assert f'<a href="{link}"' in html
    assert ">View invoice</a>" in html
    assert 'src="cid:epc-qr"' in html
    assert "Thanks for the order!" in html
    assert "{" not in text + html + message["Subject"]


def test_the_email_states_the_live_amount_due_after_a_partial_payment(
    smtp_server,  # noqa: F811
    staff_client,
    company,
    staff_user,
    django_capture_on_commit_callbacks,
):
    invoice = make_issued(owner=staff_user)  # 100.00 + 19 % = 119.00
    invoice_services.payment_record(invoice=invoice, amount=Decimal("19.01"))
    invoice.refresh_from_db()

    _send(staff_client, invoice, django_capture_on_commit_callbacks)

    [message] = smtp_server.messages
    text, html = _parts(message)
    assert "The amount due is €99.99" in text
    assert "Amount due: €99.99" in text
    assert "€99.99" in html
    assert "119.00" not in text + html  # the gross is the PDF's, not the e-mail's
    assert decode(_inline(message)["<epc-qr>"][1])["amount"] == "EUR99.99"


@pytest.mark.parametrize(
    ("lang", "subject", "greeting", "intro", "button"),
    [
        (
            "en",
            "Invoice {} from Seller GmbH",
            "Hello",
            "Please find attached our invoice",
            "View invoice",
        ),
        (
            "de",
            "Rechnung {} von Seller GmbH",
            "Guten Tag",
            "anbei erhalten Sie unsere Rechnung",
            "Rechnung ansehen",
        ),
        (
            "fr",
            "Facture {} de Seller GmbH",
            "Bonjour",
            "Veuillez trouver ci-joint notre facture",
            "Voir la facture",
        ),
    ],
)
def test_the_email_is_in_the_customers_language(
    smtp_server,  # noqa: F811
    staff_client,
    company,
    staff_user,
    django_capture_on_commit_callbacks,
    lang,
    subject,
    greeting,
    intro,
    button,
):
    customer = CustomerFactory(owner=staff_user, preferred_language=lang)
    invoice = make_issued(owner=staff_user, customer=customer)

    _send(staff_client, invoice, django_capture_on_commit_callbacks)

    [message] = smtp_server.messages
    text, html = _parts(message)
    assert message["Subject"] == subject.format(invoice.number)
    assert text.startswith(f"{greeting} {customer.name},")
    assert intro in text and intro in html
    assert f">{button}</a>" in html
    assert f'<html lang="{lang}">' in html
    assert format_money(Decimal("119.00"), "EUR", lang) in text
    assert "{" not in text + html + message["Subject"]


def test_a_credit_note_email_states_the_refund_due_and_has_no_qr_code(
    smtp_server,  # noqa: F811
    staff_client,
    company,
    staff_user,
    django_capture_on_commit_callbacks,
):
    invoice = make_issued(owner=staff_user)
    invoice_services.payment_record(invoice=invoice, amount=Decimal("119.00"))
    credit_note = invoice_services.invoice_issue(
        invoice=invoice_services.invoice_credit_note_create(invoice=invoice)
    )

    _send(staff_client, credit_note, django_capture_on_commit_callbacks)

    [message] = smtp_server.messages
    text, html = _parts(message)
    assert message["Subject"] == f"Credit note {credit_note.number} from Seller GmbH"
    assert "We will refund €119.00" in text
    assert "Refund due: €119.00" in text
    assert ">View credit note</a>" in html
    assert "IBAN" not in text  # nothing for the customer to transfer
    assert _inline(message) == {}
    assert "cid:epc-qr" not in html


@pytest.mark.parametrize(
    ("level", "subject"),
    [
        (1, "Payment reminder: invoice {}"),
        (2, "Second reminder: invoice {}"),
        (3, "Final notice: invoice {}"),
        (4, "Final notice: invoice {}"),
    ],
)
def test_reminder_subjects_say_the_level(
    smtp_server,  # noqa: F811
    company,
    staff_user,
    django_capture_on_commit_callbacks,
    level,
    subject,
):
    invoice = _overdue_invoice(staff_user)

    _remind(invoice, django_capture_on_commit_callbacks, level)

    [message] = smtp_server.messages
    text, html = _parts(message)
    assert message["Subject"] == subject.format(invoice.number)
    assert "Days overdue: 26" in text
    assert "Amount due: €119.00" in text
    assert ">View invoice</a>" in html
    assert 'src="cid:epc-qr"' in html
    assert _files(message) == {f"{invoice.number}.pdf": _stored_pdf(invoice)}
    assert "{" not in text + html + message["Subject"]


@pytest.mark.parametrize(
    ("lang", "subjects"),
    [
        ("de", ("Zahlungserinnerung", "Zweite Mahnung", "Letzte Mahnung")),
        ("fr", ("Rappel de paiement :", "Deuxième relance :", "Mise en demeure :")),
    ],
)
def test_reminders_are_translated(
    smtp_server,  # noqa: F811
    company,
    staff_user,
    django_capture_on_commit_callbacks,
    lang,
    subjects,
):
    invoice = _overdue_invoice(staff_user, lang)

    for level in (1, 2, 3):
        _remind(invoice, django_capture_on_commit_callbacks, level)

    assert len(smtp_server.messages) == 3
    for message, subject in zip(smtp_server.messages, subjects, strict=True):
        assert message["Subject"].startswith(subject)
        assert message["Subject"].endswith(invoice.number)
    final_text, _ = _parts(smtp_server.messages[-1])
    days = {"de": "seit 26 Tagen überfällig", "fr": "en retard de 26 jours"}[lang]
    assert days in final_text


def _stored_pdf(invoice: Invoice) -> bytes:
    from documents.services import invoice_document_render

    return invoice_document_render(invoice=invoice, fmt="pdf").content


def test_a_reminder_attaches_its_fee_invoice_and_shows_how_it_was_computed(
    smtp_server,  # noqa: F811
    company,
    staff_user,
    django_capture_on_commit_callbacks,
):
    invoice = _overdue_invoice(staff_user)
    fee = make_issued(
        owner=staff_user,
        customer=invoice.customer,
        items=[line("Reminder fee, level 2", unit_price="5.00")],
    )

    _remind(invoice, django_capture_on_commit_callbacks, 2, fee_invoice=fee)

    [message] = smtp_server.messages
    text, html = _parts(message)
    assert f"Reminder fee: invoice {fee.number} of €5.95, attached." in text
    assert "- Reminder fee, level 2: €5.00" in text
    assert "Reminder fee, level 2: €5.00" in html
    assert _files(message) == {
        f"{invoice.number}.pdf": _stored_pdf(invoice),
        f"{fee.number}.pdf": _stored_pdf(fee),
    }
    # The code pays the reminded invoice; the fee invoice carries its own.
    assert decode(_inline(message)["<epc-qr>"][1])["amount"] == "EUR119"


def test_the_companys_texts_replace_the_defaults(
    smtp_server,  # noqa: F811
    company,
    staff_user,
    django_capture_on_commit_callbacks,
):
    company.email_texts = {
        "reminder_1": {
            "en": {
                "subject": "{company}: {number} is {days_overdue} days late",
                "intro": "Dear {customer}, please pay {amount_due} (due {due_date}). {{thanks}}",
            }
        }
    }
    company.save()
    invoice = _overdue_invoice(staff_user)

    _remind(invoice, django_capture_on_commit_callbacks, 1)

    [message] = smtp_server.messages
    text, _ = _parts(message)
    due = format_date(invoice.due_date, "en")
    assert message["Subject"] == f"Seller GmbH: {invoice.number} is 26 days late"
    assert f"Dear {invoice.buyer['name']}, please pay €119.00 (due {due}). {{thanks}}" in text


def test_no_qr_code_for_other_currencies_or_without_an_iban(
    smtp_server,  # noqa: F811
    staff_client,
    company,
    staff_user,
    django_capture_on_commit_callbacks,
):
    dollars = make_issued(owner=staff_user, currency="USD")
    _send(staff_client, dollars, django_capture_on_commit_callbacks)
    CompanySettings.objects.filter(pk=company.pk).update(iban="", bic="")
    company.refresh_from_db()
    no_iban = make_issued(owner=staff_user)
    _send(staff_client, no_iban, django_capture_on_commit_callbacks)

    for message in smtp_server.messages:
        _, html = _parts(message)
        assert _inline(message) == {}
        assert "cid:epc-qr" not in html
    assert "IBAN" not in _parts(smtp_server.messages[1])[0]


def test_the_factur_x_attachment_stays_factur_x_with_the_code(
    smtp_server,  # noqa: F811
    staff_client,
    company,
    staff_user,
    django_capture_on_commit_callbacks,
):
    from facturx import get_xml_from_pdf

    invoice = make_issued(owner=staff_user)
    _send(staff_client, invoice, django_capture_on_commit_callbacks, pdf_format="facturx")

    content = _files(smtp_server.messages[0])[f"{invoice.number}-facturx.pdf"]
    filename, _ = get_xml_from_pdf(content, check_xsd=True)
    assert filename == "factur-x.xml"
    reader = pypdf.PdfReader(io.BytesIO(content))
    assert re.search(rb'pdfaid:part(="|>)3', reader.xmp_metadata.stream.get_data())
    buffer = io.BytesIO()
    reader.pages[0].images[0].image.save(buffer, format="PNG")
    assert decode(buffer.getvalue())["amount"] == "EUR119"


# --- where mail goes: the file backend, the public base URL -----------------------------


def test_the_file_backend_writes_what_would_be_sent(
    settings, tmp_path, staff_client, company, staff_user, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    invoice = make_issued(owner=staff_user)

    _send(staff_client, invoice, django_capture_on_commit_callbacks)

    [written] = list(tmp_path.iterdir())
    message = email.message_from_bytes(written.read_bytes(), policy=policy.default)
    assert message["Subject"] == f"Invoice {invoice.number} from Seller GmbH"
    assert f"{invoice.number}.pdf" in _files(message)
    assert invoice.sendings.get().status == "sent"


def _settings_in_a_fresh_process(env: dict[str, str]) -> dict[str, str]:
    # Reading the settings imports the settings module alone (no app loading needed).
    code = (
        "from django.conf import settings as s; "
        "print(s.EMAIL_BACKEND); print(s.EMAIL_FILE_PATH); print(s.PUBLIC_BASE_URL)"
    )
    base = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "core.settings", "DEBUG": "true"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    backend, path, url = result.stdout.split()
    return {"backend": backend, "path": path, "url": url}


@pytest.mark.skipif(
    (PROJECT_ROOT / ".env").is_file()
    and re.search(
        r"^\s*(PUBLIC_BASE_URL|EMAIL_BACKEND)=", (PROJECT_ROOT / ".env").read_text(), re.M
    )
    is not None,
    reason=".env sets PUBLIC_BASE_URL or EMAIL_BACKEND",
)
def test_mail_settings_come_from_the_environment(tmp_path):
    seen = _settings_in_a_fresh_process(
        {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(tmp_path),
            "SERVER_HOST": "0.0.0.0",  # noqa: S104 - what `make run HOST=0.0.0.0` binds
            "SERVER_PORT": "9123",
        }
    )
    assert seen == {
        "backend": "django.core.mail.backends.filebased.EmailBackend",
        "path": str(tmp_path),
        "url": "http://127.0.0.1:9123",
    }
    assert (
        _settings_in_a_fresh_process({"SERVER_HOST": "localhost", "SERVER_PORT": "8042"})["url"]
        == "http://localhost:8042"
    )
    explicit = _settings_in_a_fresh_process(
        {"SERVER_PORT": "9123", "PUBLIC_BASE_URL": "https://billing.example.com"}
    )
    assert explicit["url"] == "https://billing.example.com"
    assert explicit["backend"] == "django.core.mail.backends.console.EmailBackend"  # DEBUG


def test_make_run_passes_its_host_and_port():
    result = subprocess.run(
        ["make", "-n", "run", "PORT=9123", "HOST=0.0.0.0"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "SERVER_HOST=0.0.0.0 SERVER_PORT=9123" in result.stdout
    assert "runserver 0.0.0.0:9123" in result.stdout


def test_the_company_logo_is_an_inline_image(
    smtp_server,  # noqa: F811
    staff_client,
    company,
    staff_user,
    django_capture_on_commit_callbacks,
    settings,
    tmp_path,
):
    from django.core.files.base import ContentFile
    from PIL import Image

    settings.MEDIA_ROOT = str(tmp_path)
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "#1f4e79").save(buffer, format="PNG")
    company.logo.save("logo.png", ContentFile(buffer.getvalue()), save=True)
    invoice = make_issued(owner=staff_user)

    _send(staff_client, invoice, django_capture_on_commit_callbacks)

    [message] = smtp_server.messages
    images = _inline(message)
    assert set(images) == {"<epc-qr>", "<company-logo>"}
    assert images["<company-logo>"] == ("image/png", buffer.getvalue())
    _, html = _parts(message)
    assert '<img src="cid:company-logo" alt="Seller GmbH"' in html
