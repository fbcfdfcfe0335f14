"""The `--date` of the daily runners (recurring invoices, payment reminders)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError


def run_date_option(value: str | None, *, today: dt.date, dry_run: bool, future: str) -> dt.date:
    """The day a runner acts as on: `--date` (YYYY-MM-DD) or the company's today.

    A day after today is only for a dry run: `future` says why a real run refuses it.
    """
    if not value:
        return today
    try:
        run_date = dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--date: {exc}") from exc
    if run_date > today and not dry_run:
        raise CommandError(f"--date {run_date} is after today ({today}): {future}.")
    return run_date
