"""How every e-mail of an invoice looks: invoice, credit note, payment reminder per level.

One template set (``documents/email/message.html`` and ``message.txt``) gives both parts
of an ``EmailMultiAlternatives`` from one context, in the customer's language: the
company's (or default) subject and intro (``documents.email_texts``), the personal
message of the sending, the **live** amount due (or refund due) with due date, payment
reference, IBAN and BIC, the EPC QR code for the live amount (EUR, with an IBAN), a
"View invoice" button to the public page, the fee invoice of a reminder, the company's
logo and footer. The logo and the QR code travel as inline images (Content-ID): mail
clients block ``data:`` images and remote ones. The attachments are the stored
documents (byte for byte what the downloads serve): the invoice's PDF or Factur-X,
its UBL if asked, and a reminder's fee invoice PDF.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
from dataclasses import dataclass
from email.mime.image import MIMEImage
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context

from documents.adapters import invoice_document, invoice_live_state
from documents.data import InvoiceDocument, LiveState
from documents.email_texts import email_text, text_key
from documents.epc_qr import epc_payment
from documents.formatting import format_date, format_iban, format_money, language_of
from documents.html import LOGO_MAX_BYTES, template_engine
from documents.labels import labels_for, pgettext_noop, translated
from documents.models import InvoiceSending, SendingPurpose
from documents.services import stored_document_get_or_create
from invoices.models import Invoice
from invoices.representation import public_url
from settings_app.calendar import company_today
from settings_app.models import CompanySettings

HTML_TEMPLATE = "documents/email/message.html"
TEXT_TEMPLATE = "documents/email/message.txt"
QR_CID = "epc-qr"
LOGO_CID = "company-logo"

MAIL_LABELS: Final = MappingProxyType(
    {
        "greeting": pgettext_noop("invoice e-mail", "Hello {customer},"),
        "payment_reference": pgettext_noop("invoice e-mail", "Payment reference"),
        "iban": pgettext_noop("invoice e-mail", "IBAN"),
        "bic": pgettext_noop("invoice e-mail", "BIC"),
        "days_overdue": pgettext_noop("invoice e-mail", "Days overdue"),
        "view_invoice": pgettext_noop("invoice e-mail", "View invoice"),
        "view_credit_note": pgettext_noop("invoice e-mail", "View credit note"),
        # Translators: the plain-text part's stand-in for the "View invoice" button.
        "view_online": pgettext_noop("invoice e-mail", "View and download it online: {link}"),
        "fee_invoice": pgettext_noop(
            "invoice e-mail", "Reminder fee: invoice {number} of {amount}, attached."
        ),
        "sign_off": pgettext_noop("invoice e-mail", "Kind regards,"),
    }
)


@dataclass(frozen=True)
class _Inline:
    cid: str
    content: bytes
    subtype: str


def _placeholder_values(
    doc: InvoiceDocument, live: LiveState, lang: str, today: dt.date
) -> dict[str, str]:
    open_amount = live.refund_due if doc.is_credit_note else live.amount_due
    due = doc.due_date or doc.issue_date
    return {
        "number": doc.number or "",
        "amount_due": format_money(open_amount, doc.currency, lang),
        "due_date": format_date(due, lang),
        "days_overdue": str(max(0, (today - due).days)),
        "company": doc.seller.name,
        "customer": doc.buyer.name,
    }


def _level(sending: InvoiceSending) -> int | None:
    if sending.purpose != SendingPurpose.REMINDER:
        return None
    return max(1, sending.reminder_level or 1)


def default_subject(invoice: Invoice, *, reminder_level: int | None = None) -> str:
    """The subject of the invoice's e-mail (or of its reminder of `reminder_level`)."""
    return _texts(invoice, invoice_document(invoice), reminder_level)[0]


def _texts(
    invoice: Invoice, doc: InvoiceDocument, reminder_level: int | None
) -> tuple[str, str, dict[str, str], LiveState]:
    lang = language_of(invoice.language)
    live = invoice_live_state(invoice)
    values = _placeholder_values(doc, live, lang, company_today())
    subject, intro = email_text(
        CompanySettings.current().email_texts,
        key=text_key(kind=invoice.kind, reminder_level=reminder_level),
        lang=lang,
        values=values,
    )
    return subject, intro, values, live


def _logo(doc: InvoiceDocument) -> _Inline | None:
    path = Path(doc.logo_path) if doc.logo_path else None
    if path is None or not path.is_file() or path.stat().st_size > LOGO_MAX_BYTES:
        return None
    mimetype = mimetypes.guess_type(path.name)[0] or ""
    if not mimetype.startswith("image/"):
        return None
    return _Inline(LOGO_CID, path.read_bytes(), mimetype.split("/", 1)[1])


def _facts(
    doc: InvoiceDocument, live: LiveState, values: dict[str, str], lang: str, level: int | None
) -> list[dict[str, Any]]:
    labels = labels_for(lang)
    if doc.is_credit_note:
        return [{"label": labels["refund_due"], "value": values["amount_due"], "strong": True}]
    facts = [{"label": labels["amount_due"], "value": values["amount_due"], "strong": True}]
    if doc.due_date:
        facts.append({"label": labels["due_date"], "value": values["due_date"]})
    if level and live.is_overdue:
        facts.append({"label": _mail_label("days_overdue", lang), "value": values["days_overdue"]})
    if live.amount_due > 0 and not live.is_void:
        facts.append({"label": _mail_label("payment_reference", lang), "value": doc.number or ""})
        if doc.payment_iban:
            facts.append(
                {"label": _mail_label("iban", lang), "value": format_iban(doc.payment_iban)}
            )
        if doc.payment_bic:
            facts.append({"label": _mail_label("bic", lang), "value": doc.payment_bic})
    return facts


def _mail_label(key: str, lang: str) -> str:
    with translated(lang) as translate:
        return translate(MAIL_LABELS[key])


def _mail_labels(lang: str) -> dict[str, str]:
    with translated(lang) as translate:
        return {key: translate(text) for key, text in MAIL_LABELS.items()}


def _fee(sending: InvoiceSending, lang: str, mail_labels: dict[str, str]) -> dict[str, Any] | None:
    fee = sending.fee_invoice if sending.fee_invoice_id else None
    if fee is None:
        return None
    fee_doc = invoice_document(fee)
    return {
        "text": mail_labels["fee_invoice"].format(
            number=fee.number or "", amount=format_money(fee_doc.gross_total, fee.currency, lang)
        ),
        # How the fee (and any default interest) was computed is what its lines say.
        "lines": [
            {
                "description": line.description,
                "amount": format_money(line.net_amount, fee.currency, lang),
            }
            for line in fee_doc.lines
        ],
    }


def _footer(doc: InvoiceDocument) -> list[str]:
    seller = doc.seller
    city = " ".join(part for part in (seller.postal_code, seller.city) if part)
    address = " · ".join(part for part in (seller.name, seller.street, city) if part)
    return [line for line in (address, doc.footer_text.strip()) if line]


def email_context(sending: InvoiceSending) -> tuple[dict[str, Any], list[_Inline]]:
    """Everything both parts show, as ready-made strings, and the inline images."""
    invoice = sending.invoice
    doc = invoice_document(invoice)
    level = _level(sending)
    lang = language_of(invoice.language)
    subject, intro, values, live = _texts(invoice, doc, level)
    if level is None and sending.subject:
        subject = sending.subject  # chosen when it was queued (or given by the sender)
    mail_labels = _mail_labels(lang)
    inline = []
    payment = None if doc.is_credit_note or live.is_void else epc_payment(doc, live.amount_due)
    if payment is not None:
        inline.append(_Inline(QR_CID, payment.png(), "png"))
    logo = _logo(doc)
    if logo is not None:
        inline.append(logo)
    link = public_url(invoice) or ""
    context = {
        "lang": lang,
        "subject": subject,
        "greeting": mail_labels["greeting"].format(customer=doc.buyer.name),
        "message": sending.message.strip(),
        "intro": intro,
        "facts": _facts(doc, live, values, lang, level),
        "fee": _fee(sending, lang, mail_labels),
        "link": link,
        "button": mail_labels["view_credit_note" if doc.is_credit_note else "view_invoice"],
        "view_online": mail_labels["view_online"].format(link=link) if link else "",
        "qr_cid": QR_CID if payment is not None else "",
        "qr_caption": labels_for(lang)["qr_caption"],
        "logo_cid": LOGO_CID if logo is not None else "",
        "company": doc.seller.name,
        "sign_off": mail_labels["sign_off"],
        "footer": _footer(doc),
    }
    return context, inline


def _render(name: str, context: dict[str, Any], *, autoescape: bool) -> str:
    template = template_engine().get_template(name)
    return template.render(Context(context, autoescape=autoescape))


def _text_part(context: dict[str, Any]) -> str:
    # The text template keeps its own line breaks; blank lines left by empty blocks go.
    lines = _render(TEXT_TEMPLATE, context, autoescape=False).splitlines()
    text, blank = [], False
    for line in (line.rstrip() for line in lines):
        if not line and (blank or not text):
            continue
        blank = not line
        text.append(line)
    return "\n".join(text).strip() + "\n"


def _inline_image(image: _Inline) -> MIMEImage:
    part = MIMEImage(image.content, _subtype=image.subtype)
    part.add_header("Content-ID", f"<{image.cid}>")
    part.add_header("Content-Disposition", "inline", filename=f"{image.cid}.{image.subtype}")
    return part


def build_invoice_email(sending: InvoiceSending) -> EmailMultiAlternatives:
    """The e-mail of a sending: text and HTML parts, inline images, stored attachments."""
    invoice = sending.invoice
    context, inline = email_context(sending)
    seller_email = (invoice.seller or {}).get("email") or ""
    email = EmailMultiAlternatives(
        subject=context["subject"],
        body=_text_part(context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(sending.to),
        cc=list(sending.cc),
        reply_to=[seller_email] if seller_email else None,
    )
    email.attach_alternative(_render(HTML_TEMPLATE, context, autoescape=True), "text/html")
    for image in inline:
        email.attach(_inline_image(image))
    fmt = "facturx" if sending.pdf_format == "facturx" else "pdf"
    attachments = [(invoice, fmt)] + ([(invoice, "ubl")] if sending.attach_ubl else [])
    if sending.fee_invoice_id:
        attachments.append((sending.fee_invoice, "pdf"))
    for owner, name in attachments:
        attachment = stored_document_get_or_create(invoice=owner, fmt=name)
        email.attach(attachment.filename, attachment.content, attachment.mimetype)
    return email
