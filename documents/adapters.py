"""Build the renderers' `InvoiceDocument` from an invoice row.

Totals are the stored ones, which `invoices.calculation` produced: no renderer
recomputes money. An issued invoice reads its snapshots (invariant 5); a draft
preview reads the live customer and company settings.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.files.storage import default_storage

from customers.models import Customer
from documents.data import (
    DocumentAllowanceCharge,
    DocumentLine,
    DocumentTaxGroup,
    InvoiceDocument,
    Party,
)
from invoices.calculation import round_money
from invoices.models import Invoice
from invoices.representation import public_url
from invoices.snapshots import buyer_snapshot, seller_snapshot
from settings_app.models import CompanySettings

PARTY_FIELDS = (
    "name",
    "street",
    "city",
    "postal_code",
    "country",
    "tax_id",
    "company_id",
    "email",
    "phone",
    "trading_name",
)


def _party(snapshot: dict[str, Any]) -> Party:
    return Party(**{name: snapshot.get(name) or "" for name in PARTY_FIELDS})


def _logo_path(name: str) -> str:
    if not name:
        return ""
    try:
        return default_storage.path(name)
    except NotImplementedError:  # object storage: the PDF goes without the logo
        return ""


def invoice_document(
    invoice: Invoice,
    *,
    items: list[Any] | None = None,
    allowances_charges: list[Any] | None = None,
    number: str | None = None,
) -> InvoiceDocument:
    """`items`/`allowances_charges` may be passed when already loaded (issue-time check)."""
    currency = invoice.currency
    money = lambda value: round_money(Decimal(value), currency)  # noqa: E731
    if invoice.seller is not None and invoice.buyer is not None:
        seller, buyer = invoice.seller, invoice.buyer
    else:
        seller = seller_snapshot(CompanySettings.load())
        buyer = buyer_snapshot(Customer.all_objects.get(pk=invoice.customer_id))
    items = list(invoice.items.all()) if items is None else items
    allowances_charges = (
        list(invoice.allowances_charges.all()) if allowances_charges is None else allowances_charges
    )
    credited = invoice.credited_invoice if invoice.credited_invoice_id else None
    return InvoiceDocument(
        kind=invoice.kind,
        number=number or invoice.number,
        status=invoice.status,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        currency=currency,
        language=invoice.language or "en",
        seller=_party(seller),
        buyer=_party(buyer),
        lines=tuple(
            DocumentLine(
                position=position,
                description=item.description,
                quantity=item.quantity,
                unit_code=item.unit_code,
                unit_price=item.unit_price,
                price_base_quantity=item.price_base_quantity,
                discount_amount=money(item.discount_amount),
                charge_amount=money(item.charge_amount),
                tax_category=item.tax_category,
                tax_rate=item.tax_rate,
                net_amount=money(item.net_amount),
            )
            for position, item in enumerate(items, start=1)
        ),
        allowances_charges=tuple(
            DocumentAllowanceCharge(
                is_charge=row.is_charge,
                amount=money(row.amount),
                reason=row.reason,
                tax_category=row.tax_category,
                tax_rate=row.tax_rate,
            )
            for row in allowances_charges
        ),
        tax_breakdown=tuple(
            DocumentTaxGroup(
                tax_category=group["tax_category"],
                tax_rate=Decimal(group["tax_rate"]),
                taxable_amount=Decimal(group["taxable_amount"]),
                tax_amount=Decimal(group["tax_amount"]),
            )
            for group in invoice.tax_breakdown
        ),
        line_total=money(invoice.line_total),
        allowance_total=money(invoice.allowance_total),
        charge_total=money(invoice.charge_total),
        net_total=money(invoice.net_total),
        tax_total=money(invoice.tax_total),
        gross_total=money(invoice.gross_total),
        paid_total=money(invoice.paid_total),
        amount_due=money(invoice.amount_due),
        buyer_reference=invoice.buyer_reference,
        notes=invoice.notes,
        credited_invoice_number=(credited.number or "") if credited else "",
        credited_invoice_issue_date=credited.issue_date if credited else None,
        payment_iban=seller.get("iban", ""),
        payment_bic=seller.get("bic", ""),
        payment_reference=number or invoice.number or "",
        footer_text=seller.get("footer", ""),
        logo_path=_logo_path(seller.get("logo", "")),
        public_url=public_url(invoice) or "",
    )
