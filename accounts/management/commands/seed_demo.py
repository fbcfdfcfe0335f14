"""Demo users and a living data set for `make run`. Idempotent; development only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Role, User
from customers.models import Customer
from customers.services import customer_create
from invoices import services as invoice_services
from invoices.models import Invoice
from products.models import Product
from products.services import product_create
from recurring.models import RecurringInvoice
from recurring.services import recurring_invoice_create, recurring_run
from reminders.models import PaymentReminder
from reminders.policy import policy_levels
from reminders.services import payment_reminder_send_due
from settings_app.calendar import company_today
from settings_app.models import CompanySettings

DEMO_PASSWORD = "demo-pass-123"  # noqa: S105 - public demo credential, DEBUG only

CUSTOMERS = [
    {
        "name": "Nordwind Logistik GmbH",
        "email": "billing@nordwind.example",
        "tax_id": "DE811907980",
        "street": "Hafenstraße 12",
        "city": "Hamburg",
        "postal_code": "20457",
        "country": "DE",
        "currency": "EUR",
        "payment_terms_days": 14,
        "preferred_language": "de",
    },
    {
        "name": "Atelier Lumière SARL",
        "email": "compta@lumiere.example",
        "tax_id": "FR40303265045",
        "street": "8 rue des Arts",
        "city": "Lyon",
        "postal_code": "69002",
        "country": "FR",
        "currency": "EUR",
        "payment_terms_days": 30,
        "preferred_language": "fr",
    },
    {
        "name": "Harbor & Pine Ltd",
        "email": "accounts@harborpine.example",
        "street": "221 Market Street",
        "city": "Boston",
        "postal_code": "02110",
        "country": "US",
        "currency": "USD",
        "payment_terms_days": 30,
        "preferred_language": "en",
    },
    {
        "name": "Sakura Trading K.K.",
        "email": "keiri@sakura.example",
        "street": "1-2-3 Marunouchi",
        "city": "Tokyo",
        "postal_code": "100-0005",
        "country": "JP",
        "currency": "JPY",
        "payment_terms_days": 45,
        "preferred_language": "en",
    },
    {
        "name": "Prospect Without Address",
        "email": "hello@prospect.example",
        "country": "DE",
        "currency": "EUR",
        "payment_terms_days": 14,
        "preferred_language": "en",
    },
]


def _line(description: str, quantity: str, price: str, rate: str = "19.00", **extra) -> dict:
    return {
        "description": description,
        "quantity": Decimal(quantity),
        "unit_price": Decimal(price),
        "tax_category": extra.pop("tax_category", "S"),
        "tax_rate": Decimal(rate),
        **{
            key: Decimal(value) if key.endswith("amount") else value for key, value in extra.items()
        },
    }


# name, SKU, unit (UN/ECE rec 20), net unit price, tax category
DEMO_PRODUCTS = [
    ("Consulting hour", "CONS-H", "HUR", "120.00", "S"),
    ("Workshop day", "WS-D", "DAY", "950.00", "S"),
    ("Software licence (year)", "LIC-Y", "ANN", "480.00", "S"),
    ("Export shipment handling", "EXP-1", "C62", "75.00", "G"),
]


class Command(BaseCommand):
    help = "Create the demo users (admin/staff, password demo-pass-123) and demo invoices."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo only runs with DEBUG=true: it creates known passwords.")
        with transaction.atomic():
            admin = self._user("admin", Role.ADMIN, "Ada", "Admin")
            staff = self._user("staff", Role.STAFF, "Sam", "Staff")
            self._company()
            self._products()
            created = self._invoices(staff, admin)
            created += self._recurring(staff)
            self._reminders(staff)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready: users admin / staff, password {DEMO_PASSWORD}"
                + (f"; {created} demo invoices created." if created else "; data already there.")
            )
        )

    def _products(self) -> None:
        """A small catalogue for lines to name (once: the SKUs are unique)."""
        if Product.objects.exists():
            return
        for name, sku, unit, price, category in DEMO_PRODUCTS:
            product_create(
                name=name, sku=sku, unit_code=unit, unit_price=Decimal(price), tax_category=category
            )

    def _user(self, username: str, role: str, first: str, last: str) -> User:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "role": role,
                "first_name": first,
                "last_name": last,
                "email": f"{username}@billing.example",
            },
        )
        if created or not user.check_password(DEMO_PASSWORD) or not user.is_active:
            user.set_password(DEMO_PASSWORD)
            user.is_active = True
            user.role = role
            user.save()
        return user

    def _company(self) -> None:
        company = CompanySettings.load()
        if company.street:
            return
        company.legal_name = "Demo Billing GmbH"
        company.trading_name = "Demo Billing"
        company.street = "Friedrichstraße 100"
        company.city = "Berlin"
        company.postal_code = "10117"
        company.country = "DE"
        company.vat_id = "DE136695976"
        company.company_id = "HRB 123456 B"
        company.email = "invoices@demo-billing.example"
        company.phone = "+49 30 1234567"
        company.website = "https://demo-billing.example"
        company.iban = "DE89370400440532013000"
        company.bic = "COBADEFFXXX"
        company.invoice_footer = "Demo Billing GmbH · Managing director: Ada Admin · Berlin"
        company.save()

    def _invoices(self, staff: User, admin: User) -> int:
        if Customer.all_objects.filter(owner=staff).exists():
            return 0
        customers = [customer_create(owner=staff, **data) for data in CUSTOMERS[:4]]
        customer_create(owner=admin, **CUSTOMERS[4])
        nordwind, lumiere, harbor, sakura = customers
        today = company_today()
        ago = lambda days: today - dt.timedelta(days=days)  # noqa: E731

        def draft(customer, lines, **fields):
            return invoice_services.invoice_create_draft(
                owner=staff, customer=customer, items=lines, **fields
            )

        schedules = self._schedules(staff, nordwind, lumiere, today)

        def bill_recurring_until(days_ago: int) -> None:
            # The schedules' history, in date order with the other invoices: each period
            # keeps its own start as issue date (numbers stay chronological).
            recurring_run(run_date=ago(days_ago), schedule_ids=schedules)

        def issued(customer, lines, days_ago, **fields):
            bill_recurring_until(days_ago)
            invoice = draft(customer, lines, **fields)
            return invoice_services.invoice_issue(
                invoice=invoice, by=staff, issue_date=ago(days_ago)
            )

        # Paid in full, long ago.
        paid = issued(
            nordwind,
            [
                _line("Freight consulting, March", "12", "95.00"),
                _line("Route planning software licence", "1", "480.00"),
            ],
            75,
        )
        invoice_services.payment_record(
            invoice=paid,
            by=staff,
            amount=paid.gross_total,
            date=ago(60),
            reference="SEPA 2026-0311",
        )
        # Overdue, partially paid; mixed rates and a line discount.
        partial = issued(
            lumiere,
            [
                _line("Photo shoot, full day", "2", "850.00", discount_amount="100.00"),
                _line("Art books", "10", "24.90", rate="5.50"),
            ],
            50,
            buyer_reference="PO-7781",
        )
        invoice_services.payment_record(
            invoice=partial, by=staff, amount=Decimal("500.00"), date=ago(20), method="card"
        )
        # Overdue, unpaid, in USD with a document allowance.
        bill_recurring_until(40)
        invoice_services.invoice_issue(
            invoice=invoice_services.invoice_create_draft(
                owner=staff,
                customer=harbor,
                items=[
                    _line("Export of machine parts", "40", "37.5000", rate="0.00", tax_category="G")
                ],
                allowances_charges=[
                    {
                        "is_charge": False,
                        "amount": Decimal("50.00"),
                        "reason": "Loyalty discount",
                        "tax_category": "G",
                        "tax_rate": Decimal("0"),
                    }
                ],
            ),
            by=staff,
            issue_date=ago(40),
        )
        # Paid 500.00, then credited in full: the invoice owes nothing and the credit
        # note shows the 500.00 owed back to the customer (the customer's balance).
        credited = issued(nordwind, [_line("Warehouse rental, April", "1", "1200.00")], 30)
        invoice_services.payment_record(
            invoice=credited, by=staff, amount=Decimal("500.00"), date=ago(25)
        )
        wrong = issued(nordwind, [_line("Duplicate booking", "1", "300.00")], 10)
        bill_recurring_until(8)
        invoice_services.invoice_issue(
            invoice=invoice_services.invoice_credit_note_create(invoice=credited),
            by=staff,
            issue_date=ago(8),
        )
        # Open, not yet due, in JPY.
        issued(
            sakura, [_line("Translation services", "12", "15000", rate="0.00", tax_category="O")], 5
        )
        # Voided today: its cancellation credit note is issued with it.
        invoice_services.invoice_void(invoice=wrong, by=staff, reason="Booked twice by mistake.")
        # Drafts being written.
        draft(
            lumiere,
            [
                _line("Retouching, 40 images", "40", "12.50"),
                _line("Travel costs", "1", "180.00", charge_amount="20.00"),
            ],
        )
        draft(harbor, [_line("Consulting hours", "7.5", "140.00", rate="0.00", tax_category="G")])
        bill_recurring_until(0)
        return Invoice.objects.filter(owner=staff).count()

    def _schedules(self, staff: User, licensee: Customer, client: Customer, today) -> list[int]:
        """A monthly retainer anchored on a 31st and a yearly licence, both in the past,
        so their first periods are already billed (issue 15, 8)."""
        anchor = today - dt.timedelta(days=150)
        while anchor.day != 31:
            anchor -= dt.timedelta(days=1)
        retainer = recurring_invoice_create(
            owner=staff,
            customer=client,
            frequency="monthly",
            start_date=anchor,
            days_until_due=14,
            notes="Retainer as agreed; billed on the last day of each month.",
            items=[_line("Retainer {month} {year}", "1", "1500.00")],
        )
        licence = recurring_invoice_create(
            owner=staff,
            customer=licensee,
            frequency="yearly",
            start_date=today - dt.timedelta(days=400),
            order_reference="LIC-2024-17",
            items=[_line("Route planning licence {period_start} to {period_end}", "1", "2400.00")],
        )
        return [retainer.pk, licence.pk]

    def _recurring(self, staff: User) -> int:
        """Demo schedules for a data set seeded before they existed (idempotent)."""
        if RecurringInvoice.objects.filter(owner=staff).exists():
            return 0
        customers = {c.name: c for c in Customer.objects.filter(owner=staff)}
        licensee = customers.get(CUSTOMERS[0]["name"])
        client = customers.get(CUSTOMERS[1]["name"])
        if licensee is None or client is None:
            return 0
        ids = self._schedules(staff, licensee, client, company_today())
        return recurring_run(schedule_ids=ids).invoices

    def _reminders(self, staff: User) -> None:
        """An overdue invoice with its first two reminders sent, each on its day (issue 16);
        idempotent: nothing when the staff user's invoices already have reminders."""
        if PaymentReminder.objects.filter(invoice__owner=staff).exists():
            return
        levels = policy_levels(CompanySettings.current())[:2]
        if len(levels) < 2:
            return
        today = company_today()
        overdue = (
            Invoice.objects.filter(
                owner=staff,
                kind="invoice",
                status__in=["issued", "partially_paid"],
                due_date__lte=today - dt.timedelta(days=levels[1].days_after_due),
                reminder_level=0,
            )
            .order_by("due_date", "id")
            .first()
        )
        if overdue is None:
            return
        for level in levels:
            run_date = overdue.due_date + dt.timedelta(days=level.days_after_due)
            payment_reminder_send_due(invoice_id=overdue.pk, run_date=run_date)
