"""Which reminder level is due (pure: no Django import, tested with hypothesis).

A policy is the company's `reminder_levels`: level n (1-based) is due `days_after_due[n]`
days after the due date. A run sends the highest level due on its date if it is above
the highest already sent, so a late start sends one reminder (the highest due level,
recorded as such), never the backlog, and a lower level never follows a higher one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence


def level_due(
    *, due_date: dt.date, run_date: dt.date, days_after_due: Sequence[int], sent_level: int
) -> int | None:
    """The level to send on `run_date`, or None (nothing due, or already sent)."""
    due = 0
    for level, days in enumerate(days_after_due, start=1):
        if due_date + dt.timedelta(days=days) <= run_date:
            due = level
    return due if due > sent_level else None


def first_due_date(*, run_date: dt.date, days_after_due: Sequence[int]) -> dt.date | None:
    """The latest due date for which level 1 can be due on `run_date` (None: no levels)."""
    if not days_after_due:
        return None
    return run_date - dt.timedelta(days=min(days_after_due))
