"""The bridge between invoice rows and the pure calculation: build inputs, store results."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from invoices.calculation import (
    AllowanceChargeInput,
    CalculationError,
    InvoiceTotals,
    LineInput,
    calculate_totals,
)

# A VAT breakdown group's key: (category, rate); rates compare as numbers (19 == 19.00).
GroupKey = tuple[str, Decimal]

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
    tax_amounts: Mapping[GroupKey, Decimal] | None = None,
) -> InvoiceTotals:
    """`tax_amounts`: see `with_tax_amounts` (a cancellation after partial credits)."""
    totals = calculate_totals(
        lines=[line_input(row) for row in items],
        allowances_charges=[allowance_charge_input(row) for row in allowances_charges],
        currency=currency,
        paid_total=paid_total,
    )
    return totals if tax_amounts is None else with_tax_amounts(totals, tax_amounts)


def with_tax_amounts(
    totals: InvoiceTotals, tax_amounts: Mapping[GroupKey, Decimal]
) -> InvoiceTotals:
    """The totals with the VAT of some groups (BT-117) given instead of taxable x rate.

    Only for a cancellation that reverses what earlier credit notes left (VAT is rounded
    per document, so the VAT left is a difference of rounded amounts, off the rounded
    product by a cent or so; BR-S-09/BR-CO-17 accept ±1). Lines and taxable amounts
    stay as computed; BR-CO-14..16 are summed again from the groups.
    """
    known = {(group.tax_category, group.tax_rate) for group in totals.tax_breakdown}
    if unknown := set(tax_amounts) - known:
        raise CalculationError(f"VAT given for groups without lines: {sorted(unknown)}")
    groups = tuple(
        replace(
            group,
            tax_amount=tax_amounts.get((group.tax_category, group.tax_rate), group.tax_amount),
        )
        for group in totals.tax_breakdown
    )
    tax_total = sum((group.tax_amount for group in groups), Decimal(0))
    gross_total = totals.net_total + tax_total
    return replace(
        totals,
        tax_breakdown=groups,
        tax_total=tax_total,
        gross_total=gross_total,
        amount_due=gross_total - totals.paid_total,
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
