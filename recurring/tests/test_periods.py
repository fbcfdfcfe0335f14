"""Period dates: from the anchor, never chained, clamped to the month's last day."""

from __future__ import annotations

import calendar
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recurring.periods import add_months, period_end, period_start


def _starts(anchor: dt.date, frequency: str, count: int, interval: int = 1) -> list[dt.date]:
    return [
        period_start(anchor=anchor, frequency=frequency, interval=interval, index=n)
        for n in range(count)
    ]


def test_monthly_from_the_31st_keeps_the_month_end():
    assert _starts(dt.date(2026, 1, 31), "monthly", 5) == [
        dt.date(2026, 1, 31),
        dt.date(2026, 2, 28),
        dt.date(2026, 3, 31),
        dt.date(2026, 4, 30),
        dt.date(2026, 5, 31),
    ]


def test_monthly_from_the_31st_in_a_leap_year():
    assert _starts(dt.date(2028, 1, 31), "monthly", 3) == [
        dt.date(2028, 1, 31),
        dt.date(2028, 2, 29),
        dt.date(2028, 3, 31),
    ]


def test_yearly_from_29_february():
    assert _starts(dt.date(2024, 2, 29), "yearly", 5) == [
        dt.date(2024, 2, 29),
        dt.date(2025, 2, 28),
        dt.date(2026, 2, 28),
        dt.date(2027, 2, 28),
        dt.date(2028, 2, 29),
    ]


def test_quarterly_and_weekly():
    assert _starts(dt.date(2026, 11, 30), "quarterly", 4) == [
        dt.date(2026, 11, 30),
        dt.date(2027, 2, 28),
        dt.date(2027, 5, 30),
        dt.date(2027, 8, 30),
    ]
    assert _starts(dt.date(2026, 12, 28), "weekly", 3, interval=2) == [
        dt.date(2026, 12, 28),
        dt.date(2027, 1, 11),
        dt.date(2027, 1, 25),
    ]


def test_every_two_months_and_the_end_of_a_period():
    assert _starts(dt.date(2026, 12, 31), "monthly", 3, interval=2) == [
        dt.date(2026, 12, 31),
        dt.date(2027, 2, 28),
        dt.date(2027, 4, 30),
    ]
    end = period_end(anchor=dt.date(2026, 1, 31), frequency="monthly", interval=1, index=0)
    assert end == dt.date(2026, 2, 27)  # the day before 28 Feb


@pytest.mark.parametrize("bad", [{"index": -1}, {"interval": 0}, {"frequency": "daily"}])
def test_refuses_nonsense(bad):
    kwargs = {"anchor": dt.date(2026, 1, 1), "frequency": "monthly", "interval": 1, "index": 0}
    with pytest.raises(ValueError):
        period_start(**{**kwargs, **bad})


MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}
anchors = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2089, 12, 31))
intervals = st.integers(min_value=1, max_value=6)


@settings(max_examples=300, deadline=None)
@given(anchor=anchors, frequency=st.sampled_from(sorted(MONTHS)), interval=intervals)
def test_month_based_periods_over_ten_years(anchor, frequency, interval):
    step = MONTHS[frequency] * interval
    count = 10 * 12 // step + 1
    starts = _starts(anchor, frequency, count, interval)
    for n, start in enumerate(starts):
        months = anchor.year * 12 + anchor.month - 1 + n * step
        year, month = divmod(months, 12)
        last_day = calendar.monthrange(year, month + 1)[1]
        # anchor + n x interval, in the right month, the anchor's day clamped to its end
        assert (start.year, start.month) == (year, month + 1)
        assert start.day == min(anchor.day, last_day)
        # never chained: the day comes back after a short month
        if anchor.day <= last_day:
            assert start.day == anchor.day
        end = period_end(anchor=anchor, frequency=frequency, interval=interval, index=n)
        assert end < (starts[n + 1] if n + 1 < count else end + dt.timedelta(days=1))
        assert end + dt.timedelta(days=1) == period_start(
            anchor=anchor, frequency=frequency, interval=interval, index=n + 1
        )
    assert starts == sorted(set(starts))  # strictly increasing: no period twice


@settings(max_examples=200, deadline=None)
@given(anchor=anchors, interval=intervals, n=st.integers(min_value=0, max_value=520))
def test_weekly_periods_are_whole_weeks_from_the_anchor(anchor, interval, n):
    start = period_start(anchor=anchor, frequency="weekly", interval=interval, index=n)
    assert start == anchor + dt.timedelta(days=7 * interval * n)
    assert start.weekday() == anchor.weekday()
    end = period_end(anchor=anchor, frequency="weekly", interval=interval, index=n)
    assert (end - start).days == 7 * interval - 1


@settings(max_examples=200, deadline=None)
@given(anchor=anchors, months=st.integers(min_value=0, max_value=120))
def test_add_months_is_never_chained(anchor, months):
    # one jump of n months equals the anchor's day clamped, whatever lay in between
    direct = add_months(anchor, months)
    stepwise_anchor_based = [add_months(anchor, m) for m in range(months + 1)][-1]
    assert direct == stepwise_anchor_based
    assert direct.day == min(anchor.day, calendar.monthrange(direct.year, direct.month)[1])
