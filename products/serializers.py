"""HTTP shape of a product: parsed here, its rules are products.services'."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from settings_app.models import TAX_CATEGORIES


class ProductSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(
        max_length=1000,
        required=False,
        allow_blank=True,
        help_text="The text an invoice line takes when it names the product (else the name).",
    )
    sku = serializers.CharField(
        max_length=64, required=False, allow_blank=True, help_text="Unique when not blank."
    )
    unit_code = serializers.RegexField(
        r"^[A-Z0-9]{1,3}$", required=False, help_text="UN/ECE rec 20; default C62 (one)."
    )
    unit_price = serializers.DecimalField(
        max_digits=19,
        decimal_places=4,
        min_value=Decimal("0"),
        help_text="Net price per unit, in the currency of the invoice that names it.",
    )
    tax_category = serializers.ChoiceField(
        choices=TAX_CATEGORIES, required=False, help_text="UNCL5305; default S."
    )
    tax_rate = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        required=False,
        allow_null=True,
        help_text="Percent; left out: the company's default rate for S, 0 otherwise.",
    )
    archived = serializers.BooleanField(
        required=False, help_text="Archived products cannot be named on new invoice lines."
    )
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
