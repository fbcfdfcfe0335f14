"""Number formatting for e-invoice XML: never rounds, never writes exponent notation."""

from __future__ import annotations

from decimal import Decimal

from invoices.calculation import minor_unit

# EN 16931 allows at most 2 decimals in every amount (BR-DEC-01..28), whatever the
# currency's ISO 4217 exponent: a KWD amount of 12.500 has to be written 12.50.
MAX_AMOUNT_DECIMALS = 2


def plain(value: Decimal) -> str:
    """A decimal as a plain string without trailing zeros: 2.5000 -> "2.5", 1E+2 -> "100"."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def money(amount: Decimal, currency: str) -> str:
    """An already rounded amount with the currency's decimals (at most 2, see BR-DEC).

    An amount that really uses a third decimal (KWD, BHD, ...) is written exactly
    rather than rounded here: totals are never recomputed, and the validator then
    reports the BR-DEC rule that such an amount cannot meet.
    """
    exponent = minor_unit(currency)
    for decimals in (min(exponent, MAX_AMOUNT_DECIMALS), exponent):
        quantized = amount.quantize(Decimal(1).scaleb(-decimals))
        if quantized == amount:
            return format(quantized.copy_abs() if quantized.is_zero() else quantized, "f")
    return plain(amount)
