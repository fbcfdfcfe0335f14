from django.core.management.base import BaseCommand
from tqdm import tqdm

from customers.models import Customer
from customers.services import customer_statistics_recompute


class Command(BaseCommand):
    help = "Rebuild every customer's statistics from their invoices (after bulk loads)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size: int, **options):
        ids = list(Customer.all_objects.order_by("id").values_list("id", flat=True))
        with tqdm(total=len(ids), unit="customer", disable=options["verbosity"] == 0) as bar:
            for start in range(0, len(ids), batch_size):
                chunk = ids[start : start + batch_size]
                customer_statistics_recompute(customer_ids=chunk)
                bar.update(len(chunk))
        self.stdout.write(self.style.SUCCESS(f"Recomputed statistics of {len(ids)} customers."))
