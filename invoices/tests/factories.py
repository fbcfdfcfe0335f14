"""Helpers that build invoices through the services, as the product does."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from accounts.models import User
from common.tests.factories import CustomerFactory
from customers.models import Customer
from invoices import services
from invoices.models import Invoice


def line(
    description: str = "Consulting",
    quantity: str = "1",
    unit_price: str = "100.00",
    tax_rate: str = "19.00",
    tax_category: str = "S",
    **extra: str,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "description": description,
        "quantity": Decimal(quantity),
        "unit_price": Decimal(unit_price),
        "tax_category": tax_category,
        "tax_rate": Decimal(tax_rate),
    }
    for key, value in extra.items():
        row[key] = value if key == "unit_code" else Decimal(value)
    return row


def allowance(amount: str, rate: str = "19.00", category: str = "S", *, charge: bool = False):
    return {
        "is_charge": charge,
        "amount": Decimal(amount),
        "reason": "Charge" if charge else "Discount",
        "tax_category": category,
        "tax_rate": Decimal(rate),
    }


def make_draft(
    *,
    owner: User,
    customer: Customer | None = None,
    items: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> Invoice:
    customer = customer or CustomerFactory(owner=owner)
    return services.invoice_create_draft(
        owner=owner, customer=customer, items=items if items is not None else [line()], **fields
    )


def make_issued(*, owner: User, **kwargs: Any) -> Invoice:
    issue_date = kwargs.pop("issue_date", None)
    return services.invoice_issue(invoice=make_draft(owner=owner, **kwargs), issue_date=issue_date)
