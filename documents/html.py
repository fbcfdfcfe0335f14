"""HTML of an invoice: the template context, the template engine, the customer's page.

One template family serves the PDF (``documents/invoice.html``, turned into PDF by
``documents.pdf``) and the customer's page (``documents/invoice_page.html``); both
include ``documents/_invoice_body.html``. A document shows the invoice as issued (or a
draft preview); only the customer's page adds the live state (``LiveState``: paid,
credited, amount due, void, overdue) beside it. The engine is a standalone Django
``Engine`` with autoescape, so rendering needs no Django settings, and the context
holds only ready-made strings: texts translated from the catalogues by
``documents.labels``, figures formatted by ``documents.formatting``. Templates never
translate, format numbers or format dates themselves.
"""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.template import Context, Engine

from documents.data import DocumentLine, InvoiceDocument, LiveState, Party
from documents.einvoice.codes import exemption_for
from documents.epc_qr import epc_payment
from documents.formatting import (
    format_country,
    format_date,
    format_decimal_plain,
    format_iban,
    format_money,
    format_percent,
    language_of,
)
from documents.labels import category_name, labels_for, unit_name

HERE = Path(__file__).resolve().parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static" / "documents"

# Order of the customer's download links, whatever order the caller's dict has.
DOWNLOAD_ORDER = ("pdf", "facturx", "ubl", "cii")
LOGO_MAX_BYTES = 2 * 1024 * 1024


@cache
def template_engine() -> Engine:
    """The standalone engine (cached loader, autoescape, no i18n, no settings)."""
    return Engine(dirs=[str(TEMPLATES_DIR)], autoescape=True, debug=False)


@cache
def static_text(name: str) -> str:
    """A stylesheet of ``static/documents`` (read once per process)."""
    return (STATIC_DIR / name).read_text(encoding="utf-8")


def render_template(name: str, context: Mapping[str, Any]) -> str:
    """Render one template of the family with a prepared context."""
    template = template_engine().get_template(name)
    return template.render(Context(dict(context), autoescape=True))


def _party(party: Party, lang: str, labels: Mapping[str, str]) -> dict[str, Any]:
    city = " ".join(part for part in (party.postal_code, party.city) if part)
    address = [line for line in (party.street, city, format_country(party.country, lang)) if line]
    details = [
        (labels[key], value)
        for key, value in (
            ("vat_id", party.tax_id),
            ("company_id", party.company_id),
            ("email", party.email),
            ("phone", party.phone),
        )
        if value
    ]
    return {
        "name": party.name,
        "trading_name": party.trading_name if party.trading_name != party.name else "",
        "address": address,
        "details": [{"label": label, "value": value} for label, value in details],
    }


def _line(
    line: DocumentLine, currency: str, lang: str, labels: Mapping[str, str]
) -> dict[str, str]:
    unit = unit_name(line.unit_code, lang)
    price_base = ""
    if line.price_base_quantity != 1:
        base = format_decimal_plain(line.price_base_quantity, lang)
        price_base = f"{labels['per']} {base} {unit}"
    charge = ""
    if line.charge_amount:
        charge = f"{labels['line_charge']}: {format_money(line.charge_amount, currency, lang)}"
    return {
        "position": str(line.position),
        "description": line.description,
        "charge": charge,
        "quantity": format_decimal_plain(line.quantity, lang),
        "unit": unit,
        "unit_price": format_money(line.unit_price, currency, lang),
        "price_base": price_base,
        "discount": (
            format_money(-line.discount_amount, currency, lang) if line.discount_amount else ""
        ),
        "vat": format_percent(line.tax_rate, lang),
        "net": format_money(line.net_amount, currency, lang),
    }


def _vat_label(category: str, rate: Decimal, lang: str) -> str:
    if category.upper() == "S" or rate:
        return format_percent(rate, lang)
    return category_name(category, lang)


def _money_row(
    doc: InvoiceDocument, lang: str, labels: Mapping[str, str], key: str, amount: Decimal, css=""
) -> dict[str, str]:
    return {"label": labels[key], "value": format_money(amount, doc.currency, lang), "css": css}


def _totals(
    doc: InvoiceDocument, lang: str, labels: Mapping[str, str], live: LiveState | None = None
) -> list[dict[str, str]]:
    def row(key: str, amount: Decimal, css: str = "") -> dict[str, str]:
        return _money_row(doc, lang, labels, key, amount, css)

    rows = []
    if doc.allowance_total or doc.charge_total:
        rows.append(row("subtotal", doc.line_total))
        if doc.allowance_total:
            rows.append(row("allowance_total", -doc.allowance_total))
        if doc.charge_total:
            rows.append(row("charge_total", doc.charge_total))
    rows.append(row("net_total", doc.net_total))
    rows.append(row("tax_total", doc.tax_total))
    rows.append(row("total", doc.gross_total, "gross"))
    if live is not None:  # the page: what is paid, credited and due now
        if live.paid_total:
            rows.append(row("refunded" if doc.is_credit_note else "paid", -live.paid_total))
        if doc.is_credit_note:
            rows.append(row("refund_due", live.refund_due, "due"))
            return rows
        if live.credited_total:
            rows.append(row("credited", -live.credited_total))
        rows.append(row("amount_due", live.amount_due, "due"))
        return rows
    if doc.paid_total:
        rows.append(row("paid", -doc.paid_total))
    rows.append(
        row("amount_credited" if doc.is_credit_note else "amount_due", doc.amount_due, "due")
    )
    return rows


def _payment_text(
    doc: InvoiceDocument, lang: str, labels: Mapping[str, str], live: LiveState | None = None
) -> str:
    if live is not None:
        return _live_payment_text(doc, lang, labels, live)
    if doc.is_credit_note:
        return labels["credit_settlement"]
    if doc.amount_due <= 0:
        return labels["paid_in_full"] if doc.paid_total else ""
    return _payment_instruction(doc, doc.amount_due, lang, labels)


def _live_payment_text(
    doc: InvoiceDocument, lang: str, labels: Mapping[str, str], live: LiveState
) -> str:
    if doc.is_credit_note:
        return labels["credit_settlement"] if live.refund_due > 0 else labels["refund_settled"]
    if live.is_void:
        return ""  # the notice says it is void and not payable
    if live.amount_due <= 0:
        if live.status == "credited":
            return labels["credited_notice"]
        return labels["paid_in_full"]
    return _payment_instruction(doc, live.amount_due, lang, labels)


def _payment_instruction(
    doc: InvoiceDocument, amount: Decimal, lang: str, labels: Mapping[str, str]
) -> str:
    if not doc.payment_iban:
        return ""
    due_part = ""
    if doc.due_date:
        due_part = labels["payment_due_part"].format(date=format_date(doc.due_date, lang))
    bic_part = labels["payment_bic_part"].format(bic=doc.payment_bic) if doc.payment_bic else ""
    return labels["payment_instruction"].format(
        amount=format_money(amount, doc.currency, lang),
        due_part=due_part,
        iban=format_iban(doc.payment_iban),
        bic_part=bic_part,
        reference=doc.payment_reference or doc.number or labels["draft"],
    )


def _payment_qr(doc: InvoiceDocument, live: LiveState | None) -> str:
    """The EPC QR code's image (data URI): the amount at issue on a document, the live
    amount due on the page (none once void, paid or credited); "" where none belongs."""
    if live is not None and live.is_void:
        return ""
    payment = epc_payment(doc, live.amount_due if live is not None else doc.amount_due)
    return payment.png_data_uri() if payment is not None else ""


def _paragraphs(text: str) -> list[str]:
    blocks = "\n".join(line.rstrip() for line in text.strip().splitlines()).split("\n\n")
    return [block.strip() for block in blocks if block.strip()]


def document_title(doc: InvoiceDocument) -> str:
    """``Invoice INV-2026-00042`` in the document's language (``Invoice`` for drafts)."""
    labels = labels_for(doc.language)
    kind = labels["credit_note" if doc.is_credit_note else "invoice"]
    return f"{kind} {doc.number}" if doc.number else kind


def logo_data_uri(path: str) -> str:
    """The logo file as a ``data:`` URI, so a page needs no request for it; "" if unusable."""
    file = Path(path)
    mimetype = mimetypes.guess_type(file.name)[0] or ""
    if not mimetype.startswith("image/") or not file.is_file():
        return ""
    if file.stat().st_size > LOGO_MAX_BYTES:
        return ""
    return f"data:{mimetype};base64,{base64.b64encode(file.read_bytes()).decode('ascii')}"


def _live_rows(
    doc: InvoiceDocument, lang: str, labels: Mapping[str, str], live: LiveState
) -> list[dict[str, str]]:
    def row(key: str, amount: Decimal, css: str = "") -> dict[str, str]:
        return _money_row(doc, lang, labels, key, amount, css)

    if doc.is_credit_note:
        rows = [row("amount_credited", doc.gross_total, "gross")]
        if live.paid_total:
            rows.append(row("refunded", live.paid_total))
        rows.append(row("refund_due", live.refund_due, "due"))
        return rows
    return [
        row("total", doc.gross_total, "gross"),
        row("paid", live.paid_total),
        row("credited", live.credited_total),
        row("amount_due", live.amount_due, "due"),
    ]


def _live_context(
    doc: InvoiceDocument, lang: str, labels: Mapping[str, str], live: LiveState
) -> dict[str, Any]:
    """The page's status panel: live status, paid, credited, due, credit notes."""
    badges = [{"label": labels.get(f"status_{live.status}", live.status), "css": live.status}]
    if live.is_overdue:
        overdue = (
            labels["status_overdue_one"]
            if live.days_overdue == 1
            else labels["status_overdue_days"].format(days=live.days_overdue)
        )
        badges.append({"label": overdue, "css": "overdue"})
    notices = []
    if live.is_void:
        notices.append(labels["void_notice"])
    elif live.is_overdue:
        notices.append(labels["overdue_notice"])
    credit_notes = [
        {
            "number": ref.number,
            "url": _safe_link(ref.url) if ref.url else "",
            "amount": (
                format_money(ref.gross_total, doc.currency, lang)
                if ref.gross_total is not None
                else ""
            ),
            "date": format_date(ref.issue_date, lang) if ref.issue_date else "",
        }
        for ref in live.credit_notes
        if ref.number
    ]
    return {
        "badges": badges,
        "notices": notices,
        "rows": _live_rows(doc, lang, labels, live),
        "credit_notes": credit_notes,
        "credit_notes_label": labels["cancelled_by" if live.is_void else "credit_notes"],
    }


def invoice_context(
    doc: InvoiceDocument, *, logo_src: str = "", live: LiveState | None = None
) -> dict[str, Any]:
    """Everything the invoice templates show, as escaped-at-render plain strings.

    `live` (the customer's page only) adds the live state; a document never has it.
    """
    lang = language_of(doc.language)
    labels = labels_for(lang)
    currency = doc.currency
    number_key = "credit_note_number" if doc.is_credit_note else "invoice_number"
    meta = [(labels[number_key], doc.number or labels["draft"])]
    meta.append((labels["issue_date"], format_date(doc.issue_date, lang)))
    if doc.due_date and not doc.is_credit_note:
        meta.append((labels["due_date"], format_date(doc.due_date, lang)))
    if doc.buyer_reference:
        meta.append((labels["buyer_reference"], doc.buyer_reference))
    if doc.order_reference:
        meta.append((labels["order_reference"], doc.order_reference))
    if doc.delivery_date:
        meta.append((labels["delivery_date"], format_date(doc.delivery_date, lang)))
    if doc.period_start or doc.period_end:
        period = " \N{EN DASH} ".join(
            format_date(day, lang) for day in (doc.period_start, doc.period_end) if day
        )
        meta.append((labels["service_period"], period))
    if doc.payment_terms and not doc.is_credit_note:
        meta.append((labels["payment_terms"], doc.payment_terms))
    credited = ""
    if doc.is_credit_note and doc.credited_invoice_number:
        if doc.credited_invoice_issue_date:
            credited = labels["credit_note_for_dated"].format(
                number=doc.credited_invoice_number,
                date=format_date(doc.credited_invoice_issue_date, lang),
            )
        else:
            credited = labels["credit_note_for"].format(number=doc.credited_invoice_number)
    notice = labels["draft_notice"] if doc.is_draft else ""  # a void one: the live panel
    is_void = live is not None and live.is_void
    tax_rows = [
        {
            "category": category_name(group.tax_category, lang),
            "rate": format_percent(group.tax_rate, lang),
            "taxable": format_money(group.taxable_amount, currency, lang),
            "tax": format_money(group.tax_amount, currency, lang),
            "reason": " ".join(
                part
                for part in exemption_for(
                    group.tax_category, group.exemption_code, group.exemption_reason
                )
                if part
            ),
        }
        for group in doc.tax_breakdown
    ]
    allowances_charges = [
        {
            "kind": labels["charge" if item.is_charge else "allowance"],
            "reason": item.reason,
            "vat": _vat_label(item.tax_category, item.tax_rate, lang),
            "amount": format_money(item.amount if item.is_charge else -item.amount, currency, lang),
        }
        for item in doc.allowances_charges
    ]
    lines = [_line(line, currency, lang, labels) for line in doc.lines]
    return {
        "lang": lang,
        "labels": labels,
        # Amounts past the fixed columns' width (about 123,456.78 €) switch the tables to
        # a smaller, number-first layout instead of spilling over the margin.
        "wide_numbers": _widest_amount(lines, tax_rows, allowances_charges) > WIDE_AMOUNT_CHARS,
        "title": labels["credit_note" if doc.is_credit_note else "invoice"],
        "document_title": document_title(doc),
        "credited": credited,
        "notice": notice,
        "is_void": is_void,
        "is_draft": doc.is_draft,
        "watermark": labels["draft"] if doc.is_draft else "",
        "logo_src": logo_src,
        "seller": _party(doc.seller, lang, labels),
        "buyer": _party(doc.buyer, lang, labels),
        "meta": [{"label": label, "value": value} for label, value in meta],
        "lines": lines,
        "has_discounts": any(line.discount_amount for line in doc.lines),
        "allowances_charges": allowances_charges,
        "tax_rows": tax_rows,
        "totals": _totals(doc, lang, labels, live),
        "payment_text": _payment_text(doc, lang, labels, live),
        "payment_qr": _payment_qr(doc, live),
        "live": _live_context(doc, lang, labels, live) if live is not None else None,
        "notes": _paragraphs(doc.notes),
        "footer_text": doc.footer_text.strip(),
    }


WIDE_AMOUNT_CHARS = 12


def _widest_amount(
    lines: list[dict[str, str]],
    tax_rows: list[dict[str, str]],
    allowances_charges: list[dict[str, str]],
) -> int:
    amounts = [row[key] for row in lines for key in ("unit_price", "discount", "net")]
    amounts += [row[key] for row in tax_rows for key in ("taxable", "tax")]
    amounts += [row["amount"] for row in allowances_charges]
    return max((len(amount) for amount in amounts), default=0)


def _safe_link(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("", "http", "https") or (not parts.scheme and parts.netloc):
        raise ValueError(f"not a downloadable link: {url!r}")
    return url


def render_invoice_html(
    doc: InvoiceDocument, *, download_links: dict[str, str], live: LiveState | None = None
) -> str:
    """The customer's page of an issued invoice: the document, its live state, its files.

    ``download_links`` maps a format (``pdf``, ``facturx``, ``ubl``, ``cii``, or another
    name) to its URL; they and the links to the invoice's credit notes' pages are the
    page's only links, and the page has no scripts and loads nothing (styles inline,
    the logo as a ``data:`` URI). ``live``: the status panel and the live totals.
    Drafts have no page.
    """
    if doc.is_draft:
        raise ValueError("a draft has no customer page")
    context = invoice_context(
        doc, logo_src=logo_data_uri(doc.logo_path) if doc.logo_path else "", live=live
    )
    labels = context["labels"]
    ordered = sorted(
        download_links.items(),
        key=lambda item: (
            DOWNLOAD_ORDER.index(item[0]) if item[0] in DOWNLOAD_ORDER else len(DOWNLOAD_ORDER),
            item[0],
        ),
    )
    context["downloads"] = [
        {"label": labels.get(f"download_{key}", key.upper()), "url": _safe_link(url)}
        for key, url in ordered
    ]
    context["inline_css"] = static_text("invoice.css") + static_text("invoice-screen.css")
    return render_template("documents/invoice_page.html", context)


def render_not_found_html(lang: str | None) -> str:
    """The friendly page of an unknown or revoked link, in `lang` (English if unsupported)."""
    code = language_of(lang)
    return render_template(
        "documents/invoice_not_found.html", {"lang": code, "labels": labels_for(code)}
    )
