"""`manage.py rebuild_report_rollups [--owner ID ...]`: the report rollups recomputed
from the invoices (after a bulk load, or to repair them), in one transaction."""

from django.core.management.base import BaseCommand
from django.db import transaction
from tqdm import tqdm

from invoices.rollups import rollup_rebuild


class Command(BaseCommand):
    help = "Recompute the aging and summary report rollups from the invoices."

    def add_arguments(self, parser):
        parser.add_argument(
            "--owner", type=int, action="append", help="only this user's (repeatable)"
        )

    def handle(self, *args, owner: list[int] | None, **options):
        with (
            tqdm(unit="month", disable=options["verbosity"] == 0) as bar,
            transaction.atomic(),  # readers see the old rows until the new ones are all in
        ):

            def progress(done: int, months: int) -> None:
                bar.total = months
                bar.update(done - bar.n)

            rows = rollup_rebuild(owner_ids=owner, progress=progress)
        self.stdout.write(self.style.SUCCESS(f"Rebuilt the report rollups: {rows} rows."))
