"""Level selection over random due dates, policies and run calendars (hypothesis)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from reminders.levels import first_due_date, level_due

DAY = dt.timedelta(days=1)
policies = st.lists(st.integers(0, 120), min_size=1, max_size=5, unique=True).map(sorted)
dates = st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31))


def test_examples():
    due = dt.date(2026, 3, 1)
    days = [7, 14, 30]
    assert (
        level_due(due_date=due, run_date=due + 6 * DAY, days_after_due=days, sent_level=0) is None
    )
    assert level_due(due_date=due, run_date=due + 7 * DAY, days_after_due=days, sent_level=0) == 1
    assert (
        level_due(due_date=due, run_date=due + 7 * DAY, days_after_due=days, sent_level=1) is None
    )
    # a late start: the highest due level, not the backlog
    assert level_due(due_date=due, run_date=due + 40 * DAY, days_after_due=days, sent_level=0) == 3
    # a level already above what is due (the policy was shortened): nothing
    assert level_due(due_date=due, run_date=due + 8 * DAY, days_after_due=[7], sent_level=3) is None
    # days_after_due 0: due on the due date itself
    assert level_due(due_date=due, run_date=due, days_after_due=[0], sent_level=0) == 1
    assert level_due(due_date=due, run_date=due - DAY, days_after_due=[0], sent_level=0) is None
    assert first_due_date(run_date=due, days_after_due=days) == due - 7 * DAY
    assert first_due_date(run_date=due, days_after_due=[]) is None


@given(
    due=dates,
    days=policies,
    start=st.integers(-10, 150),
    gaps=st.lists(st.integers(1, 20), min_size=1, max_size=30),
)
def test_a_calendar_of_runs_sends_rising_levels_each_once_never_early(due, days, start, gaps):
    sent: list[tuple[dt.date, int]] = []
    level = 0
    run = due + start * DAY
    for gap in gaps:
        chosen = level_due(due_date=due, run_date=run, days_after_due=days, sent_level=level)
        due_levels = [n for n, d in enumerate(days, start=1) if due + d * DAY <= run]
        if chosen is not None:
            # the highest level due that day, above everything sent before
            assert chosen == max(due_levels) > level
            assert due + days[chosen - 1] * DAY <= run
            sent.append((run, chosen))
            level = chosen
        else:
            assert not due_levels or max(due_levels) <= level
        run += gap * DAY
    levels = [n for _, n in sent]
    assert levels == sorted(set(levels))  # strictly rising: each level at most once
    assert len(levels) <= len(days)


@given(due=dates, days=policies, offset=st.integers(-200, 200))
def test_the_candidate_bound_never_misses_a_due_level(due, days, offset):
    run = due + offset * DAY
    chosen = level_due(due_date=due, run_date=run, days_after_due=days, sent_level=0)
    latest = first_due_date(run_date=run, days_after_due=days)
    assert (chosen is not None) == (due <= latest)


@given(due=dates, days=policies, offset=st.integers(0, 300))
def test_running_every_day_reaches_every_level_in_order(due, days, offset):
    level, sent = 0, []
    for n in range(offset + 1):
        chosen = level_due(
            due_date=due, run_date=due + n * DAY, days_after_due=days, sent_level=level
        )
        if chosen is not None:
            sent.append(chosen)
            level = chosen
    # daily runs skip nothing whose day came (levels on distinct days)
    assert sent == [n for n, d in enumerate(days, start=1) if d <= offset]
