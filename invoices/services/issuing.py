"""Issuing: a draft becomes a legal document with a gap-free, chronological number."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from accounts.models import User
from common import metrics
from customers.models import Customer
from customers.services import customer_statistics_add
from documents.services import einvoice_check_issuable, payment_terms_default
from documents.tasks import invoice_pdf_render
from invoices import errors
from invoices.calculation import round_money
from invoices.models import (
    Invoice,
    InvoiceItem,
    InvoiceKind,
    InvoiceStatus,
    NumberSequence,
    new_public_token,
)
from invoices.services._insert import Statement, insert_issued
from invoices.services._lines import date_errors, missing_exemptions
from invoices.services._rollups import RollupDelta
from invoices.services._settlement import lock_root, settlement_refresh
from invoices.services.drafts import DraftParts, store_line_nets
from invoices.snapshots import buyer_snapshot, seller_snapshot
from invoices.totals import GroupKey, apply_totals, totals_for
from settings_app.calendar import company_today
from settings_app.models import CompanySettings

ADDRESS_FIELDS = ("name", "street", "city", "postal_code", "country")
ITEM_ORDER = InvoiceItem.objects.order_by("position", "id")
# Columns an issue writes, besides the totals: a shorter UPDATE to build.
ISSUE_FIELDS = (
    "issue_date",
    "due_date",
    "language",
    "payment_terms",
    "seller",
    "buyer",
    "status",
    "amount_due",
    "refund_due",
    "number_year",
    "sequence",
    "number",
    "issued_at",
    "issued_by",
    "public_token",
    "updated_at",
)


def _draw_number(*, series: str, year: int, issue_date: dt.date) -> int:
    """Next value of the series' counter for the year, its row locked until commit.

    One statement (an upsert that answers the new value and the latest issue date of
    the series), so the row every issue of the series waits for is held for as little
    as possible. Never a database sequence: a rollback of the issuing transaction also
    rolls the counter back, so numbers stay gap-free (invariant 4). An issue date
    before one already used in the series and year would break the chronological order
    of numbers: refused, and the rollback gives the number back.
    """
    connection = transaction.get_connection()
    table = connection.ops.quote_name(NumberSequence._meta.db_table)
    # The table name is the model's own; the values are bound parameters.
    upsert = (
        f"INSERT INTO {table} (series, year, last_value, last_issue_date) "  # noqa: S608
        "VALUES (%s, %s, 1, %s) "
        f"ON CONFLICT (series, year) DO UPDATE SET last_value = {table}.last_value + 1, "
        f"last_issue_date = CASE WHEN {table}.last_issue_date IS NULL "
        f"OR {table}.last_issue_date < EXCLUDED.last_issue_date "
        f"THEN EXCLUDED.last_issue_date ELSE {table}.last_issue_date END "
        "RETURNING last_value, last_issue_date"
    )
    with connection.cursor() as cursor:
        cursor.execute(upsert, [series, year, issue_date])
        value, latest = cursor.fetchone()
    if isinstance(latest, str):  # SQLite answers the stored text
        latest = dt.date.fromisoformat(latest)
    if latest is not None and latest > issue_date:
        raise errors.InvoiceNotIssuable(
            "Numbers follow the issue dates: this date is before one already used.",
            details={
                "issue_date": [
                    f"The {series} series already has an invoice dated {latest.isoformat()} "
                    f"in {year}; issue on or after that date."
                ]
            },
        )
    return value


def _issue_problems(
    invoice: Invoice,
    customer: Customer,
    has_lines: bool,
    issue_date: dt.date,
    due_date: dt.date,
    today: dt.date,
) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if customer.is_deleted:
        problems["customer"] = ["The customer was deleted; restore it before issuing."]
    if not has_lines:
        problems["items"] = ["An invoice needs at least one line."]
    missing = [name for name in ADDRESS_FIELDS if not getattr(customer, name)]
    if missing:
        problems.setdefault("customer", []).append(
            f"The customer's {', '.join(missing)} must be filled in before issuing."
        )
    if messages := date_errors(issue_date):
        problems["issue_date"] = messages
    elif issue_date > today:
        problems["issue_date"] = ["An invoice cannot be issued with a date in the future."]
    if messages := date_errors(due_date):
        problems["due_date"] = messages
    elif due_date < issue_date:
        problems["due_date"] = ["The due date cannot be before the issue date."]
    if invoice.gross_total < 0:
        problems["gross_total"] = ["The total cannot be negative; issue a credit note instead."]
    if invoice.kind == InvoiceKind.INVOICE and invoice.credited_invoice_id:
        problems["credited_invoice"] = ["Only a credit note can refer to an invoice."]
    return problems


def _lock_for_issue(invoice: Invoice, within: QuerySet[Invoice] | None) -> Invoice:
    """The invoice locked, with its customer (not locked) and its items, in two queries."""
    return (
        (Invoice.objects.all() if within is None else within)
        .select_for_update(of=("self",))
        .select_related("customer")
        .prefetch_related(Prefetch("items", queryset=ITEM_ORDER))
        .get(pk=invoice.pk)
    )


def _check_credit_fits(credit_note: Invoice, original: Invoice) -> None:
    """Under the original's lock: the credit never exceeds what is left uncredited."""
    if original.kind != InvoiceKind.INVOICE or original.status in (
        InvoiceStatus.DRAFT,
        InvoiceStatus.VOID,
    ):
        raise errors.InvoiceNotCreditable(
            "The credited invoice is not an issued invoice.",
            details={"credited_invoice": [original.status]},
        )
    problems = {}
    if original.customer_id != credit_note.customer_id:
        problems["customer"] = ["A credit note is for the customer of the invoice it corrects."]
    if original.owner_id != credit_note.owner_id:
        problems["credited_invoice"] = ["The invoice belongs to another user."]
    if original.currency != credit_note.currency:
        problems["currency"] = [f"Expected {original.currency}, the credited invoice's currency."]
    if problems:
        raise errors.InvoiceNotIssuable(
            "A credit note must match the invoice it corrects.", details=problems
        )
    remaining = original.gross_total - original.credited_total
    if credit_note.gross_total > remaining:
        raise errors.CreditExceedsInvoice(
            details={
                "gross_total": [str(credit_note.gross_total)],
                "remaining_creditable": [str(round_money(remaining, original.currency))],
            }
        )


@transaction.atomic
def invoice_issue(
    *,
    invoice: Invoice,
    by: User | None = None,
    issue_date: dt.date | None = None,
    within: QuerySet[Invoice] | None = None,
    tax_amounts: Mapping[GroupKey, Decimal] | None = None,
) -> Invoice:
    """Validate, snapshot seller and buyer, store totals, draw the number: all or nothing.

    `within`: the invoices the caller may issue (an API user's); outside it the lock
    finds nothing and raises Invoice.DoesNotExist, so the access check costs no read
    of its own. The answer carries its items prefetched (`invoice.items.all()` is free).
    A credit note settles the invoice it corrects in the same transaction.
    `tax_amounts`: the VAT of some groups, given (a cancellation: `invoice_void`).
    """
    invoice = _lock_for_issue(invoice, within)
    if invoice.status != InvoiceStatus.DRAFT:
        raise errors.InvoiceNotIssuable(
            "Only drafts can be issued.", details={"status": [invoice.status]}
        )
    customer = invoice.customer
    items = list(invoice.items.all())
    allowances_charges = list(invoice.allowances_charges.all())
    company = CompanySettings.load()  # from the database: the snapshot is legal text
    today = company_today(company)
    issue_date, due_date = _issue_dates(invoice, customer, issue_date, today)
    _refuse_unissuable(invoice, customer, items, allowances_charges, issue_date, due_date, today)

    totals = totals_for(
        items=items,
        allowances_charges=allowances_charges,
        currency=invoice.currency,
        tax_amounts=tax_amounts,
    )
    total_fields = apply_totals(invoice, totals)
    store_line_nets(invoice, totals.line_nets, rows=items)
    original = None
    if invoice.credited_invoice_id:
        original = lock_root(invoice.credited_invoice_id)
        _check_credit_fits(invoice, original)

    _issue_content(invoice, customer, items, allowances_charges, company, issue_date, due_date)
    _number(invoice, company, by)
    invoice.save(update_fields=[*total_fields, *ISSUE_FIELDS])
    rollup = RollupDelta()  # the reports' sums: one upsert with the settlement's changes
    rollup.add(invoice)
    if original is not None:
        settlement_refresh(
            root=original, instances=[invoice], with_credit_notes=True, rollup=rollup
        )
    elif invoice.kind == InvoiceKind.CREDIT_NOTE:
        settlement_refresh(root=invoice, rollup=rollup)
    else:
        rollup.flush()
    transaction.on_commit(metrics.invoices_issued.labels(kind=invoice.kind).inc)
    _after_issue(invoice)
    return invoice


@transaction.atomic(savepoint=False)
def invoice_create_issued(
    *,
    draft: DraftParts,
    company: CompanySettings,
    by: User | None = None,
    writes: Callable[[str], list[Statement]] | None = None,
) -> Invoice:
    """An invoice built by `draft_build` issued as it is first written: one row, no
    draft before it (recurring runs). The same checks, snapshots and number as
    `invoice_issue`; `company` is the settings row the caller read from the database.

    The customer's figures and the counter come first (the lock order of every issue),
    then everything else is one statement on PostgreSQL: the invoice, its lines, the
    report rollups and the caller's `writes` (given the SQL of the new invoice's id), so
    the counter row every issue waits for is held for one statement and the commit.
    Invoices only (a credit note settles another invoice: `invoice_issue`).
    """
    invoice, items, allowances_charges = draft.invoice, draft.items, draft.allowances_charges
    if invoice.kind != InvoiceKind.INVOICE:
        raise ValueError("invoice_create_issued issues invoices, not credit notes")
    customer = invoice.customer
    today = company_today(company)
    issue_date, due_date = _issue_dates(invoice, customer, invoice.issue_date, today)
    _refuse_unissuable(invoice, customer, items, allowances_charges, issue_date, due_date, today)
    _issue_content(invoice, customer, items, allowances_charges, company, issue_date, due_date)
    _number(invoice, company, by)
    rollup = RollupDelta()
    rollup.add(invoice)
    insert_issued(invoice, items, allowances_charges, rollup, writes)
    transaction.on_commit(metrics.invoices_issued.labels(kind=invoice.kind).inc)
    _after_issue(invoice)
    return invoice


def _issue_dates(
    invoice: Invoice, customer: Customer, issue_date: dt.date | None, today: dt.date
) -> tuple[dt.date, dt.date | None]:
    issue_date = issue_date or invoice.issue_date or today
    due_date = invoice.due_date
    if due_date is None and not date_errors(issue_date):
        due_date = issue_date + dt.timedelta(days=customer.payment_terms_days)
    return issue_date, due_date


def _refuse_unissuable(
    invoice: Invoice,
    customer: Customer,
    items: Sequence[InvoiceItem],
    allowances_charges: Sequence[Any],
    issue_date: dt.date,
    due_date: dt.date | None,
    today: dt.date,
) -> None:
    problems = _issue_problems(
        invoice, customer, bool(items), issue_date, due_date or issue_date, today
    )
    categories = {row.tax_category for row in (*items, *allowances_charges)}
    if missing := missing_exemptions(categories, invoice.vat_exemptions):
        problems["vat_exemptions"] = [
            f"Category {category} needs an exemption code (VATEX) or reason (BR-E-10)."
            for category in missing
        ]
    if problems:
        raise errors.InvoiceNotIssuable(details=problems)


def _issue_content(
    invoice: Invoice,
    customer: Customer,
    items: Sequence[InvoiceItem],
    allowances_charges: Sequence[Any],
    company: CompanySettings,
    issue_date: dt.date,
    due_date: dt.date | None,
) -> None:
    """Dates, terms, snapshots and the e-invoice check; the status it will have."""
    invoice.issue_date = issue_date
    invoice.due_date = due_date
    invoice.language = customer.preferred_language
    if not invoice.payment_terms.strip() and invoice.kind == InvoiceKind.INVOICE and due_date:
        invoice.payment_terms = payment_terms_default(due_date=due_date, language=invoice.language)
    invoice.seller = seller_snapshot(company)
    invoice.buyer = buyer_snapshot(customer)
    if settings.EINVOICE_VALIDATE_ON_ISSUE:
        einvoice_check_issuable(invoice=invoice, items=items, allowances_charges=allowances_charges)

    invoice.status = InvoiceStatus.ISSUED
    if invoice.kind == InvoiceKind.CREDIT_NOTE:
        invoice.amount_due = Decimal("0")
        invoice.refund_due = invoice.gross_total  # until the settlement allocates it
    invoice.number_year = issue_date.year


def _number(invoice: Invoice, company: CompanySettings, by: User | None) -> None:
    # The customer's row before the counter: the counter is what every issue of the
    # series waits for, so it is drawn last and held only for the last writes and commit.
    customer_statistics_add(invoice=invoice, issued=True)
    year = invoice.issue_date.year
    invoice.sequence = _draw_number(series=invoice.series, year=year, issue_date=invoice.issue_date)
    invoice.number = company.format_number(series=invoice.series, year=year, seq=invoice.sequence)
    invoice.issued_at = timezone.now()
    invoice.issued_by = by
    invoice.public_token = new_public_token()


def _after_issue(invoice: Invoice) -> None:
    """Build and store the immutable documents once, after commit."""
    if not settings.DOCUMENTS_STORE_AFTER_ISSUE:
        return
    invoice_id = invoice.pk
    # robust: with the broker (Redis) down the invoice is issued all the same; the PDF
    # endpoint renders and stores it on first request.
    transaction.on_commit(lambda: invoice_pdf_render.delay(invoice_id), robust=True)
