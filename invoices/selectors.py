from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import User
from common.permissions import is_admin
from invoices.models import OPEN_STATUSES, Invoice, InvoiceKind
from settings_app.calendar import company_today


def invoice_list(*, user: User) -> QuerySet[Invoice]:
    """Invoices the user may see: staff their own, admins all."""
    queryset = Invoice.objects.all()
    if not is_admin(user):
        queryset = queryset.filter(owner_id=user.id)
    return queryset


def invoice_get(*, user: User, pk: int) -> Invoice:
    return invoice_list(user=user).get(pk=pk)


def overdue_q() -> Q:
    """Overdue: an invoice still open after its due date, in the company's calendar.

    The one rule behind the API's `is_overdue` filter, the admin's column and filter,
    and `Invoice.is_overdue`."""
    return Q(kind=InvoiceKind.INVOICE, status__in=OPEN_STATUSES, due_date__lt=company_today())
