"""Invoices in the states reminders care about, built through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from accounts.models import User
from common.tests.factories import CustomerFactory
from invoices import services
from invoices.models import Invoice
from invoices.tests.factories import line, make_draft
from settings_app.calendar import company_today

# 100.00 net + 19 % = 119.00 gross.
GROSS = Decimal("119.00")


def today() -> dt.date:
    return company_today()


def issued_due(
    *, owner: User, due: dt.date, issue: dt.date | None = None, customer=None, **customer_fields
) -> Invoice:
    """An issued invoice of 119.00 due on `due` (issued 10 days before unless told)."""
    customer = customer or CustomerFactory(owner=owner, **customer_fields)
    issue = issue or min(due - dt.timedelta(days=10), today())
    draft = make_draft(owner=owner, customer=customer, items=[line()], due_date=due)
    return services.invoice_issue(invoice=draft, issue_date=issue)


def set_levels(company, levels: list[dict[str, Any]], **fields: Any) -> None:
    company.reminder_levels = levels
    for name, value in fields.items():
        setattr(company, name, value)
    company.save()
