"""What the data set is made of: the seller, the users, customers and line patterns."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from bench.seed.rows import TableWriter, next_id, reset_sequences
from customers.models import Customer
from invoices.totals import breakdown_json, totals_for
from settings_app.models import CompanySettings

BENCH_USERNAME = "bench"  # owns the seeded data set: every read scenario
WRITER_USERNAME = "bench-writer"  # owns what the write scenarios add and change
WRITER_CUSTOMERS = 50
CURRENCY = "EUR"
ITEMS_PER_INVOICE = 5
PATTERNS = 40

# (description, unit price, tax rate, line discount): quantities vary per pattern.
LINE_TEMPLATES = [
    ("Consulting (hours)", "95.00", "19.00", "0"),
    ("Software licence, annual", "1200.00", "19.00", "120.00"),
    ("Support plan, monthly", "249.90", "19.00", "0"),
    ("Technical books", "24.50", "7.00", "0"),
    ("Training day", "690.00", "19.00", "0"),
    ("Travel expenses (km)", "0.3000", "19.00", "0"),
    ("Hosting, monthly", "39.9900", "19.00", "0"),
    ("Printed manuals", "4.9715", "7.00", "5.00"),
    ("Docking station", "189.00", "19.00", "0"),
    ("Workshop catering", "356.40", "7.00", "0"),
]
QUANTITIES = ["1", "1", "2", "3", "5", "8", "10", "20"]
CITIES = [
    ("DE", "Berlin", "10115", "Friedrichstraße 12", "DE123456789", "de"),
    ("DE", "Hamburg", "20095", "Mönckebergstraße 7", "DE123456789", "de"),
    ("FR", "Paris", "75002", "1 rue de la Paix", "FR40303265045", "fr"),
    ("FR", "Lyon", "69002", "12 quai Saint-Antoine", "FR40303265045", "en"),
]
METHODS = ["bank_transfer", "bank_transfer", "bank_transfer", "card", "cheque", "other"]


class Pattern:
    """Five lines and their totals, computed once with the product's calculation."""

    def __init__(self, lines: list[dict[str, Any]]) -> None:
        self.lines = lines
        self.totals = totals_for(items=lines, allowances_charges=[], currency=CURRENCY)
        self.breakdown = breakdown_json(self.totals)
        self.gross = self.totals.gross_total


def _line(template: tuple[str, str, str, str], quantity: str) -> dict[str, Any]:
    description, price, rate, discount = template
    if Decimal(quantity) * Decimal(price) <= 2 * Decimal(discount):
        discount = "0"  # the API refuses a discount larger than the line (a 400)
    return {
        "description": description,
        "quantity": Decimal(quantity),
        "unit_code": "HUR" if "hours" in description else "C62",
        "unit_price": Decimal(price),
        "price_base_quantity": Decimal("1"),
        "discount_amount": Decimal(discount),
        "charge_amount": Decimal("0"),
        "tax_category": "S",
        "tax_rate": Decimal(rate),
    }


def make_patterns(rng: random.Random) -> list[Pattern]:
    patterns = []
    for _ in range(PATTERNS):
        templates = rng.sample(LINE_TEMPLATES, ITEMS_PER_INVOICE)
        patterns.append(Pattern([_line(t, rng.choice(QUANTITIES)) for t in templates]))
    return patterns


BIG_PATTERN_LINE = ("Framework agreement, instalment", "100000.00", "19.00", "0")


def big_pattern() -> Pattern:
    """Payment targets: large enough that thousands of small payments never settle them."""
    return Pattern([_line(BIG_PATTERN_LINE, "1") for _ in range(ITEMS_PER_INVOICE)])


def setup_company() -> CompanySettings:
    company = CompanySettings.load()
    company.legal_name = "Bench Seller GmbH"
    company.trading_name = "Bench Seller"
    company.street = "Hauptstraße 1"
    company.city = "Berlin"
    company.postal_code = "10115"
    company.country = "DE"
    company.vat_id = "DE123456789"
    company.company_id = "HRB 1234"
    company.email = "billing@seller.example"
    company.iban = "DE89370400440532013000"
    company.bic = "COBADEFFXXX"
    company.default_currency = CURRENCY
    company.save()
    return company


def bench_user(password: str | None = None, username: str = BENCH_USERNAME) -> User:
    user, _ = User.objects.get_or_create(
        username=username,
        defaults={"email": f"{username}@seller.example", "role": Role.STAFF},
    )
    if password:
        user.set_password(password)
        user.save()
    return user


def ensure_customers(owner: User, count: int, rng: random.Random) -> list[Customer]:
    existing = list(Customer.all_objects.filter(owner=owner).order_by("id"))
    if len(existing) >= count:
        return existing[:count]
    now = timezone.now()
    rows = []
    for n in range(len(existing), count):
        country, city, postal, street, vat, lang = CITIES[n % len(CITIES)]
        rows.append(
            Customer(
                owner=owner,
                name=f"{owner.username.title()} customer {n + 1:04d} "
                f"{'GmbH' if country == 'DE' else 'SARL'}",
                email=f"accounts{n + 1:04d}@buyer.example",
                phone="+49 30 1234567" if country == "DE" else "+33 1 23 45 67 89",
                tax_id=vat,
                company_id=f"REG-{n + 1:05d}",
                street=street,
                city=city,
                postal_code=postal,
                country=country,
                currency=CURRENCY,
                payment_terms_days=rng.choice([14, 30, 30, 30]),
                preferred_language=lang,
                created_at=now,
                updated_at=now,
            )
        )
    # COPY (bench.seed.rows) rather than bulk_create: 100,000 customers in seconds.
    writer = TableWriter(Customer)
    first_id = next_id(Customer)
    with transaction.atomic():
        for offset, customer in enumerate(rows):
            customer.id = first_id + offset
            writer.add({name: getattr(customer, name) for name in writer.attnames})
            if len(writer.rows) >= 10_000:
                writer.flush()
        writer.flush()
        reset_sequences([Customer])
    return list(Customer.all_objects.filter(owner=owner).order_by("id"))[:count]
