"""Every write on invoices with business rules: one keyword-only function, one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, QuerySet, Sum
from django.utils import timezone

from accounts.models import User
from common.exceptions import ValidationException
from customers.models import Customer
from customers.services import customer_statistics_add
from invoices import errors
from invoices.calculation import InvoiceTotals, round_money
from invoices.models import (
    ALLOWANCE_CHARGE_FIELDS,
    COUNTED_STATUSES,
    ITEM_FIELDS,
    OPEN_STATUSES,
    Invoice,
    InvoiceAllowanceCharge,
    InvoiceItem,
    InvoiceKind,
    InvoiceStatus,
    NumberSequence,
    Payment,
    new_public_token,
)
from invoices.representation import allowance_charge_dict, payment_dict
from invoices.signals import recalculation_suppressed, statistics_suppressed
from invoices.snapshots import buyer_snapshot, seller_snapshot
from invoices.totals import TOTAL_FIELDS, apply_totals, totals_for
from settings_app.models import CompanySettings

ZERO = Decimal("0")
ADDRESS_FIELDS = ("name", "street", "city", "postal_code", "country")


# --- drafts ---------------------------------------------------------------------------


# What the item columns store: a value with more decimals would be computed with one
# precision and stored with another, and the stored lines would no longer add up.
STORED_DECIMALS = {"quantity": 4, "unit_price": 4, "price_base_quantity": 4}


def _check_precision(row: dict[str, Any]) -> None:
    for name, places in STORED_DECIMALS.items():
        value = Decimal(row[name])
        if value != value.quantize(Decimal(1).scaleb(-places)):
            raise ValidationException(
                f"{name} has more than {places} decimals.",
                details={name: [f"Ensure that there are no more than {places} decimal places."]},
            )


# Amounts are stored as DecimalField(max_digits=19, decimal_places=4): below 10^15.
# Each input fits, but quantity x price can exceed it; PostgreSQL refuses such a row,
# SQLite stores it and every later read of the invoice fails.
_MONEY_FIELD = Invoice._meta.get_field("gross_total")
MAX_STORABLE_AMOUNT = Decimal(10) ** (_MONEY_FIELD.max_digits - _MONEY_FIELD.decimal_places)


def _check_storable(totals: InvoiceTotals) -> None:
    amounts = [*totals.line_nets, *(getattr(totals, name) for name in TOTAL_FIELDS)]
    if any(abs(amount) >= MAX_STORABLE_AMOUNT for amount in amounts):
        message = f"Amounts are too large: every total must stay below {MAX_STORABLE_AMOUNT:,}."
        raise ValidationException(message, details={"items": [message]})


def _item_defaults(row: dict[str, Any], company: CompanySettings) -> dict[str, Any]:
    row = {**row}
    row.setdefault("unit_code", "C62")
    row.setdefault("price_base_quantity", Decimal("1"))
    row.setdefault("discount_amount", ZERO)
    row.setdefault("charge_amount", ZERO)
    row.setdefault("tax_category", "S")
    if row.get("tax_rate") is None:
        row["tax_rate"] = company.default_tax_rate if row["tax_category"] == "S" else ZERO
    _check_precision(row)
    return row


def _allowance_defaults(row: dict[str, Any], company: CompanySettings) -> dict[str, Any]:
    row = {**row}
    row.setdefault("reason", "")
    row.setdefault("tax_category", "S")
    if row.get("tax_rate") is None:
        row["tax_rate"] = company.default_tax_rate if row["tax_category"] == "S" else ZERO
    return row


def _write_lines(
    invoice: Invoice,
    items: Sequence[dict[str, Any]],
    allowances_charges: Sequence[dict[str, Any]],
    nets: Sequence[Decimal],
) -> None:
    """Insert the rows of a draft (each kind in one statement)."""
    InvoiceItem.objects.bulk_create(
        [
            InvoiceItem(
                invoice=invoice,
                position=position,
                net_amount=net,
                **{name: row[name] for name in ITEM_FIELDS},
            )
            for position, (row, net) in enumerate(zip(items, nets, strict=True), start=1)
        ],
        batch_size=500,
    )
    InvoiceAllowanceCharge.objects.bulk_create(
        [
            InvoiceAllowanceCharge(
                invoice=invoice,
                position=position,
                **{name: row[name] for name in ALLOWANCE_CHARGE_FIELDS},
            )
            for position, row in enumerate(allowances_charges, start=1)
        ]
    )


def _default_series(kind: str, company: CompanySettings) -> str:
    return company.credit_note_series if kind == InvoiceKind.CREDIT_NOTE else company.invoice_series


@transaction.atomic
def invoice_create_draft(
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
    buyer_reference: str = "",
    notes: str = "",
    credited_invoice: Invoice | None = None,
) -> Invoice:
    """A draft with its lines in one go; totals computed once, in memory, before insert."""
    company = CompanySettings.current()
    items = [_item_defaults(row, company) for row in items]
    allowances_charges = [_allowance_defaults(row, company) for row in allowances_charges]
    currency = currency or customer.currency
    if issue_date and not due_date:
        due_date = issue_date + dt.timedelta(days=customer.payment_terms_days)
    invoice = Invoice(
        owner=owner,
        customer=customer,
        kind=kind,
        series=series or _default_series(kind, company),
        issue_date=issue_date,
        due_date=due_date,
        currency=currency,
        language=customer.preferred_language,
        buyer_reference=buyer_reference,
        notes=notes,
        credited_invoice=credited_invoice,
    )
    totals = totals_for(items=items, allowances_charges=allowances_charges, currency=currency)
    _check_storable(totals)
    apply_totals(invoice, totals)
    invoice.save()
    _write_lines(invoice, items, allowances_charges, totals.line_nets)
    if allowances_charges:
        _store_allowances_charges_json(invoice)
    return invoice


def _store_allowances_charges_json(invoice: Invoice, rows: Sequence[Any] | None = None) -> None:
    """Rewrite the invoice's read copy of its allowances/charges from the rows."""
    rows = list(invoice.allowances_charges.all()) if rows is None else rows
    data = [allowance_charge_dict(row, invoice.currency) for row in rows]
    if data != invoice.allowances_charges_json:
        invoice.allowances_charges_json = data
        Invoice.objects.filter(pk=invoice.pk).update(allowances_charges_json=data)


def _lock(invoice: Invoice) -> Invoice:
    """Re-read the invoice with its row locked for the rest of the transaction."""
    return Invoice.objects.select_for_update().get(pk=invoice.pk)


ITEM_ORDER = InvoiceItem.objects.order_by("position", "id")


def _lock_for_issue(invoice: Invoice, within: QuerySet[Invoice] | None) -> Invoice:
    """The invoice locked, with its customer (not locked) and its items, in two queries."""
    return (
        (Invoice.objects.all() if within is None else within)
        .select_for_update(of=("self",))
        .select_related("customer")
        .prefetch_related(Prefetch("items", queryset=ITEM_ORDER))
        .get(pk=invoice.pk)
    )


def _lock_draft(invoice: Invoice) -> Invoice:
    locked = _lock(invoice)
    if locked.status != InvoiceStatus.DRAFT:
        raise errors.InvoiceNotEditable()
    return locked


@transaction.atomic
def invoice_update_draft(
    *,
    invoice: Invoice,
    items: Sequence[dict[str, Any]] | None = None,
    allowances_charges: Sequence[dict[str, Any]] | None = None,
    **fields: Any,
) -> Invoice:
    """Change a draft; given `items` / `allowances_charges` replace the old ones whole."""
    invoice = _lock_draft(invoice)
    company = CompanySettings.current()
    for name, value in fields.items():
        setattr(invoice, name, value)
    if "customer" in fields and "currency" not in fields:
        invoice.currency = invoice.customer.currency
    if "customer" in fields:
        invoice.language = invoice.customer.preferred_language
    if invoice.issue_date and not invoice.due_date:
        invoice.due_date = invoice.issue_date + dt.timedelta(
            days=invoice.customer.payment_terms_days
        )

    with recalculation_suppressed():
        if items is None:
            items = list(invoice.items.values(*ITEM_FIELDS))
            replace_items = False
        else:
            items = [_item_defaults(row, company) for row in items]
            replace_items = True
        if allowances_charges is None:
            allowances_charges = list(invoice.allowances_charges.values(*ALLOWANCE_CHARGE_FIELDS))
            replace_allowances = False
        else:
            allowances_charges = [_allowance_defaults(row, company) for row in allowances_charges]
            replace_allowances = True

        totals = totals_for(
            items=items, allowances_charges=allowances_charges, currency=invoice.currency
        )
        _check_storable(totals)
        apply_totals(invoice, totals)
        invoice.save()
        if replace_items:
            invoice.items.all().delete()
        if replace_allowances:
            invoice.allowances_charges.all().delete()
        if replace_items:
            _write_lines(invoice, items, [], totals.line_nets)
        else:
            _store_line_nets(invoice, totals.line_nets)
        if replace_allowances:
            _write_lines(invoice, [], allowances_charges, [])
        if allowances_charges or invoice.allowances_charges_json:
            _store_allowances_charges_json(invoice)
    return invoice


def _store_line_nets(
    invoice: Invoice, nets: Sequence[Decimal], rows: Sequence[InvoiceItem] | None = None
) -> None:
    """Keep stored line nets in step with the totals (a currency change moves rounding)."""
    rows = list(invoice.items.only("id", "net_amount")) if rows is None else rows
    changed = []
    for row, net in zip(rows, nets, strict=True):
        if row.net_amount != net:
            row.net_amount = net
            changed.append(row)
    if changed:
        with recalculation_suppressed():
            InvoiceItem.objects.bulk_update(changed, ["net_amount"])


@transaction.atomic
def invoice_delete_draft(*, invoice: Invoice) -> None:
    """A draft has no legal weight and goes for good; an issued invoice answers 409."""
    invoice = _lock(invoice)
    if invoice.status != InvoiceStatus.DRAFT:
        raise errors.InvoiceNotEditable("Issued invoices cannot be deleted; void them instead.")
    with recalculation_suppressed():
        invoice.delete()


def invoice_recalculate(*, invoice_id: int) -> Invoice | None:
    """Recompute a draft's stored totals from its rows (admin and shell paths)."""
    invoice = Invoice.objects.filter(pk=invoice_id).first()
    if invoice is None or invoice.status != InvoiceStatus.DRAFT:
        return invoice
    items = list(invoice.items.all())
    allowances_charges = list(invoice.allowances_charges.all())
    totals = totals_for(
        items=items, allowances_charges=allowances_charges, currency=invoice.currency
    )
    update_fields = apply_totals(invoice, totals)
    invoice.allowances_charges_json = [
        allowance_charge_dict(row, invoice.currency) for row in allowances_charges
    ]
    invoice.save(update_fields=[*update_fields, "allowances_charges_json", "updated_at"])
    changed = []
    for row, net in zip(items, totals.line_nets, strict=True):
        if row.net_amount != net:
            row.net_amount = net
            changed.append(row)
    if changed:
        with recalculation_suppressed():
            InvoiceItem.objects.bulk_update(changed, ["net_amount"])
    return invoice


# --- issuing ---------------------------------------------------------------------------


def _draw_number(*, series: str, year: int) -> int:
    """Next value of the series' counter for the year, its row locked until commit.

    One statement (an upsert that answers the new value), so the row every issue of
    the series waits for is held for as little as possible. Never a database sequence:
    a rollback of the issuing transaction also rolls the counter back, so numbers stay
    gap-free (invariant 4).
    """
    connection = transaction.get_connection()
    table = connection.ops.quote_name(NumberSequence._meta.db_table)
    # The table name is the model's own; the values are bound parameters.
    upsert = (
        f"INSERT INTO {table} (series, year, last_value) VALUES (%s, %s, 1) "  # noqa: S608
        f"ON CONFLICT (series, year) DO UPDATE SET last_value = {table}.last_value + 1 "
        "RETURNING last_value"
    )
    with connection.cursor() as cursor:
        cursor.execute(upsert, [series, year])
        return cursor.fetchone()[0]


def _credited_total(original: Invoice, *, excluding: int | None = None) -> Decimal:
    queryset = Invoice.objects.filter(
        credited_invoice=original, kind=InvoiceKind.CREDIT_NOTE, status__in=COUNTED_STATUSES
    )
    if excluding is not None:
        queryset = queryset.exclude(pk=excluding)
    return queryset.aggregate(total=Sum("gross_total"))["total"] or ZERO


def _issue_problems(
    invoice: Invoice, customer: Customer, has_lines: bool, issue_date: dt.date, due_date: dt.date
) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if not has_lines:
        problems["items"] = ["An invoice needs at least one line."]
    missing = [name for name in ADDRESS_FIELDS if not getattr(customer, name)]
    if missing:
        problems["customer"] = [
            f"The customer's {', '.join(missing)} must be filled in before issuing."
        ]
    if due_date < issue_date:
        problems["due_date"] = ["The due date cannot be before the issue date."]
    if invoice.gross_total < 0:
        problems["gross_total"] = ["The total cannot be negative; issue a credit note instead."]
    return problems


@transaction.atomic
def invoice_issue(
    *,
    invoice: Invoice,
    by: User | None = None,
    issue_date: dt.date | None = None,
    within: QuerySet[Invoice] | None = None,
) -> Invoice:
    """Validate, snapshot seller and buyer, store totals, draw the number: all or nothing.

    `within`: the invoices the caller may issue (an API user's); outside it the lock
    finds nothing and raises Invoice.DoesNotExist, so the access check costs no read
    of its own. The answer carries its items prefetched (`invoice.items.all()` is free).
    """
    invoice = _lock_for_issue(invoice, within)
    if invoice.status != InvoiceStatus.DRAFT:
        raise errors.InvoiceNotIssuable(
            "Only drafts can be issued.", details={"status": [invoice.status]}
        )
    customer = invoice.customer
    items = list(invoice.items.all())
    allowances_charges = list(invoice.allowances_charges.all())
    issue_date = issue_date or invoice.issue_date or timezone.localdate()
    due_date = invoice.due_date or issue_date + dt.timedelta(days=customer.payment_terms_days)

    problems = _issue_problems(invoice, customer, bool(items), issue_date, due_date)
    if problems:
        raise errors.InvoiceNotIssuable(details=problems)

    totals = totals_for(
        items=items, allowances_charges=allowances_charges, currency=invoice.currency
    )
    total_fields = apply_totals(invoice, totals)
    _store_line_nets(invoice, totals.line_nets, rows=items)
    if invoice.credited_invoice_id:
        original = Invoice.objects.select_for_update().get(pk=invoice.credited_invoice_id)
        _check_credit_fits(invoice, original)

    company = CompanySettings.current()
    invoice.issue_date = issue_date
    invoice.due_date = due_date
    invoice.language = customer.preferred_language
    invoice.seller = seller_snapshot(company)
    invoice.buyer = buyer_snapshot(customer)
    if settings.EINVOICE_VALIDATE_ON_ISSUE:
        from documents.services import einvoice_check_issuable

        einvoice_check_issuable(invoice=invoice, items=items, allowances_charges=allowances_charges)

    invoice.status = InvoiceStatus.ISSUED
    invoice.number_year = issue_date.year
    # The customer's row before the counter: the counter is what every issue of the
    # series waits for, so it is drawn last and held only for the save and the commit.
    customer_statistics_add(invoice=invoice, issued=True)
    invoice.sequence = _draw_number(series=invoice.series, year=issue_date.year)
    invoice.number = company.format_number(
        series=invoice.series, year=issue_date.year, seq=invoice.sequence
    )
    invoice.issued_at = timezone.now()
    invoice.public_token = new_public_token()
    with statistics_suppressed():  # only what issuing sets: a shorter UPDATE to build
        invoice.save(update_fields=[*total_fields, *ISSUE_FIELDS])
    _after_issue(invoice)
    return invoice


ISSUE_FIELDS = (
    "issue_date",
    "due_date",
    "language",
    "seller",
    "buyer",
    "status",
    "number_year",
    "sequence",
    "number",
    "issued_at",
    "public_token",
    "updated_at",
)


def _after_issue(invoice: Invoice) -> None:
    """Render the immutable PDF once, after commit (documents app, when installed)."""
    try:
        from documents.tasks import invoice_pdf_render
    except ImportError:  # documents app not wired yet
        return
    invoice_id = invoice.pk
    # robust: with the broker (Redis) down the invoice is issued all the same; the PDF
    # endpoint renders and stores it on first request.
    transaction.on_commit(lambda: invoice_pdf_render.delay(invoice_id), robust=True)


def _check_credit_fits(credit_note: Invoice, original: Invoice) -> None:
    if original.kind != InvoiceKind.INVOICE or original.status not in COUNTED_STATUSES:
        raise errors.InvoiceNotCreditable(
            "The credited invoice is not an issued invoice.",
            details={"credited_invoice": [original.status]},
        )
    if original.currency != credit_note.currency:
        raise errors.InvoiceNotIssuable(
            "A credit note must be in the currency of the invoice it credits.",
            details={"currency": [f"Expected {original.currency}."]},
        )
    already = _credited_total(original, excluding=credit_note.pk)
    remaining = original.gross_total - already
    if credit_note.gross_total > remaining:
        raise errors.CreditExceedsInvoice(
            details={
                "gross_total": [str(credit_note.gross_total)],
                "remaining_creditable": [str(round_money(remaining, original.currency))],
            }
        )


# --- after issue -----------------------------------------------------------------------


@transaction.atomic
def invoice_void(*, invoice: Invoice, by: User | None = None, reason: str) -> Invoice:
    """Cancel an issued invoice without payments. It keeps its number (no gap)."""
    invoice = _lock(invoice)
    if invoice.status != InvoiceStatus.ISSUED or invoice.paid_total != 0:
        raise errors.InvoiceNotVoidable(details={"status": [invoice.status]})
    invoice.status = InvoiceStatus.VOID
    invoice.void_reason = reason
    invoice.voided_at = timezone.now()
    invoice.save(update_fields=["status", "void_reason", "voided_at", "updated_at"])
    return invoice


@transaction.atomic
def invoice_credit_note_create(*, invoice: Invoice, by: User | None = None) -> Invoice:
    """A draft credit note referring to the invoice, with its lines copied."""
    original = _lock(invoice)
    if original.kind != InvoiceKind.INVOICE or original.status not in COUNTED_STATUSES:
        raise errors.InvoiceNotCreditable(details={"status": [original.status]})
    if _credited_total(original) >= original.gross_total:
        raise errors.CreditExceedsInvoice("The invoice is already fully credited.")
    items = list(original.items.values(*ITEM_FIELDS))
    allowances_charges = list(original.allowances_charges.values(*ALLOWANCE_CHARGE_FIELDS))
    return invoice_create_draft(
        owner=original.owner,
        customer=Customer.all_objects.get(pk=original.customer_id),
        items=items,
        allowances_charges=allowances_charges,
        kind=InvoiceKind.CREDIT_NOTE,
        currency=original.currency,
        buyer_reference=original.buyer_reference,
        notes=f"Credit note for invoice {original.number}.",
        credited_invoice=original,
    )


# --- payments ----------------------------------------------------------------------------


@transaction.atomic
def payment_record(
    *,
    invoice: Invoice,
    by: User | None = None,
    amount: Decimal,
    date: dt.date | None = None,
    method: str = "bank_transfer",
    reference: str = "",
) -> Payment:
    """Record money received; the invoice row is locked so concurrent payments never overpay."""
    invoice = _lock(invoice)
    if invoice.status not in OPEN_STATUSES:
        raise errors.InvoiceNotPayable(details={"status": [invoice.status]})
    if amount > invoice.amount_due:
        raise errors.PaymentExceedsAmountDue(
            f"The payment of {amount} is larger than the amount due of "
            f"{round_money(invoice.amount_due, invoice.currency)}.",
            details={"amount_due": str(round_money(invoice.amount_due, invoice.currency))},
        )
    with recalculation_suppressed():
        payment = Payment.objects.create(
            invoice=invoice,
            amount=amount,
            date=date or timezone.localdate(),
            method=method,
            reference=reference,
            recorded_by=by,
        )
    _refresh_payment_state_and_statistics(invoice)
    return payment


@transaction.atomic
def payment_delete(*, payment: Payment, by: User | None = None) -> Invoice:
    """Remove a wrongly recorded payment (admins); the invoice's status moves back."""
    invoice = _lock(payment.invoice)
    with recalculation_suppressed():
        payment.delete()
    return _refresh_payment_state_and_statistics(invoice)


def _refresh_payment_state_and_statistics(invoice: Invoice) -> Invoice:
    """The payment state, and the customer's figures moved by the paid difference."""
    paid_before = invoice.paid_total
    if invoice.status not in COUNTED_STATUSES:  # not in the figures: nothing to move
        return invoice_payment_state_refresh(invoice=invoice)
    with statistics_suppressed():
        invoice_payment_state_refresh(invoice=invoice)
    customer_statistics_add(invoice=invoice, paid_change=invoice.paid_total - paid_before)
    return invoice


def invoice_payment_state_refresh(*, invoice: Invoice) -> Invoice:
    """paid_total, amount_due and status from the payments: issued → partially paid → paid."""
    payments = list(Payment.objects.filter(invoice_id=invoice.pk).order_by("date", "id"))
    invoice.payments_json = [payment_dict(payment, invoice.currency) for payment in payments]
    paid = sum((payment.amount for payment in payments), ZERO)
    invoice.paid_total = round_money(paid, invoice.currency)
    invoice.amount_due = round_money(invoice.gross_total - invoice.paid_total, invoice.currency)
    if invoice.status in COUNTED_STATUSES:
        if invoice.amount_due <= 0:
            invoice.status = InvoiceStatus.PAID
        elif invoice.paid_total > 0:
            invoice.status = InvoiceStatus.PARTIALLY_PAID
        else:
            invoice.status = InvoiceStatus.ISSUED
    invoice.save(
        update_fields=["paid_total", "amount_due", "status", "payments_json", "updated_at"]
    )
    return invoice


@transaction.atomic
def invoice_public_token_revoke(*, invoice: Invoice) -> Invoice:
    """Invalidate the customer's link and hand out a new one."""
    invoice = _lock(invoice)
    if invoice.status == InvoiceStatus.DRAFT:
        raise errors.DocumentNotAvailable()
    invoice.public_token = new_public_token()
    invoice.save(update_fields=["public_token", "updated_at"])
    return invoice
