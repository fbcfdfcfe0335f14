"""Bill every due period of the recurring invoices (what the daily beat task runs)."""

from __future__ import annotations

import datetime as dt
import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from common.management.progress import run_progress
from common.management.run_date import run_date_option
from recurring.models import RecurringInvoice
from recurring.parallel import workers_supported
from recurring.selectors import due_periods_count, next_period, recurring_due_ids
from recurring.services import ScheduleRun, recurring_run
from settings_app.calendar import company_today


class Command(BaseCommand):
    help = (
        "Bill every period of the active recurring invoices that starts on or before the "
        "run date (the company's today by default), oldest first, each once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Run date, YYYY-MM-DD (not after today).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be billed; write nothing."
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="Processes billing each day's periods side by side (PostgreSQL only).",
        )

    def handle(self, *args, **options):
        today = company_today()
        run_date = run_date_option(
            options["date"],
            today=today,
            dry_run=options["dry_run"],
            future="no issue dates in the future",
        )
        workers = options["workers"]
        if workers < 1 or (workers > 1 and not workers_supported()):
            raise CommandError("--workers: 1, or more on PostgreSQL (SQLite has one writer).")
        ids = recurring_due_ids(run_date=run_date)
        if options["dry_run"]:
            self._dry_run(ids, run_date)
            return
        with run_progress(
            self.stderr,
            total=len(ids),
            unit="schedule",
            desc=f"Recurring {run_date}",
            hidden=options["no_progress"],
        ) as advance:

            def on_schedule(run: ScheduleRun) -> None:
                advance(run.schedule_id, run.failed["code"] if run.failed else None)

            report = recurring_run(
                run_date=run_date, schedule_ids=ids, on_schedule=on_schedule, workers=workers
            )
        for run in report.schedules:
            if run.failed:
                self.stderr.write(
                    f"Recurring invoice {run.schedule_id}: {run.failed['code']}: "
                    f"{run.failed['message']} {json.dumps(run.failed['details'], default=str)}"
                )
        self.stdout.write(json.dumps(report.summary()))

    def _dry_run(self, ids: list[int], run_date: dt.date) -> None:
        limit = settings.RECURRING_MAX_CATCHUP
        total = 0
        for schedule in RecurringInvoice.objects.filter(pk__in=ids).order_by("id"):
            due = due_periods_count(schedule, run_date=run_date)
            first = next_period(schedule)
            billed = min(due, limit)
            total += billed
            self.stdout.write(
                f"Recurring invoice {schedule.pk}: {billed} period(s) from {first.start}"
                + (f" ({due - billed} more at the next runs)" if due > billed else "")
            )
        self.stdout.write(
            json.dumps(
                {
                    "run_date": run_date.isoformat(),
                    "dry_run": True,
                    "schedules": len(ids),
                    "periods": total,
                }
            )
        )
