"""The code lists a client picks from: currencies an invoice accepts and the VAT
categories with their rate rule and exemption default. Static data, built once."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any

import pycountry
from babel.numbers import get_currency_name

from documents.einvoice.codes import DEFAULT_EXEMPTION_REASONS, EXEMPTION_REASON_CODES
from invoices.calculation import minor_unit
from invoices.services._lines import EXEMPT_CATEGORIES, ZERO_RATED_CATEGORIES, default_tax_rate
from settings_app.models import TAX_CATEGORIES, CompanySettings

# Currencies with more decimals (CLF, UYW: units of account) are refused on invoices.
MAX_MINOR_UNIT = 3
SMALLEST_RATE = Decimal("0.01")  # rates carry 2 decimals; S takes one above 0 (BR-S-05)


@lru_cache(maxsize=1)
def currencies() -> tuple[dict[str, Any], ...]:
    """ISO 4217 codes as invoices accept them (the validator's list, pycountry), with
    CLDR's English name and minor unit (Babel: what amounts are rounded and shown with)."""
    rows = []
    for currency in sorted(pycountry.currencies, key=lambda c: c.alpha_3):
        code = currency.alpha_3
        exponent = minor_unit(code)
        if exponent > MAX_MINOR_UNIT:
            continue
        name = get_currency_name(code, locale="en")
        rows.append(
            {"code": code, "name": currency.name if name == code else name, "minor_unit": exponent}
        )
    return tuple(rows)


def tax_categories(*, company: CompanySettings) -> list[dict[str, Any]]:
    """UNCL5305 categories as lines take them: S a rate above 0 (the company's default
    rate when left out), the others exactly 0; the VATEX code and text an e-invoice
    writes when the invoice gives none (E has none: it must be given, BR-E-10)."""
    rows = []
    for code, name in TAX_CATEGORIES:
        zero = code in ZERO_RATED_CATEGORIES
        default = EXEMPTION_REASON_CODES.get(code)
        rows.append(
            {
                "code": code,
                "name": name,
                "min_rate": "0.00" if zero else str(SMALLEST_RATE),
                "max_rate": "0.00" if zero else "100.00",
                "default_rate": str(default_tax_rate(code, company).quantize(SMALLEST_RATE)),
                "takes_exemption": code in EXEMPT_CATEGORIES,
                "exemption_required": code in EXEMPT_CATEGORIES and default is None,
                "exemption_default": (
                    {"code": default, "reason": DEFAULT_EXEMPTION_REASONS[code]}
                    if default
                    else None
                ),
            }
        )
    return rows
