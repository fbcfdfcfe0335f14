"""The e-mail that carries an invoice: text in the customer's language, the link, files.

The texts are catalogue entries (``documents/locale``, see ``documents.labels``).

The attachments are the stored documents (as issued, byte for byte what the download
endpoints serve); the text states the live amount due (or refund due) from the row.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from django.conf import settings
from django.core.mail import EmailMessage

from documents.adapters import invoice_live_state
from documents.formatting import format_date, format_money, language_of
from documents.labels import pgettext_noop, translated
from documents.models import InvoiceSending
from documents.services import stored_document_get_or_create
from invoices.models import Invoice
from invoices.representation import public_url

SUBJECTS: Final = MappingProxyType(
    {
        "invoice": pgettext_noop("invoice e-mail subject", "Invoice {number} from {seller}"),
        "credit_note": pgettext_noop(
            "invoice e-mail subject", "Credit note {number} from {seller}"
        ),
    }
)
BODY: Final = pgettext_noop(
    "invoice e-mail",
    "Hello,\n\nplease find attached {document} {number} of {date} over {amount}{due}.\n\n"
    "{open}\n\nView and download it online: {link}\n",
)
DOCUMENT_NAMES: Final = MappingProxyType(
    {
        # Translators: {document} of the e-mail body, with an article if the language needs one.
        "invoice": pgettext_noop("invoice e-mail", "invoice"),
        "credit_note": pgettext_noop("invoice e-mail", "credit note"),
    }
)
# Translators: {due} of the e-mail body; keep the leading comma.
DUE_TEXT: Final = pgettext_noop("invoice e-mail", ", due on {due}")
# The live figure: what is still to pay (invoices) or to refund (credit notes).
OPEN_AMOUNT_TEXTS: Final = MappingProxyType(
    {
        "invoice": pgettext_noop("invoice e-mail", "Amount due: {amount}."),
        "credit_note": pgettext_noop("invoice e-mail", "Refund due: {amount}."),
    }
)


def default_subject(invoice: Invoice) -> str:
    seller = (invoice.seller or {}).get("name", "")
    with translated(invoice.language) as translate:
        return translate(SUBJECTS[invoice.kind]).format(number=invoice.number, seller=seller)


def _body(invoice: Invoice, link: str, message: str) -> str:
    lang = language_of(invoice.language)
    live = invoice_live_state(invoice)
    open_amount = live.refund_due if invoice.kind == "credit_note" else live.amount_due
    with translated(lang) as translate:
        due = ""
        if invoice.kind == "invoice" and invoice.due_date:
            due = translate(DUE_TEXT).format(due=format_date(invoice.due_date, lang))
        text = translate(BODY).format(
            document=translate(DOCUMENT_NAMES[invoice.kind]),
            number=invoice.number,
            date=format_date(invoice.issue_date, lang),
            amount=format_money(invoice.gross_total, invoice.currency, lang),
            due=due,
            open=translate(OPEN_AMOUNT_TEXTS[invoice.kind]).format(
                amount=format_money(open_amount, invoice.currency, lang)
            ),
            link=link,
        )
    footer = (invoice.seller or {}).get("name", "")
    return f"{message.strip()}\n\n{text}\n{footer}\n" if message.strip() else f"{text}\n{footer}\n"


def build_invoice_email(sending: InvoiceSending) -> EmailMessage:

    invoice = sending.invoice
    seller_email = (invoice.seller or {}).get("email") or ""
    email = EmailMessage(
        subject=sending.subject,
        body=_body(invoice, public_url(invoice) or "", sending.message),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(sending.to),
        cc=list(sending.cc),
        reply_to=[seller_email] if seller_email else None,
    )
    fmt = "facturx" if sending.pdf_format == "facturx" else "pdf"
    attachments = [fmt, "ubl"] if sending.attach_ubl else [fmt]
    for name in attachments:
        attachment = stored_document_get_or_create(invoice=invoice, fmt=name)
        email.attach(attachment.filename, attachment.content, attachment.mimetype)
    return email
