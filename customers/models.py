from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models

from common.models import SoftDeleteModel, TimeStampedModel
from common.validators import (
    LANGUAGES,
    validate_country_code,
    validate_currency_code,
    validate_vat_id,
)

ZERO = Decimal("0.00")


class Customer(SoftDeleteModel, TimeStampedModel):
    """A buyer. Soft-deleted customers keep their invoices; statistics are kept by signals."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="customers"
    )
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)
    tax_id = models.CharField("VAT id", max_length=20, blank=True, validators=[validate_vat_id])
    company_id = models.CharField(max_length=50, blank=True)
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True, validators=[validate_country_code])
    currency = models.CharField(max_length=3, validators=[validate_currency_code])
    payment_terms_days = models.PositiveIntegerField(validators=[MaxValueValidator(365)])
    preferred_language = models.CharField(max_length=5, choices=LANGUAGES, default="en")
    notes = models.TextField(blank=True)
    # The e-invoice rules its documents follow (documents.einvoice): Peppol BIS Billing 3.0,
    # XRechnung 3.0 or plain EN 16931.
    einvoice_profile = models.CharField(
        max_length=10,
        choices=[
            ("peppol", "Peppol BIS Billing 3.0"),
            ("xrechnung", "XRechnung 3.0"),
            ("en16931", "EN 16931"),
        ],
        default="en16931",
    )
    endpoint_id = models.CharField(max_length=100, blank=True)  # BT-49
    endpoint_scheme = models.CharField(max_length=4, blank=True)  # BT-49-1, an EAS code
    buyer_reference = models.CharField(max_length=200, blank=True)  # default BT-10
    reminders_enabled = models.BooleanField(default=True)
    # A consumer (not a business): statutory late interest is base rate + 5 points
    # instead of + 9 (EU late-payment directive, e.g. BGB § 288).
    is_consumer = models.BooleanField(default=False)

    # Statistics: derived, kept by customers.services.customer_statistics_recompute.
    invoice_count = models.PositiveIntegerField(default=0, editable=False)
    total_invoiced = models.DecimalField(
        max_digits=18, decimal_places=3, default=ZERO, editable=False
    )
    total_paid = models.DecimalField(max_digits=18, decimal_places=3, default=ZERO, editable=False)
    balance_due = models.DecimalField(max_digits=18, decimal_places=3, default=ZERO, editable=False)
    last_invoice_date = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["owner", "name"], name="customer_owner_name"),
            models.Index(fields=["balance_due"], name="customer_balance_due"),
            # The customer list (live customers by name, id): its page in index order
            # and its COUNT from the index alone, for staff (owner first) and admins.
            models.Index(
                fields=["owner", "name", "id"],
                condition=models.Q(deleted_at__isnull=True),
                name="customer_live_owner_name",
            ),
            models.Index(
                fields=["name", "id"],
                condition=models.Q(deleted_at__isnull=True),
                name="customer_live_name",
            ),
            # The dashboard's largest debtors per currency (dashboard.selectors).
            models.Index(
                "currency",
                models.F("balance_due").desc(),
                include=["owner"],
                condition=models.Q(balance_due__gt=0),
                name="customer_debtors",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_billing_address(self) -> bool:
        return bool(self.name and self.street and self.city and self.postal_code and self.country)
