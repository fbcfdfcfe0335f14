"""Statutory default interest on an overdue amount (pure: no Django import).

EU late-payment rules (Directive 2011/7/EU; in Germany § 288 BGB): the base rate plus 9
percentage points between businesses, plus 5 when the debtor is a consumer, for each
day of delay, counted act/365. The base rate changes on the days of the table; a
stretch of days crossing such a day is split, each part at its own rate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

BUSINESS_POINTS = Decimal("9")
CONSUMER_POINTS = Decimal("5")
DAYS_IN_YEAR = Decimal("365")
HUNDRED = Decimal("100")


@dataclass(frozen=True)
class InterestPart:
    start: dt.date  # first day of delay of this part
    end: dt.date  # last day, inclusive
    base_rate: Decimal
    rate: Decimal  # base rate + points, percent a year (never below 0)
    amount: Decimal  # unrounded

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Interest:
    principal: Decimal
    points: Decimal
    parts: tuple[InterestPart, ...]
    total: Decimal  # rounded to the currency's minor unit

    def details(self) -> dict:
        """How it was computed, as stored on the reminder (strings for every number)."""
        return {
            "method": "act/365",
            "principal": str(self.principal),
            "points": str(self.points),
            "periods": [
                {
                    "from": part.start.isoformat(),
                    "to": part.end.isoformat(),
                    "days": part.days,
                    "base_rate": str(part.base_rate),
                    "rate": str(part.rate),
                    "amount": str(part.amount.quantize(Decimal("0.0001"), ROUND_HALF_UP)),
                }
                for part in self.parts
            ],
            "total": str(self.total),
        }


def base_rate_on(day: dt.date, rates: Sequence[tuple[dt.date, Decimal]]) -> Decimal:
    """The rate in force on `day`: the last entry on or before it (0 before the first)."""
    current = Decimal("0")
    for since, rate in rates:
        if since > day:
            break
        current = rate
    return current


def late_interest(
    *,
    principal: Decimal,
    first_day: dt.date,
    last_day: dt.date,
    consumer: bool,
    rates: Sequence[tuple[dt.date, Decimal]],
    places: int,
) -> Interest:
    """Interest on `principal` for every day from `first_day` to `last_day` inclusive."""
    rates = sorted(rates)
    points = CONSUMER_POINTS if consumer else BUSINESS_POINTS
    parts: list[InterestPart] = []
    start = first_day
    while start <= last_day:
        changes = [since for since, _ in rates if start < since <= last_day]
        end = min(changes) - dt.timedelta(days=1) if changes else last_day
        base = base_rate_on(start, rates)
        rate = max(base + points, Decimal("0"))
        days = (end - start).days + 1
        amount = principal * rate / HUNDRED * days / DAYS_IN_YEAR
        parts.append(InterestPart(start, end, base, rate, amount))
        start = end + dt.timedelta(days=1)
    exact = sum((part.amount for part in parts), Decimal("0"))
    total = exact.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    return Interest(principal, points, tuple(parts), total)
