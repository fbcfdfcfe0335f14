from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from common.permissions import is_admin
from customers.models import Customer


def customer_list(*, user: User, include_deleted: bool = False) -> QuerySet[Customer]:
    """Customers the user may see: admins all, staff their own."""
    manager = Customer.all_objects if include_deleted else Customer.objects
    queryset = manager.all()
    if not is_admin(user):
        queryset = queryset.filter(owner_id=user.id)
    return queryset
