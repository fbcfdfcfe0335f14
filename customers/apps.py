from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = "Customers"

    def ready(self) -> None:
        # Models exist only once the app registry is ready: imported here, not at the top.
        from common.counts import cache_counts_of
        from customers.models import Customer
        from invoices.models import Invoice

        # A page of 100,000 customers otherwise pays a full COUNT per request. The
        # balance filter moves with invoice writes (the statistics follow by UPDATE in
        # the same transaction, whose invoice save or update starts a new version).
        cache_counts_of(Customer, changing_with=(Invoice,))
