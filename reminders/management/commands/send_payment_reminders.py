"""Send the payment reminders due today (what the daily beat task runs)."""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand

from common.management.progress import run_progress
from common.management.run_date import run_date_option
from invoices.models import Invoice
from reminders.policy import policy_levels
from reminders.selectors import reminders_due
from reminders.services import FAILED, ReminderResult, payment_reminders_run
from settings_app.calendar import company_today
from settings_app.models import CompanySettings


class Command(BaseCommand):
    help = (
        "Send, for every open invoice, the highest reminder level due on the run date (the "
        "company's today by default) that was not sent yet, each level once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            help="Run as on this day, YYYY-MM-DD (not after today): which levels are due. "
            "Fee invoices are still dated today.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be sent; write nothing."
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, **options):
        company = CompanySettings.current()
        today = company_today(company)
        run_date = run_date_option(
            options["date"],
            today=today,
            dry_run=options["dry_run"],
            future="no reminder before its day",
        )
        if not company.reminders_enabled:
            self.stderr.write("Reminders are off in the company settings (reminders_enabled).")
        levels = policy_levels(company)
        due = reminders_due(run_date=run_date, levels=levels) if company.reminders_enabled else []
        if options["dry_run"]:
            self._dry_run(due, run_date, levels)
            return
        with run_progress(
            self.stderr,
            total=len(due),
            unit="invoice",
            desc=f"Reminders {run_date}",
            hidden=options["no_progress"],
        ) as advance:

            def on_invoice(result: ReminderResult) -> None:
                failed = result.outcome == FAILED
                advance(result.invoice_id, result.error["code"] if failed else None)

            report = payment_reminders_run(run_date=run_date, due=due, on_invoice=on_invoice)
        for result in report.results:
            if result.outcome == FAILED:
                error = result.error or {}
                self.stderr.write(
                    f"Invoice {result.invoice_id}: {error.get('code')}: {error.get('message')} "
                    f"{json.dumps(error.get('details'), default=str)}"
                )
        self.stdout.write(json.dumps(report.summary()))

    def _dry_run(self, due, run_date: dt.date, levels) -> None:
        numbers = dict(
            Invoice.objects.filter(pk__in=[item.invoice_id for item in due]).values_list(
                "id", "number"
            )
        )
        for item in due:
            fee = levels[item.level - 1].fee_amount
            self.stdout.write(
                f"Invoice {numbers.get(item.invoice_id)}: reminder {item.level}"
                + (f", fee {fee}" if fee > 0 else "")
            )
        self.stdout.write(
            json.dumps({"run_date": run_date.isoformat(), "dry_run": True, "reminders": len(due)})
        )
