"""factory_boy factories for every app (one place, so tests across apps share them)."""

from __future__ import annotations

from decimal import Decimal

import factory

from accounts.models import Role, User
from customers.models import Customer
from settings_app.models import CompanySettings

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    role = Role.STAFF
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CompanySettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompanySettings
        django_get_or_create = ("singleton",)

    singleton = 1
    legal_name = "Seller GmbH"
    trading_name = "Seller"
    street = "Hauptstraße 1"
    city = "Berlin"
    postal_code = "10115"
    country = "DE"
    vat_id = "DE123456789"
    company_id = "HRB 1234"
    email = "billing@seller.example"
    iban = "DE89370400440532013000"
    bic = "COBADEFFXXX"
    default_currency = "EUR"
    default_payment_terms_days = 30
    default_tax_rate = Decimal("19.00")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Customer {n:03d}")
    email = factory.LazyAttribute(lambda o: f"c{o.name[-3:]}@buyer.example")
    tax_id = "FR40303265045"
    street = "1 rue de la Paix"
    city = "Paris"
    postal_code = "75002"
    country = "FR"
    currency = "EUR"
    payment_terms_days = 30
    preferred_language = "en"
