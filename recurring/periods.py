"""The dates of a schedule's periods: pure calendar maths, no Django import.

Period n starts at anchor + n x (interval x frequency), computed from the anchor every
time and never from the previous period, so a month end stays a month end: monthly from
31 Jan gives 31 Jan, 28/29 Feb, 31 Mar, 30 Apr. A period ends the day before the next
one starts.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator

WEEKLY = "weekly"
MONTHLY = "monthly"
QUARTERLY = "quarterly"
YEARLY = "yearly"
MONTHS_PER_STEP = {MONTHLY: 1, QUARTERLY: 3, YEARLY: 12}


def add_months(anchor: dt.date, months: int) -> dt.date:
    """`anchor` moved by whole months, its day clamped to the target month's last day."""
    month_index = anchor.year * 12 + (anchor.month - 1) + months
    year, month = divmod(month_index, 12)
    month += 1
    day = min(anchor.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day)


def period_start(*, anchor: dt.date, frequency: str, interval: int, index: int) -> dt.date:
    """The first day of period `index` (0 is the anchor itself)."""
    if index < 0 or interval < 1:
        raise ValueError("index must be >= 0 and interval >= 1")
    if frequency == WEEKLY:
        return anchor + dt.timedelta(weeks=interval * index)
    try:
        step = MONTHS_PER_STEP[frequency]
    except KeyError:
        raise ValueError(f"unknown frequency {frequency!r}") from None
    return add_months(anchor, step * interval * index)


def period_end(*, anchor: dt.date, frequency: str, interval: int, index: int) -> dt.date:
    """The last day of period `index`: the day before period `index + 1` starts."""
    following = period_start(anchor=anchor, frequency=frequency, interval=interval, index=index + 1)
    return following - dt.timedelta(days=1)


def periods(
    *, anchor: dt.date, frequency: str, interval: int, first: int = 0
) -> Iterator[tuple[int, dt.date, dt.date]]:
    """(index, start, end) of every period from `first` on (endless: the caller stops)."""
    index = first
    while True:
        start = period_start(anchor=anchor, frequency=frequency, interval=interval, index=index)
        end = period_end(anchor=anchor, frequency=frequency, interval=interval, index=index)
        yield index, start, end
        index += 1
