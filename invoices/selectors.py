from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from common.permissions import is_admin
from invoices.models import Invoice


def invoice_list(*, user: User) -> QuerySet[Invoice]:
    """Invoices the user may see: staff their own, admins all."""
    queryset = Invoice.objects.all()
    if not is_admin(user):
        queryset = queryset.filter(owner_id=user.id)
    return queryset


def invoice_get(*, user: User, pk: int) -> Invoice:
    return invoice_list(user=user).get(pk=pk)
