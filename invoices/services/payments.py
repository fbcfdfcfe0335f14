"""Money received for an invoice, or given back on a credit note (a refund)."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.db import transaction

from accounts.models import User
from common import metrics
from common.exceptions import ValidationException
from customers.services import customer_statistics_add
from invoices import errors
from invoices.calculation import minor_unit, round_money
from invoices.models import Invoice, InvoiceKind, InvoiceStatus, Payment, PaymentMethod
from invoices.services._lines import date_errors
from invoices.services._rollups import RollupDelta
from invoices.services._settlement import lock_root, settlement_refresh
from settings_app.calendar import company_today

logger = logging.getLogger(__name__)


def _lock_account(invoice_id: int) -> tuple[Invoice, Invoice]:
    """The account's root locked first, then the document itself (one order everywhere)."""
    credited_invoice_id = (
        Invoice.objects.filter(pk=invoice_id).values_list("credited_invoice_id", flat=True).get()
    )
    root = lock_root(credited_invoice_id or invoice_id)
    if root.pk == invoice_id:
        return root, root
    return root, Invoice.objects.select_for_update().get(pk=invoice_id)


def _payment_problems(
    invoice: Invoice, amount: Decimal, date: dt.date, method: str
) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if amount <= 0:
        problems["amount"] = ["Ensure this value is greater than 0."]
    elif amount != amount.quantize(Decimal(1).scaleb(-minor_unit(invoice.currency))):
        problems["amount"] = [
            f"Ensure that there are no more than {minor_unit(invoice.currency)} decimal "
            "places for this currency."
        ]
    if messages := date_errors(date):
        problems["date"] = messages
    elif date > company_today():
        problems["date"] = ["A payment cannot be dated in the future."]
    elif invoice.issue_date and date < invoice.issue_date:
        problems["date"] = [
            f"A payment cannot be dated before the invoice's issue date ({invoice.issue_date})."
        ]
    if method not in PaymentMethod.values:
        problems["method"] = [f"{method!r} is not a payment method."]
    return problems


@transaction.atomic
def payment_record(
    *,
    invoice: Invoice,
    by: User | None = None,
    amount: Decimal,
    date: dt.date | None = None,
    method: str = PaymentMethod.BANK_TRANSFER,
    reference: str = "",
) -> Payment:
    """Record money received (an invoice) or refunded (a credit note with a refund due).

    The account is locked, so concurrent payments never pay more than is due.
    """
    root, invoice = _lock_account(invoice.pk)
    date = date or company_today()
    if problems := _payment_problems(invoice, amount, date, method):
        raise ValidationException(details=problems)
    if invoice.kind == InvoiceKind.CREDIT_NOTE:
        open_amount, exceeded = invoice.refund_due, errors.PaymentExceedsRefundDue
    else:
        open_amount, exceeded = invoice.amount_due, errors.PaymentExceedsAmountDue
    if invoice.status not in (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID):
        raise errors.InvoiceNotPayable(details={"status": [invoice.status]})
    if amount > open_amount:
        shown = str(round_money(open_amount, invoice.currency))
        raise exceeded(
            f"The payment of {amount} is larger than the open amount of {shown}.",
            details={
                "amount_due" if exceeded is errors.PaymentExceedsAmountDue else "refund_due": shown
            },
        )
    payment = Payment.objects.create(
        invoice=invoice,
        amount=amount,
        date=date,
        method=method,
        reference=reference,
        recorded_by=by,
    )
    # Lock order of every write: invoice rows, the customer's figures, then the report
    # rollups (as an issue takes them), or two writes of one customer deadlock.
    customer_statistics_add(invoice=invoice, paid_change=amount)
    rollup = RollupDelta()  # the collected money, with the reports' sums in one statement
    rollup.payment(payment, invoice, +1)
    settlement_refresh(root=root, instances=[invoice], rollup=rollup)
    transaction.on_commit(metrics.payments_recorded.inc)
    return payment


@transaction.atomic
def payment_delete(*, payment: Payment, by: User | None = None) -> Invoice:
    """Remove a wrongly recorded payment (admins); the account's figures move back."""
    root, invoice = _lock_account(payment.invoice_id)
    amount = payment.amount
    logger.info(
        "Payment %s of %s %s on %s removed by %s",
        payment.pk,
        amount,
        invoice.currency,
        invoice.number,
        by.username if by else "system",
    )
    customer_statistics_add(invoice=invoice, paid_change=-amount)  # before the rollups
    rollup = RollupDelta()
    rollup.payment(payment, invoice, -1)
    payment.delete()
    settlement_refresh(root=root, instances=[invoice], rollup=rollup)
    return invoice
