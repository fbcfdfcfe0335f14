"""The e-mail that carries an invoice: text in the customer's language, the link, files."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage

from documents.adapters import invoice_document
from documents.formatting import format_date, format_money, language_of
from documents.models import InvoiceSending
from documents.renderers import RENDERERS
from invoices.models import Invoice

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
        "{due}.\n\nView and download it online: {link}\n"
    ),
    "de": (
        "Guten Tag,\n\nanbei erhalten Sie {document} {number} vom {date} über {amount}"
        "{due}.\n\nOnline ansehen und herunterladen: {link}\n"
    ),
    "fr": (
        "Bonjour,\n\nveuillez trouver ci-joint {document} {number} du {date} d'un montant de "
        "{amount}{due}.\n\nConsulter et télécharger en ligne : {link}\n"
    ),
}
DOCUMENT_NAMES = {
    "en": {"invoice": "invoice", "credit_note": "credit note"},
    "de": {"invoice": "die Rechnung", "credit_note": "die Gutschrift"},
    "fr": {"invoice": "la facture", "credit_note": "l'avoir"},
}
DUE_TEXTS = {"en": ", due on {due}", "de": ", fällig am {due}", "fr": ", payable le {due}"}


def default_subject(invoice: Invoice) -> str:
    lang = language_of(invoice.language)
    seller = (invoice.seller or {}).get("name", "")
    return SUBJECTS[lang][invoice.kind].format(number=invoice.number, seller=seller)


def _body(invoice: Invoice, link: str, message: str) -> str:
    lang = language_of(invoice.language)
    due = ""
    if invoice.kind == "invoice" and invoice.due_date:
        due = DUE_TEXTS[lang].format(due=format_date(invoice.due_date, lang))
    text = BODIES[lang].format(
        document=DOCUMENT_NAMES[lang][invoice.kind],
        number=invoice.number,
        date=format_date(invoice.issue_date, lang),
        amount=format_money(invoice.gross_total, invoice.currency, lang),
        due=due,
        link=link,
    )
    footer = (invoice.seller or {}).get("name", "")
    return f"{message.strip()}\n\n{text}\n{footer}\n" if message.strip() else f"{text}\n{footer}\n"


def build_invoice_email(sending: InvoiceSending) -> EmailMessage:
    invoice = sending.invoice
    doc = invoice_document(invoice)
    email = EmailMessage(
        subject=sending.subject,
        body=_body(invoice, doc.public_url, sending.message),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(sending.to),
        cc=list(sending.cc),
        reply_to=[doc.seller.email] if doc.seller.email else None,
    )
    if sending.pdf_format == "facturx":
        attachment = RENDERERS["facturx"](doc)
    else:
        from documents.services import invoice_pdf_stored

        attachment = invoice_pdf_stored(invoice=invoice)
    email.attach(attachment.filename, attachment.content, attachment.mimetype)
    if sending.attach_ubl:
        ubl = RENDERERS["ubl"](doc)
        email.attach(ubl.filename, ubl.content, ubl.mimetype)
    return email
