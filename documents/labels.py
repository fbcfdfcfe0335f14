"""The fixed texts of invoice documents and e-mails, translated through gettext catalogues.

Each text is written in English and marked with ``pgettext_noop(context, text)``; its
translations live in ``documents/locale/<lang>/LC_MESSAGES/django.po``, compiled to
``django.mo`` by ``make messages`` (DEVELOPMENT_GUIDE.md, "Adding a language").
``labels_for(lang)`` gives the document texts of a language by short key; texts with
``{placeholders}`` are filled with ``str.format`` by the renderers.

Every text has a context. It tells a translator where the word stands (``VAT`` over a
column is ``USt.``, as a total ``Umsatzsteuer``), and it keeps these texts apart from
Django's and contrib.admin's catalogues, which Django merges into the same ``django``
domain, earlier apps first: without a context, contrib.auth's "E-Mail-Adresse" would
replace the invoice's "E-Mail".

Translation runs under ``translation.override(lang)`` once Django is set up (the
document texts once per process and language, then kept). Without Django settings (the
renderers also work as a plain library) the same compiled catalogues are read with
Python's ``gettext``; a test checks both give the same texts. A missing or stale
``.mo`` is refused (``CatalogueError``, and the ``documents.E001`` system check) rather
than let Django print English for a German customer.
"""

from __future__ import annotations

import gettext as gettext_module
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Final, NamedTuple

from django.apps import apps
from django.conf import settings
from django.utils import translation

from documents.formatting import DEFAULT_LANGUAGE, LOCALE_DIR, language_of

DOMAIN: Final = "django"


class Text(NamedTuple):
    """One catalogue entry: its context (``msgctxt``) and English text (``msgid``)."""

    context: str
    message: str


def pgettext_noop(context: str, message: str) -> Text:
    """Mark a text for the catalogue (extracted like ``pgettext``), translated later."""
    return Text(context, message)


Translate = Callable[[Text], str]


class CatalogueError(RuntimeError):
    """A language's catalogue is not compiled, or was compiled before its last edit."""


LABELS: Final = MappingProxyType(
    {
        "invoice": pgettext_noop("invoice title", "Invoice"),
        "credit_note": pgettext_noop("invoice title", "Credit note"),
        "invoice_number": pgettext_noop("invoice field", "Invoice number"),
        "credit_note_number": pgettext_noop("invoice field", "Credit note number"),
        "issue_date": pgettext_noop("invoice field", "Issue date"),
        "due_date": pgettext_noop("invoice field", "Due date"),
        "buyer_reference": pgettext_noop("invoice field", "Buyer reference"),
        "order_reference": pgettext_noop("invoice field", "Order reference"),
        "delivery_date": pgettext_noop("invoice field", "Delivery date"),
        "service_period": pgettext_noop("invoice field", "Service period"),
        "payment_terms": pgettext_noop("invoice field", "Payment terms"),
        # Translators: the default payment terms (BT-20) of an issued invoice.
        "payment_terms_default": pgettext_noop(
            "invoice payment", "Payable without deduction by {date}."
        ),
        "credit_note_for": pgettext_noop("invoice", "Credit note for invoice {number}"),
        "credit_note_for_dated": pgettext_noop(
            "invoice", "Credit note for invoice {number} of {date}"
        ),
        "seller": pgettext_noop("invoice party", "From"),
        "buyer": pgettext_noop("invoice party", "Bill to"),
        "vat_id": pgettext_noop("invoice party", "VAT ID"),
        "company_id": pgettext_noop("invoice party", "Company reg. no."),
        "email": pgettext_noop("invoice party", "Email"),
        "phone": pgettext_noop("invoice party", "Phone"),
        "position": pgettext_noop("invoice column", "#"),
        "description": pgettext_noop("invoice column", "Description"),
        "qty": pgettext_noop("invoice column", "Qty"),
        "unit": pgettext_noop("invoice column", "Unit"),
        "unit_price": pgettext_noop("invoice column", "Unit price"),
        # Translators: as in "€4.97 per 100 pcs".
        "per": pgettext_noop("invoice line", "per"),
        "discount": pgettext_noop("invoice column", "Discount"),
        "line_charge": pgettext_noop("invoice line", "Surcharge"),
        "vat": pgettext_noop("invoice column", "VAT"),
        "vat_rate": pgettext_noop("invoice column", "VAT"),
        "net": pgettext_noop("invoice column", "Net"),
        "allowances_charges": pgettext_noop("invoice heading", "Allowances and charges"),
        "allowance": pgettext_noop("invoice adjustment", "Allowance"),
        "charge": pgettext_noop("invoice adjustment", "Charge"),
        "reason": pgettext_noop("invoice column", "Reason"),
        "amount": pgettext_noop("invoice column", "Amount"),
        "vat_breakdown": pgettext_noop("invoice heading", "VAT breakdown"),
        "category": pgettext_noop("invoice column", "Category"),
        "rate": pgettext_noop("invoice column", "Rate"),
        "taxable_amount": pgettext_noop("invoice column", "Taxable amount"),
        "tax_amount": pgettext_noop("invoice column", "VAT amount"),
        "exemption_reason": pgettext_noop("invoice column", "Exemption reason"),
        "subtotal": pgettext_noop("invoice total", "Subtotal"),
        "allowance_total": pgettext_noop("invoice total", "Allowances"),
        "charge_total": pgettext_noop("invoice total", "Charges"),
        "net_total": pgettext_noop("invoice total", "Total net"),
        "tax_total": pgettext_noop("invoice total", "VAT"),
        "total": pgettext_noop("invoice total", "Total"),
        "paid": pgettext_noop("invoice total", "Paid"),
        "amount_due": pgettext_noop("invoice total", "Amount due"),
        "amount_credited": pgettext_noop("invoice total", "Amount credited"),
        "credited": pgettext_noop("invoice total", "Credited"),
        "refunded": pgettext_noop("invoice total", "Refunded"),
        "refund_due": pgettext_noop("invoice total", "Refund due"),
        "payment": pgettext_noop("invoice heading", "Payment"),
        "payment_instruction": pgettext_noop(
            "invoice payment",
            "Please transfer {amount}{due_part} to IBAN {iban}{bic_part} with reference "
            "{reference}.",
        ),
        # Translators: fills {due_part} of "Please transfer ..."; keep the leading space.
        "payment_due_part": pgettext_noop("invoice payment", " by {date}"),
        # Translators: fills {bic_part} of "Please transfer ..."; keep the leading space.
        "payment_bic_part": pgettext_noop("invoice payment", " (BIC {bic})"),
        # Translators: caption of the EPC ("GiroCode") QR code for a SEPA transfer.
        "qr_caption": pgettext_noop("invoice payment", "Scan to pay with your banking app"),
        "paid_in_full": pgettext_noop("invoice payment", "Paid in full. Thank you."),
        "credit_settlement": pgettext_noop(
            "invoice payment", "This amount will be refunded or set off against open invoices."
        ),
        "notes": pgettext_noop("invoice heading", "Notes"),
        "void": pgettext_noop("invoice mark", "VOID"),
        "void_notice": pgettext_noop(
            "invoice notice", "This invoice has been voided and is not payable."
        ),
        "draft": pgettext_noop("invoice mark", "DRAFT"),
        "draft_notice": pgettext_noop("invoice notice", "Draft preview: not a valid invoice."),
        "page": pgettext_noop("invoice page footer", "Page {page} of {pages}"),
        "downloads": pgettext_noop("invoice page", "Download"),
        "not_found_title": pgettext_noop("invoice page", "Invoice not found"),
        "not_found_text": pgettext_noop(
            "invoice page",
            "This link does not lead to an invoice (any more). It may have been replaced by a "
            "new one: please use the link in the latest e-mail, or ask the sender.",
        ),
        "download_pdf": pgettext_noop("invoice download", "PDF"),
        "download_facturx": pgettext_noop("invoice download", "Factur-X (PDF with e-invoice)"),
        "download_ubl": pgettext_noop("invoice download", "UBL (XML e-invoice)"),
        "download_cii": pgettext_noop("invoice download", "CII (XML e-invoice)"),
        "current_status": pgettext_noop("invoice heading", "Current status"),
        "status_issued": pgettext_noop("invoice status", "Open"),
        "status_partially_paid": pgettext_noop("invoice status", "Partially paid"),
        "status_paid": pgettext_noop("invoice status", "Paid"),
        "status_credited": pgettext_noop("invoice status", "Credited"),
        "status_void": pgettext_noop("invoice status", "Void"),
        "status_overdue_one": pgettext_noop("invoice status", "Overdue by 1 day"),
        "status_overdue_days": pgettext_noop("invoice status", "Overdue by {days} days"),
        "credit_notes": pgettext_noop("invoice page", "Credit notes"),
        "cancelled_by": pgettext_noop("invoice page", "Cancelled by credit note"),
        "credited_notice": pgettext_noop(
            "invoice notice", "This invoice has been settled by credit note."
        ),
        "overdue_notice": pgettext_noop("invoice notice", "This invoice is overdue."),
        "refund_settled": pgettext_noop("invoice notice", "This credit note has been settled."),
    }
)

# VAT category codes of UNCL5305 as EN 16931 uses them (BT-118).
CATEGORY_NAMES: Final = MappingProxyType(
    {
        "S": pgettext_noop("VAT category", "Standard rate"),
        "Z": pgettext_noop("VAT category", "Zero rated"),
        "E": pgettext_noop("VAT category", "Exempt from VAT"),
        "AE": pgettext_noop("VAT category", "Reverse charge"),
        "K": pgettext_noop("VAT category", "Intra-community supply"),
        "G": pgettext_noop("VAT category", "Export outside the EU"),
        "O": pgettext_noop("VAT category", "Not subject to VAT"),
        "L": pgettext_noop("VAT category", "Canary Islands tax (IGIC)"),
        "M": pgettext_noop("VAT category", "Ceuta and Melilla tax (IPSI)"),
    }
)

# UN/ECE recommendation 20 codes that invoices commonly carry; others print as is.
UNIT_NAMES: Final = MappingProxyType(
    {
        "C62": pgettext_noop("unit of measure", "pcs"),
        "H87": pgettext_noop("unit of measure", "pcs"),
        "EA": pgettext_noop("unit of measure", "each"),
        "HUR": pgettext_noop("unit of measure", "h"),
        "MIN": pgettext_noop("unit of measure", "min"),
        "DAY": pgettext_noop("unit of measure", "days"),
        "WEE": pgettext_noop("unit of measure", "weeks"),
        "MON": pgettext_noop("unit of measure", "months"),
        "ANN": pgettext_noop("unit of measure", "years"),
        "KGM": pgettext_noop("unit of measure", "kg"),
        "GRM": pgettext_noop("unit of measure", "g"),
        "TNE": pgettext_noop("unit of measure", "t"),
        "MTR": pgettext_noop("unit of measure", "m"),
        "KMT": pgettext_noop("unit of measure", "km"),
        "MTK": pgettext_noop("unit of measure", "m²"),
        "MTQ": pgettext_noop("unit of measure", "m³"),
        "LTR": pgettext_noop("unit of measure", "l"),
        "KWH": pgettext_noop("unit of measure", "kWh"),
        "SET": pgettext_noop("unit of measure", "sets"),
        "LS": pgettext_noop("unit of measure", "lump sum"),
        "PR": pgettext_noop("unit of measure", "pairs"),
        "P1": pgettext_noop("unit of measure", "%"),
    }
)


def catalogue_files(lang: str, locale_dir: Path = LOCALE_DIR) -> tuple[Path, Path]:
    """The ``.po`` source and ``.mo`` compiled catalogue of ``lang``."""
    folder = locale_dir / lang / "LC_MESSAGES"
    return folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"


def check_compiled(po: Path, mo: Path) -> None:
    """Refuse a missing or stale ``.mo``: Django would silently print English instead."""
    if not mo.is_file():
        raise CatalogueError(f"{mo} is missing: run `make messages`")
    if mo.stat().st_mtime < po.stat().st_mtime:
        raise CatalogueError(f"{mo} is older than {po.name}: run `make messages`")


@cache
def _checked(lang: str) -> str:
    # Once per process and language (a failed check is not cached, so it is retried).
    check_compiled(*catalogue_files(lang))
    return lang


@cache
def _standalone(lang: str) -> gettext_module.NullTranslations:
    """The compiled catalogue read with Python's gettext (used without Django settings)."""
    if lang == DEFAULT_LANGUAGE:
        return gettext_module.NullTranslations()  # the texts are written in English
    _, mo = catalogue_files(lang)
    with mo.open("rb") as file:
        return gettext_module.GNUTranslations(file)


def _django_ready() -> bool:
    # With USE_I18N off, Django's gettext answers the English text whatever the language:
    # a document still has to be in its customer's language, so it reads the catalogue.
    return settings.configured and apps.ready and settings.USE_I18N


def _django_translate(text: Text) -> str:
    return translation.pgettext(text.context, text.message)


@contextmanager
def translated(lang: str | None) -> Iterator[Translate]:
    """Within the block, a function giving a ``Text`` in ``lang`` (English if unsupported)."""
    code = language_of(lang)
    if code != DEFAULT_LANGUAGE:
        _checked(code)
    if not _django_ready():
        catalogue = _standalone(code)
        yield lambda text: catalogue.pgettext(text.context, text.message)
        return
    with translation.override(code):
        yield _django_translate


class _Texts(NamedTuple):
    labels: MappingProxyType[str, str]
    categories: MappingProxyType[str, str]
    units: MappingProxyType[str, str]


@cache
def _texts(code: str, django_ready: bool) -> _Texts:
    # Once per process and language (``django_ready`` is only part of the cache key): the
    # catalogues do not change while it runs (Django keeps its own per process too), and
    # an override per text costs tens of µs, an invoice's units and categories included.
    def table(texts: MappingProxyType[str, Text]) -> MappingProxyType[str, str]:
        return MappingProxyType({key: translate(text) for key, text in texts.items()})

    with translated(code) as translate:
        return _Texts(table(LABELS), table(CATEGORY_NAMES), table(UNIT_NAMES))


def _texts_for(lang: str | None) -> _Texts:
    return _texts(language_of(lang), _django_ready())


def labels_for(lang: str | None) -> dict[str, str]:
    """The document texts of ``lang`` (``de``, ``fr-CH``, ...) by key; English if unsupported.

    A new dict on each call, so a caller may change it.
    """
    return dict(_texts_for(lang).labels)


def category_name(code: str, lang: str | None) -> str:
    """The readable name of a UNCL5305 VAT category; the code itself when unknown."""
    return _texts_for(lang).categories.get(code.upper(), code)


def unit_name(code: str, lang: str | None) -> str:
    """A short readable unit for a UN/ECE rec 20 code; the code itself when unknown."""
    return _texts_for(lang).units.get(code.upper(), code)
