"""Statutory default interest: act/365 per day, split where the base rate changes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st

from reminders.base_rates import GERMAN_BASE_RATES, base_rates_with, parse_base_rates
from reminders.interest import base_rate_on, late_interest

RATES = [(dt.date(2024, 1, 1), Decimal("3.62")), (dt.date(2024, 7, 1), Decimal("3.37"))]


def test_business_rate_split_at_a_base_rate_change():
    interest = late_interest(
        principal=Decimal("1000.00"),
        first_day=dt.date(2024, 6, 21),
        last_day=dt.date(2024, 7, 10),
        consumer=False,
        rates=RATES,
        places=2,
    )
    # 10 days at 12.62 % + 10 days at 12.37 %: 1000 x (0.1262 + 0.1237) x 10 / 365
    assert [(p.start, p.end, p.days, p.rate) for p in interest.parts] == [
        (dt.date(2024, 6, 21), dt.date(2024, 6, 30), 10, Decimal("12.62")),
        (dt.date(2024, 7, 1), dt.date(2024, 7, 10), 10, Decimal("12.37")),
    ]
    assert interest.total == Decimal("6.85")


def test_consumer_rate_and_rounding_to_the_minor_unit():
    interest = late_interest(
        principal=Decimal("12345"),
        first_day=dt.date(2024, 2, 1),
        last_day=dt.date(2024, 2, 29),
        consumer=True,
        rates=RATES,
        places=0,  # JPY
    )
    # 12345 x 8.62 % x 29 / 365 = 84.55...
    assert interest.points == Decimal("5")
    assert interest.total == Decimal("85")


def test_a_negative_base_rate_and_a_rate_never_below_zero():
    negative = [(dt.date(2016, 7, 1), Decimal("-0.88"))]
    assert base_rate_on(dt.date(2020, 1, 1), negative) == Decimal("-0.88")
    interest = late_interest(
        principal=Decimal("365.00"),
        first_day=dt.date(2020, 1, 1),
        last_day=dt.date(2020, 1, 1),
        consumer=True,
        rates=negative,
        places=2,
    )
    assert (interest.parts[0].rate, interest.total) == (Decimal("4.12"), Decimal("0.04"))
    floor = late_interest(
        principal=Decimal("100"),
        first_day=dt.date(2020, 1, 1),
        last_day=dt.date(2020, 1, 31),
        consumer=True,
        rates=[(dt.date(2000, 1, 1), Decimal("-7"))],
        places=2,
    )
    assert floor.total == Decimal("0.00")


def test_german_table_and_overrides():
    assert GERMAN_BASE_RATES[0] == (dt.date(2002, 1, 1), Decimal("2.57"))
    assert base_rate_on(dt.date(2022, 12, 31), GERMAN_BASE_RATES) == Decimal("-0.88")
    assert base_rate_on(dt.date(2023, 1, 1), GERMAN_BASE_RATES) == Decimal("1.62")
    assert base_rate_on(dt.date(2025, 8, 1), GERMAN_BASE_RATES) == Decimal("1.27")
    merged = base_rates_with("2025-07-01=1.30; 2026-01-01=1.00")
    assert merged[-2:] == [
        (dt.date(2025, 7, 1), Decimal("1.30")),
        (dt.date(2026, 1, 1), Decimal("1.00")),
    ]
    assert settings.LATE_INTEREST_BASE_RATES[: len(GERMAN_BASE_RATES)] == GERMAN_BASE_RATES
    with pytest.raises(ValueError, match="bad entry"):
        parse_base_rates("2026-13-01=1")
    with pytest.raises(ValueError, match="bad entry"):
        parse_base_rates("2026-01-01=abc")


@given(
    principal=st.decimals(Decimal("0.01"), Decimal("1000000"), places=2),
    start=st.dates(dt.date(2002, 1, 1), dt.date(2026, 12, 31)),
    days=st.integers(1, 800),
    split=st.integers(1, 800),
    consumer=st.booleans(),
)
def test_interest_is_additive_over_days(principal, start, days, split, consumer):
    """Billing a stretch in two reminders gives (before rounding) what one would."""
    split = min(split, days)
    end = start + dt.timedelta(days=days - 1)
    middle = start + dt.timedelta(days=split - 1)

    def exact(first, last):
        if first > last:
            return Decimal("0")
        interest = late_interest(
            principal=principal,
            first_day=first,
            last_day=last,
            consumer=consumer,
            rates=GERMAN_BASE_RATES,
            places=2,
        )
        assert sum(part.days for part in interest.parts) == (last - first).days + 1
        return sum(part.amount for part in interest.parts)

    whole = exact(start, end)
    parts = exact(start, middle) + exact(middle + dt.timedelta(days=1), end)
    assert abs(whole - parts) < Decimal("1e-20")
    assert whole >= 0
