"""HTTP shapes of the lookups (currencies, tax categories, the next number)."""

from __future__ import annotations

from rest_framework import serializers

from settings_app.models import TAX_CATEGORIES


class CurrencySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="ISO 4217.")
    name = serializers.CharField(help_text="English name (CLDR).")
    minor_unit = serializers.IntegerField(
        help_text="Decimals amounts are rounded to and shown with (CLDR), 0-3."
    )


class ExemptionDefaultSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="VATEX code (BT-121).")
    reason = serializers.CharField(help_text="Exemption text (BT-120).")


class TaxCategorySerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=TAX_CATEGORIES, help_text="UNCL5305.")
    name = serializers.CharField()
    min_rate = serializers.CharField(help_text="Lowest rate allowed, percent.")
    max_rate = serializers.CharField(help_text="Highest rate allowed, percent.")
    default_rate = serializers.CharField(help_text="The rate a line gets when it gives none.")
    takes_exemption = serializers.BooleanField(
        help_text="Whether `vat_exemptions` may name this category (BR-S-10, BR-Z-10)."
    )
    exemption_required = serializers.BooleanField(
        help_text="The invoice must give a VATEX code or reason to be issued (E, BR-E-10)."
    )
    exemption_default = ExemptionDefaultSerializer(
        allow_null=True, help_text="Written into e-invoices when the invoice gives none."
    )


class NextNumberQuerySerializer(serializers.Serializer):
    series = serializers.RegexField(
        r"^[A-Za-z0-9_-]{1,20}$",
        required=False,
        help_text="Default: the invoice series of the company settings.",
    )


class NextNumberSerializer(serializers.Serializer):
    series = serializers.CharField()
    year = serializers.IntegerField()
    sequence = serializers.IntegerField()
    number = serializers.CharField(help_text="As the next issue dated today would get it.")
    issue_date = serializers.DateField(help_text="Today, in the company's time zone.")
