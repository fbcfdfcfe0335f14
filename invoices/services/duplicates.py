"""Duplicating: a new draft with the lines and terms of an invoice, for its next sale."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from accounts.models import User
from documents.services import payment_terms_default
from invoices import errors
from invoices.models import ALLOWANCE_CHARGE_FIELDS, ITEM_FIELDS, Invoice, InvoiceKind
from invoices.services.drafts import invoice_create_draft
from settings_app.calendar import company_today


def _typed_payment_terms(invoice: Invoice) -> str:
    """BT-20 as someone wrote it; the sentence issuing generated names the old due date."""
    if invoice.issue_date is None or invoice.due_date is None or not invoice.payment_terms:
        return invoice.payment_terms
    generated = payment_terms_default(due_date=invoice.due_date, language=invoice.language)
    return "" if invoice.payment_terms == generated else invoice.payment_terms


@transaction.atomic
def invoice_duplicate(*, invoice: Invoice, by: User) -> Invoice:
    """A draft of `by` for the same customer with the invoice's lines (their values as
    they stand on the invoice, not the products' current ones), allowances/charges,
    notes, references, exemptions and currency; dated today, due after the customer's
    terms, numbered at its own issue. Issued, void and draft invoices alike.

    A line keeps its product reference unless the product was archived since (an
    archived product is named on no new line; the line's values stay). Credit notes
    are refused (409 `invoice_not_duplicable`): each corrects one invoice.
    """
    if invoice.kind == InvoiceKind.CREDIT_NOTE:
        raise errors.InvoiceNotDuplicable()
    rows = invoice.items.order_by("position", "id").values(
        *ITEM_FIELDS, "product_id", "product__archived"
    )
    items: list[dict[str, Any]] = [
        {
            **{name: row[name] for name in ITEM_FIELDS},
            "product": None if row["product__archived"] else row["product_id"],
        }
        for row in rows
    ]
    allowances_charges = list(
        invoice.allowances_charges.order_by("position", "id").values(*ALLOWANCE_CHARGE_FIELDS)
    )
    return invoice_create_draft(
        owner=by,
        customer=invoice.customer,
        items=items,
        allowances_charges=allowances_charges,
        kind=InvoiceKind.INVOICE,
        series=invoice.series,
        issue_date=company_today(),
        currency=invoice.currency,
        buyer_reference=invoice.buyer_reference,
        notes=invoice.notes,
        order_reference=invoice.order_reference,
        payment_terms=_typed_payment_terms(invoice),
        vat_exemptions=invoice.vat_exemptions,
    )
