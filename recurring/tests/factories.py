"""Schedules built through the services, as the product builds them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from accounts.models import User
from common.tests.factories import CustomerFactory
from customers.models import Customer
from invoices.tests.factories import line
from recurring import services
from recurring.models import RecurringInvoice


def make_schedule(
    *,
    owner: User,
    customer: Customer | None = None,
    frequency: str = "monthly",
    start_date: dt.date = dt.date(2025, 1, 31),
    items: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> RecurringInvoice:
    return services.recurring_invoice_create(
        owner=owner,
        customer=customer or CustomerFactory(owner=owner),
        frequency=frequency,
        start_date=start_date,
        items=items if items is not None else [line("Retainer {month} {year}")],
        **fields,
    )
