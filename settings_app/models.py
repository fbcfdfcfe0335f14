from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from common import shared_cache
from common.fields import FastJSONField
from common.models import TimeStampedModel
from common.validators import (
    LANGUAGES,
    validate_bic,
    validate_country_code,
    validate_currency_code,
    validate_iban,
    validate_vat_id,
)
from settings_app.validators import validate_logo, validate_number_format, validate_timezone

CURRENT_CACHE_KEY = "settings:company:current:v1"
CURRENT_CACHE_SECONDS = 3600

TAX_CATEGORIES = [
    ("S", "Standard rate"),
    ("Z", "Zero rated"),
    ("E", "Exempt"),
    ("AE", "Reverse charge"),
    ("K", "Intra-community supply"),
    ("G", "Export outside the EU"),
    ("O", "Not subject to VAT"),
]


def default_reminder_levels() -> list[dict[str, str | int]]:
    return [
        {"days_after_due": 7, "fee_amount": "0"},
        {"days_after_due": 14, "fee_amount": "0"},
        {"days_after_due": 30, "fee_amount": "0"},
    ]


class CompanySettings(TimeStampedModel):
    """The seller: one row per deployment (the database refuses a second)."""

    # Always 1: the unique constraint plus the check make a second row impossible.
    singleton = models.PositiveSmallIntegerField(default=1, editable=False)

    legal_name = models.CharField(max_length=200, default="My Company")
    trading_name = models.CharField(max_length=200, blank=True)
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, default="DE", validators=[validate_country_code])
    vat_id = models.CharField(max_length=20, blank=True, validators=[validate_vat_id])
    company_id = models.CharField(max_length=50, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)
    website = models.URLField(blank=True)
    iban = models.CharField(max_length=42, blank=True, validators=[validate_iban])
    bic = models.CharField(max_length=11, blank=True, validators=[validate_bic])
    logo = models.ImageField(upload_to="logos/", blank=True, validators=[validate_logo])
    default_currency = models.CharField(
        max_length=3, default="EUR", validators=[validate_currency_code]
    )
    default_payment_terms_days = models.PositiveIntegerField(
        default=30, validators=[MaxValueValidator(365)]
    )
    default_tax_rate = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("19.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    default_tax_category = models.CharField(max_length=2, choices=TAX_CATEGORIES, default="S")
    invoice_number_format = models.CharField(
        max_length=100, default="{series}-{year}-{seq:05d}", validators=[validate_number_format]
    )
    invoice_series = models.CharField(max_length=20, default="INV")
    credit_note_series = models.CharField(max_length=20, default="CN")
    invoice_footer = models.TextField(blank=True)
    default_language = models.CharField(max_length=5, choices=LANGUAGES, default="en")
    # Seller contact (BT-41..43; phone and e-mail default to the company's) and endpoint
    # (BT-34 with its EAS scheme).
    contact_name = models.CharField(max_length=200, blank=True)
    contact_phone = models.CharField(max_length=50, blank=True)
    contact_email = models.EmailField(blank=True)
    endpoint_id = models.CharField(max_length=100, blank=True)
    endpoint_scheme = models.CharField(max_length=4, blank=True)
    # Payment reminders (reminders app): levels of {days_after_due, fee_amount}.
    reminders_enabled = models.BooleanField(default=True)
    reminder_levels = FastJSONField(default=default_reminder_levels, blank=True)
    # Statutory default interest on overdue amounts, billed only as a fee invoice.
    late_interest = models.BooleanField(default=False)
    # Editable e-mail texts: {kind or "reminder_<level>": {language: {subject, intro}}};
    # what is missing falls back to the translated defaults (documents.mail).
    email_texts = FastJSONField(default=dict, blank=True)
    # The company's calendar: "today" for issue dates, payments, due dates and reports.
    timezone = models.CharField(
        max_length=64, default="Europe/Berlin", validators=[validate_timezone]
    )

    class Meta:
        verbose_name = "company settings"
        verbose_name_plural = "company settings"
        constraints = [
            models.UniqueConstraint(fields=["singleton"], name="company_settings_single_row"),
            models.CheckConstraint(
                condition=models.Q(singleton=1), name="company_settings_singleton_is_1"
            ),
        ]

    def __str__(self) -> str:
        return self.legal_name

    @classmethod
    def load(cls) -> CompanySettings:
        """The one row, created with defaults on first use."""
        obj, _ = cls.objects.get_or_create(singleton=1)
        return obj

    @classmethod
    def current(cls) -> CompanySettings:
        """The row for reading (drafts, issuing), from the shared cache when it holds it.

        Saving or deleting the row drops the copy (settings_app.signals); writers use
        `load()`, so an edit never starts from a cached copy.
        """
        obj = shared_cache.get(CURRENT_CACHE_KEY)
        if obj is shared_cache.MISSING:
            obj = cls.load()
            shared_cache.put(CURRENT_CACHE_KEY, obj, CURRENT_CACHE_SECONDS)
        return obj

    def format_number(self, *, series: str, year: int, seq: int) -> str:
        return self.invoice_number_format.format(series=series, year=year, seq=seq)
