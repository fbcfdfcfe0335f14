"""The bridge between invoice rows and the pure calculation: build inputs, store results."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from invoices.calculation import (
    AllowanceChargeInput,
    InvoiceTotals,
    LineInput,
    calculate_totals,
)

TOTAL_FIELDS = (
    "line_total",
    "allowance_total",
    "charge_total",
    "net_total",
    "tax_total",
    "gross_total",
    "paid_total",
    "amount_due",
)


def _get(row: Any, name: str) -> Any:
    return row[name] if isinstance(row, Mapping) else getattr(row, name)


def line_input(row: Any) -> LineInput:
    """A line from a model row or a validated dict."""
    return LineInput(
        quantity=Decimal(_get(row, "quantity")),
        unit_price=Decimal(_get(row, "unit_price")),
        tax_category=_get(row, "tax_category"),
        tax_rate=Decimal(_get(row, "tax_rate")),
        price_base_quantity=Decimal(_get(row, "price_base_quantity")),
        discount_amount=Decimal(_get(row, "discount_amount")),
        charge_amount=Decimal(_get(row, "charge_amount")),
    )


def allowance_charge_input(row: Any) -> AllowanceChargeInput:
    return AllowanceChargeInput(
        is_charge=bool(_get(row, "is_charge")),
        amount=Decimal(_get(row, "amount")),
        tax_category=_get(row, "tax_category"),
        tax_rate=Decimal(_get(row, "tax_rate")),
    )


def totals_for(
    *,
    items: Iterable[Any],
    allowances_charges: Iterable[Any],
    currency: str,
    paid_total: Decimal = Decimal("0"),
) -> InvoiceTotals:
    return calculate_totals(
        lines=[line_input(row) for row in items],
        allowances_charges=[allowance_charge_input(row) for row in allowances_charges],
        currency=currency,
        paid_total=paid_total,
    )


def breakdown_json(totals: InvoiceTotals) -> list[dict[str, str]]:
    """BG-23 as stored on the invoice and answered by the API (decimal strings)."""
    return [
        {
            "tax_category": group.tax_category,
            "tax_rate": str(group.tax_rate),
            "taxable_amount": str(group.taxable_amount),
            "tax_amount": str(group.tax_amount),
        }
        for group in totals.tax_breakdown
    ]


def apply_totals(invoice: Any, totals: InvoiceTotals) -> list[str]:
    """Copy totals onto the invoice instance; answers the names of the fields set."""
    for name in TOTAL_FIELDS:
        setattr(invoice, name, getattr(totals, name))
    invoice.tax_breakdown = breakdown_json(totals)
    return [*TOTAL_FIELDS, "tax_breakdown"]
