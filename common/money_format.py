"""Money as people read it in the back office: one format everywhere (`1.212,00 €`).

Babel knows each currency's symbol and minor unit (JPY 0, KWD 3), so an amount shows
with as many decimals as its currency has.
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency
from django.conf import settings

# The back office's number format (thousands ".", decimals ","); a deployment may set
# MONEY_FORMAT_LOCALE to another Babel locale.
DEFAULT_LOCALE = "de_DE"


def money_locale() -> str:
    return getattr(settings, "MONEY_FORMAT_LOCALE", DEFAULT_LOCALE)


def format_money(amount: Decimal | str | None, currency: str) -> str:
    """``format_money(Decimal("1212"), "EUR") == "1.212,00\\xa0€"``; None shows as "-"."""
    if amount is None or amount == "":
        return "-"
    value = Decimal(str(amount))
    if value == 0:
        value = abs(value)  # never "-0,00 €"
    # Stored amounts are already rounded to the currency's minor unit (invariant 1).
    return format_currency(value, currency or "EUR", locale=money_locale())
