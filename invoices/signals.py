"""Derived figures stay right whatever writes: admin inlines, the shell, the API.

Services that write many rows compute totals themselves and suppress these receivers
(`recalculation_suppressed`), so a 100-line API write recalculates once, not 100 times.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models.signals import post_delete, post_save

_suppressed: ContextVar[bool] = ContextVar("invoice_recalculation_suppressed", default=False)
_statistics_suppressed: ContextVar[bool] = ContextVar(
    "customer_statistics_suppressed", default=False
)
_deferred: ContextVar[set[int] | None] = ContextVar("invoice_recalculation_deferred", default=None)


@contextmanager
def recalculation_suppressed() -> Iterator[None]:
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


@contextmanager
def statistics_suppressed() -> Iterator[None]:
    """For a service that updates the customer's figures itself (issuing adds a delta)."""
    token = _statistics_suppressed.set(True)
    try:
        yield
    finally:
        _statistics_suppressed.reset(token)


@contextmanager
def recalculation_deferred() -> Iterator[None]:
    """Collect the invoices touched inside the block; recalculate each once at its end."""
    pending: set[int] = set()
    token = _deferred.set(pending)
    try:
        yield
    finally:
        _deferred.reset(token)
    from invoices.services import invoice_recalculate

    for invoice_id in sorted(pending):
        invoice_recalculate(invoice_id=invoice_id)


def _line_changed(sender, instance, **kwargs) -> None:
    if _suppressed.get() or kwargs.get("raw"):
        return
    pending = _deferred.get()
    if pending is not None:
        pending.add(instance.invoice_id)
        return
    from invoices.services import invoice_recalculate

    invoice_recalculate(invoice_id=instance.invoice_id)


def _payment_changed(sender, instance, **kwargs) -> None:
    if _suppressed.get() or kwargs.get("raw"):
        return
    from invoices.models import Invoice
    from invoices.services import invoice_payment_state_refresh

    invoice = Invoice.objects.filter(pk=instance.invoice_id).first()
    if invoice is not None:
        invoice_payment_state_refresh(invoice=invoice)


def _invoice_saved(sender, instance, **kwargs) -> None:
    if kwargs.get("raw") or instance.status == "draft" or _statistics_suppressed.get():
        return
    from customers.services import customer_statistics_recompute

    customer_statistics_recompute(customer_ids=[instance.customer_id])


def _connect() -> None:
    from invoices.models import Invoice, InvoiceAllowanceCharge, InvoiceItem, Payment

    for model in (InvoiceItem, InvoiceAllowanceCharge):
        post_save.connect(_line_changed, sender=model, dispatch_uid=f"recalc-save-{model.__name__}")
        post_delete.connect(
            _line_changed, sender=model, dispatch_uid=f"recalc-delete-{model.__name__}"
        )
    post_save.connect(_payment_changed, sender=Payment, dispatch_uid="payment-save")
    post_delete.connect(_payment_changed, sender=Payment, dispatch_uid="payment-delete")
    post_save.connect(_invoice_saved, sender=Invoice, dispatch_uid="invoice-stats")


_connect()
__all__ = ["recalculation_deferred", "recalculation_suppressed", "statistics_suppressed"]
