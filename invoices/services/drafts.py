"""Drafts: created and changed freely until issued; a draft has no legal weight."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from accounts.models import User
from common.exceptions import ValidationException
from customers.models import Customer
from invoices import errors
from invoices.models import (
    ALLOWANCE_CHARGE_FIELDS,
    ITEM_FIELDS,
    Invoice,
    InvoiceAllowanceCharge,
    InvoiceItem,
    InvoiceKind,
    InvoiceStatus,
)
from invoices.representation import allowance_charge_dict
from invoices.services._lines import (
    allowance_charge_with_defaults,
    business_terms_errors,
    check_dates,
    check_lines,
    check_storable,
    item_with_defaults,
    items_with_products,
    vat_exemptions_normalised,
)
from invoices.totals import apply_totals, totals_for
from settings_app.models import CompanySettings

RATE_PLACES = Decimal("0.01")
# Left out of an update: keep what the draft has.
UNCHANGED: Any = object()


def default_series(kind: str, company: CompanySettings) -> str:
    return company.credit_note_series if kind == InvoiceKind.CREDIT_NOTE else company.invoice_series


def _check_series(kind: str, series: str, company: CompanySettings) -> None:
    """Credit notes are numbered in the credit-note series, invoices never there."""
    if company.credit_note_series == company.invoice_series:
        return  # one series for everything: nothing to tell apart
    if kind == InvoiceKind.CREDIT_NOTE and series != company.credit_note_series:
        raise ValidationException(
            details={
                "series": [f"Credit notes are numbered in the {company.credit_note_series} series."]
            }
        )
    if kind == InvoiceKind.INVOICE and series == company.credit_note_series:
        raise ValidationException(details={"series": [f"The {series} series is for credit notes."]})


def check_credit_note_parties(
    *, kind: str, customer_id: int, owner_id: int, credited_invoice: Invoice | None
) -> None:
    """A credit note corrects one invoice: same customer, same owner (invariant 7)."""
    if credited_invoice is None:
        return
    if kind != InvoiceKind.CREDIT_NOTE:
        raise ValidationException(
            details={"credited_invoice": ["Only a credit note can refer to an invoice."]}
        )
    if credited_invoice.kind != InvoiceKind.INVOICE:
        raise ValidationException(
            details={"credited_invoice": ["A credit note can only correct an invoice."]}
        )
    if credited_invoice.owner_id != owner_id:
        raise ValidationException(
            details={"credited_invoice": ["The invoice belongs to another user."]}
        )
    if credited_invoice.customer_id != customer_id:
        raise ValidationException(
            details={"customer": ["A credit note is for the customer of the invoice it corrects."]}
        )


def _prepared_lines(
    items: Sequence[dict[str, Any]],
    allowances_charges: Sequence[dict[str, Any]],
    currency: str,
    company: CompanySettings,
    *,
    draft: Invoice | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    # Lines naming a product take its values first (one query for all of them).
    items = [item_with_defaults(row, company) for row in items_with_products(items, draft=draft)]
    allowances_charges = [
        allowance_charge_with_defaults(row, company) for row in allowances_charges
    ]
    check_lines(items, allowances_charges, currency)
    # As the columns store them, so read copies built from these rows match a re-read.
    for row in (*items, *allowances_charges):
        row["tax_rate"] = Decimal(row["tax_rate"]).quantize(RATE_PLACES)
    return items, allowances_charges


def _item_rows(
    invoice: Invoice, items: Sequence[dict[str, Any]], nets: Sequence[Any]
) -> list[InvoiceItem]:
    return [
        InvoiceItem(
            invoice=invoice,
            position=position,
            net_amount=net,
            product_id=row.get("product"),
            **{name: row[name] for name in ITEM_FIELDS},
        )
        for position, (row, net) in enumerate(zip(items, nets, strict=True), start=1)
    ]


def _allowance_rows(
    invoice: Invoice, allowances_charges: Sequence[dict[str, Any]]
) -> list[InvoiceAllowanceCharge]:
    return [
        InvoiceAllowanceCharge(
            invoice=invoice,
            position=position,
            **{name: row[name] for name in ALLOWANCE_CHARGE_FIELDS},
        )
        for position, row in enumerate(allowances_charges, start=1)
    ]


def _write_lines(
    invoice: Invoice,
    items: Sequence[dict[str, Any]] | Sequence[InvoiceItem],
    allowances_charges: Sequence[dict[str, Any]] | Sequence[InvoiceAllowanceCharge],
    nets: Sequence[Any] | None,
) -> tuple[list[InvoiceItem], list[InvoiceAllowanceCharge]]:
    """Insert the rows of a draft (each kind in one statement); answers them. Rows built
    already (`nets` None) are inserted as they are."""
    if nets is not None:
        items = _item_rows(invoice, items, nets)
        allowances_charges = _allowance_rows(invoice, allowances_charges)
    for row in (*items, *allowances_charges):
        row.invoice = invoice  # the saved instance: its id
    item_rows = InvoiceItem.objects.bulk_create(items, batch_size=500)
    rows = InvoiceAllowanceCharge.objects.bulk_create(allowances_charges)
    if rows:
        store_allowances_charges_json(invoice, rows)
    return item_rows, rows


def store_allowances_charges_json(invoice: Invoice, rows: Sequence[Any] | None = None) -> None:
    """Rewrite the invoice's read copy of its allowances/charges from the rows."""
    rows = list(invoice.allowances_charges.all()) if rows is None else rows
    data = [allowance_charge_dict(row, invoice.currency) for row in rows]
    if data != invoice.allowances_charges_json:
        invoice.allowances_charges_json = data
        Invoice.objects.filter(pk=invoice.pk).update(allowances_charges_json=data)
        invoice.version += 1  # as the UPDATE moved it: a later save of this copy moves it on


def _check_business_terms(invoice: Invoice, vat_exemptions: Any = UNCHANGED) -> None:
    """BG-14 / BT-72 dates and the exemptions (BT-120/121), as every path stores them."""
    errors: dict[str, Any] = business_terms_errors(
        delivery_date=invoice.delivery_date,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
    )
    if vat_exemptions is not UNCHANGED:
        stored, problems = vat_exemptions_normalised(vat_exemptions)
        if problems:
            errors["vat_exemptions"] = problems
        invoice.vat_exemptions = stored
    if errors:
        raise ValidationException(details=errors)


def _default_due_date(issue_date: dt.date | None, customer: Customer) -> dt.date | None:
    if issue_date is None:
        return None
    return issue_date + dt.timedelta(days=customer.payment_terms_days)


@dataclass
class DraftParts:
    """A draft built and checked in memory, not written yet (`draft_build`)."""

    invoice: Invoice
    items: list[InvoiceItem]
    allowances_charges: list[InvoiceAllowanceCharge]


@transaction.atomic
def invoice_create_draft(**fields: Any) -> Invoice:
    """A draft with its lines in one go; totals computed once, in memory, before insert
    (the arguments: `draft_build`'s)."""
    return invoice_create_draft_parts(draft_build(**fields))


def invoice_create_draft_parts(parts: DraftParts) -> Invoice:
    """Write a draft `draft_build` answered (in the caller's transaction)."""
    invoice = parts.invoice
    invoice.save()
    _write_lines(invoice, parts.items, parts.allowances_charges, None)
    return invoice


def draft_build(
    *,
    owner: User,
    customer: Customer,
    items: Sequence[dict[str, Any]] = (),
    allowances_charges: Sequence[dict[str, Any]] = (),
    kind: str = InvoiceKind.INVOICE,
    series: str = "",
    issue_date: dt.date | None = None,
    due_date: dt.date | None = None,
    currency: str = "",
    buyer_reference: str | None = None,
    notes: str = "",
    credited_invoice: Invoice | None = None,
    order_reference: str = "",
    delivery_date: dt.date | None = None,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
    payment_terms: str = "",
    vat_exemptions: Sequence[dict[str, Any]] = (),
    recurring_invoice_id: int | None = None,
    company: CompanySettings | None = None,
) -> DraftParts:
    """A draft and its lines, checked and totalled, in memory (nothing written).

    `buyer_reference` left out (None) is the customer's default BT-10 (e.g. a Leitweg-ID).
    `recurring_invoice_id`: the schedule that generates it (recurring.services).
    `company`: the settings row when the caller read it already (a batch).
    """
    company = company or CompanySettings.current()
    if customer.is_deleted:
        raise ValidationException(details={"customer": ["The customer was deleted."]})
    check_dates(issue_date=issue_date, due_date=due_date)
    series = series or default_series(kind, company)
    _check_series(kind, series, company)
    check_credit_note_parties(
        kind=kind,
        customer_id=customer.pk,
        owner_id=owner.pk,
        credited_invoice=credited_invoice,
    )
    currency = currency or customer.currency
    items, allowances_charges = _prepared_lines(items, allowances_charges, currency, company)
    due_date = due_date or _default_due_date(issue_date, customer)
    if issue_date and due_date and due_date < issue_date:
        raise ValidationException(
            details={"due_date": ["The due date cannot be before the issue date."]}
        )
    invoice = Invoice(
        owner=owner,
        customer=customer,
        kind=kind,
        series=series,
        issue_date=issue_date,
        due_date=due_date,
        currency=currency,
        language=customer.preferred_language,
        buyer_reference=customer.buyer_reference if buyer_reference is None else buyer_reference,
        notes=notes,
        credited_invoice=credited_invoice,
        order_reference=order_reference,
        delivery_date=delivery_date,
        period_start=period_start,
        period_end=period_end,
        payment_terms=payment_terms,
        recurring_invoice_id=recurring_invoice_id,
    )
    _check_business_terms(invoice, list(vat_exemptions))
    totals = totals_for(items=items, allowances_charges=allowances_charges, currency=currency)
    check_storable(totals)
    apply_totals(invoice, totals)
    return DraftParts(
        invoice,
        _item_rows(invoice, items, totals.line_nets),
        _allowance_rows(invoice, allowances_charges),
    )


def lock_draft(invoice: Invoice) -> Invoice:
    locked = Invoice.objects.select_for_update().select_related("customer").get(pk=invoice.pk)
    if locked.status != InvoiceStatus.DRAFT:
        raise errors.InvoiceNotEditable()
    return locked


@transaction.atomic
def invoice_update_draft(
    *,
    invoice: Invoice,
    customer: Customer = UNCHANGED,
    kind: str = UNCHANGED,
    series: str = UNCHANGED,
    issue_date: dt.date | None = UNCHANGED,
    due_date: dt.date | None = UNCHANGED,
    currency: str = UNCHANGED,
    buyer_reference: str = UNCHANGED,
    notes: str = UNCHANGED,
    items: Sequence[dict[str, Any]] | None = None,
    allowances_charges: Sequence[dict[str, Any]] | None = None,
    order_reference: str = UNCHANGED,
    delivery_date: dt.date | None = UNCHANGED,
    period_start: dt.date | None = UNCHANGED,
    period_end: dt.date | None = UNCHANGED,
    payment_terms: str = UNCHANGED,
    vat_exemptions: Sequence[dict[str, Any]] = UNCHANGED,
) -> Invoice:
    """Change a draft; given `items` / `allowances_charges` replace the old ones whole.

    `kind` and the credited invoice are fixed when the draft is created: a credit note
    belongs to its invoice, and a draft never changes into the other kind.
    """
    invoice = lock_draft(invoice)
    company = CompanySettings.current()
    if kind is not UNCHANGED and kind != invoice.kind:
        raise ValidationException(
            details={"kind": ["The kind of a draft is fixed when it is created."]}
        )
    if customer is not UNCHANGED and customer.pk != invoice.customer_id:
        if customer.is_deleted:
            raise ValidationException(details={"customer": ["The customer was deleted."]})
        invoice.customer = customer
        invoice.language = customer.preferred_language
        if buyer_reference is UNCHANGED and not invoice.buyer_reference:
            invoice.buyer_reference = customer.buyer_reference
        if currency is UNCHANGED:
            invoice.currency = customer.currency
    check_credit_note_parties(
        kind=invoice.kind,
        customer_id=invoice.customer_id,
        owner_id=invoice.owner_id,
        credited_invoice=invoice.credited_invoice,
    )
    if currency is not UNCHANGED:
        invoice.currency = currency or invoice.customer.currency
    changes = {
        "series": series,
        "issue_date": issue_date,
        "due_date": due_date,
        "buyer_reference": buyer_reference,
        "notes": notes,
        "order_reference": order_reference,
        "delivery_date": delivery_date,
        "period_start": period_start,
        "period_end": period_end,
        "payment_terms": payment_terms,
    }
    for name, value in changes.items():
        if value is not UNCHANGED:
            setattr(invoice, name, value)
    invoice.series = invoice.series or default_series(invoice.kind, company)
    _check_series(invoice.kind, invoice.series, company)
    check_dates(issue_date=invoice.issue_date, due_date=invoice.due_date)
    _check_business_terms(
        invoice, vat_exemptions if vat_exemptions is UNCHANGED else list(vat_exemptions)
    )
    if invoice.issue_date and not invoice.due_date:
        invoice.due_date = _default_due_date(invoice.issue_date, invoice.customer)
    if invoice.issue_date and invoice.due_date and invoice.due_date < invoice.issue_date:
        raise ValidationException(
            details={"due_date": ["The due date cannot be before the issue date."]}
        )

    replace_items = items is not None
    replace_allowances = allowances_charges is not None
    if not replace_items:
        items = list(invoice.items.values(*ITEM_FIELDS))
    if not replace_allowances:
        allowances_charges = list(invoice.allowances_charges.values(*ALLOWANCE_CHARGE_FIELDS))
    items, allowances_charges = _prepared_lines(
        items, allowances_charges, invoice.currency, company, draft=invoice
    )

    totals = totals_for(
        items=items, allowances_charges=allowances_charges, currency=invoice.currency
    )
    check_storable(totals)
    apply_totals(invoice, totals)
    invoice.save()
    if replace_items:
        invoice.items.all().delete()
        _write_lines(invoice, items, [], totals.line_nets)
    else:
        store_line_nets(invoice, totals.line_nets)
    if replace_allowances:
        invoice.allowances_charges.all().delete()
        _write_lines(invoice, [], allowances_charges, [])
        if not allowances_charges:
            store_allowances_charges_json(invoice, [])
    elif invoice.allowances_charges_json:  # a currency change moves the shown amounts
        store_allowances_charges_json(invoice)
    return invoice


def store_line_nets(
    invoice: Invoice, nets: Sequence[Any], rows: Sequence[Any] | None = None
) -> None:
    """Keep stored line nets in step with the totals (a currency change moves rounding)."""
    rows = list(invoice.items.only("id", "net_amount")) if rows is None else rows
    changed = []
    for row, net in zip(rows, nets, strict=True):
        if row.net_amount != net:
            row.net_amount = net
            changed.append(row)
    if changed:
        InvoiceItem.objects.bulk_update(changed, ["net_amount"])


@transaction.atomic
def invoice_delete_draft(*, invoice: Invoice) -> None:
    """A draft has no legal weight and goes for good; an issued invoice answers 409."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.DRAFT:
        raise errors.InvoiceNotEditable("Issued invoices cannot be deleted; void them instead.")
    invoice.delete()
