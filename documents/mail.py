"""The e-mail that carries an invoice: text in the customer's language, the link, files.

The attachments are the stored documents (as issued, byte for byte what the download
endpoints serve); the text states the live amount due (or refund due) from the row.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage

from documents.adapters import invoice_live_state
from documents.formatting import format_date, format_money, language_of
from documents.models import InvoiceSending
from invoices.models import Invoice
from invoices.representation import public_url

SUBJECTS = {
    "en": {
        "invoice": "Invoice {number} from {seller}",
        "credit_note": "Credit note {number} from {seller}",
    },
    "de": {
        "invoice": "Rechnung {number} von {seller}",
        "credit_note": "Gutschrift {number} von {seller}",
    },
    "fr": {"invoice": "Facture {number} de {seller}", "credit_note": "Avoir {number} de {seller}"},
}
BODIES = {
    "en": (
        "Hello,\n\nplease find attached {document} {number} of {date} over {amount}"
        "{due}.\n\n{open}\n\nView and download it online: {link}\n"
    ),
    "de": (
        "Guten Tag,\n\nanbei erhalten Sie {document} {number} vom {date} über {amount}"
        "{due}.\n\n{open}\n\nOnline ansehen und herunterladen: {link}\n"
    ),
    "fr": (
        "Bonjour,\n\nveuillez trouver ci-joint {document} {number} du {date} d'un montant de "
        "{amount}{due}.\n\n{open}\n\nConsulter et télécharger en ligne : {link}\n"
    ),
}
DOCUMENT_NAMES = {
    "en": {"invoice": "invoice", "credit_note": "credit note"},
    "de": {"invoice": "die Rechnung", "credit_note": "die Gutschrift"},
    "fr": {"invoice": "la facture", "credit_note": "l'avoir"},
}
DUE_TEXTS = {"en": ", due on {due}", "de": ", fällig am {due}", "fr": ", payable le {due}"}
# The live figure: what is still to pay (invoices) or to refund (credit notes).
OPEN_AMOUNT_TEXTS = {
    "en": {"invoice": "Amount due: {amount}.", "credit_note": "Refund due: {amount}."},
    "de": {"invoice": "Offener Betrag: {amount}.", "credit_note": "Zu erstatten: {amount}."},
    "fr": {
        "invoice": "Montant restant dû : {amount}.",
        "credit_note": "Montant à rembourser : {amount}.",
    },
}


def default_subject(invoice: Invoice) -> str:
    lang = language_of(invoice.language)
    seller = (invoice.seller or {}).get("name", "")
    return SUBJECTS[lang][invoice.kind].format(number=invoice.number, seller=seller)


def _body(invoice: Invoice, link: str, message: str) -> str:
    lang = language_of(invoice.language)
    live = invoice_live_state(invoice)
    open_amount = live.refund_due if invoice.kind == "credit_note" else live.amount_due
    due = ""
    if invoice.kind == "invoice" and invoice.due_date:
        due = DUE_TEXTS[lang].format(due=format_date(invoice.due_date, lang))
    text = BODIES[lang].format(
        document=DOCUMENT_NAMES[lang][invoice.kind],
        number=invoice.number,
        date=format_date(invoice.issue_date, lang),
        amount=format_money(invoice.gross_total, invoice.currency, lang),
        due=due,
        open=OPEN_AMOUNT_TEXTS[lang][invoice.kind].format(
            amount=format_money(open_amount, invoice.currency, lang)
        ),
        link=link,
    )
    footer = (invoice.seller or {}).get("name", "")
    return f"{message.strip()}\n\n{text}\n{footer}\n" if message.strip() else f"{text}\n{footer}\n"


def build_invoice_email(sending: InvoiceSending) -> EmailMessage:
    from documents.services import stored_document_get_or_create

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
