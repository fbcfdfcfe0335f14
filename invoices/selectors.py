from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from accounts.models import User
from common.permissions import is_admin
from invoices.models import Invoice, InvoiceAllowanceCharge, InvoiceItem, Payment


def invoice_list(*, user: User, prefetch: bool = True) -> QuerySet[Invoice]:
    """Invoices the user may see (staff their own, admins all), with their rows prefetched:
    a constant number of queries whatever the page size."""
    queryset = Invoice.objects.all()
    if prefetch:
        queryset = queryset.prefetch_related(
            Prefetch("items", queryset=InvoiceItem.objects.order_by("position", "id")),
            Prefetch(
                "allowances_charges",
                queryset=InvoiceAllowanceCharge.objects.order_by("position", "id"),
            ),
            Prefetch("payments", queryset=Payment.objects.order_by("date", "id")),
        )
    if not is_admin(user):
        queryset = queryset.filter(owner_id=user.id)
    return queryset


def invoice_get(*, user: User, pk: int) -> Invoice:
    return invoice_list(user=user).get(pk=pk)
