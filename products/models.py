from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from common.models import TimeStampedModel
from settings_app.models import TAX_CATEGORIES

ZERO = Decimal("0")


class Product(TimeStampedModel):
    """A catalogue entry: the defaults an invoice line copies when it names the product.

    Shared by the whole company (every user reads it, staff and admins write it): a
    catalogue is the company's price list, not one salesperson's. A line keeps its own
    copy of the values, so later edits never change an invoice.
    """

    name = models.CharField(max_length=200)
    description = models.CharField(max_length=1000, blank=True)
    sku = models.CharField(max_length=64, blank=True)
    unit_code = models.CharField(max_length=3, default="C62")
    unit_price = models.DecimalField(
        max_digits=19, decimal_places=4, validators=[MinValueValidator(ZERO)]
    )
    tax_category = models.CharField(max_length=2, choices=TAX_CATEGORIES, default="S")
    tax_rate = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(ZERO), MaxValueValidator(100)],
    )
    # Archived products stay on the lines that used them but cannot be named on new ones.
    archived = models.BooleanField(default=False)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sku"], condition=~models.Q(sku=""), name="product_sku_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name
