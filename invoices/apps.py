from django.apps import AppConfig


class InvoicesConfig(AppConfig):
    name = "invoices"
    verbose_name = "Invoices"

    def ready(self) -> None:
        # Models exist only once the app registry is ready: imported here, not at the top.
        from common.counts import cache_counts_of
        from customers.models import Customer
        from invoices.models import Invoice

        # The invoice list searches customer names: a renamed customer changes counts.
        cache_counts_of(Invoice, changing_with=(Customer,))
