from rest_framework import serializers

from common.serializer_fields import CodeField
from common.validators import (
    validate_bic,
    validate_country_code,
    validate_currency_code,
    validate_iban,
    validate_vat_id,
)
from documents.einvoice.codes import endpoint_errors
from documents.email_texts import email_texts_errors
from settings_app.models import CompanySettings
from settings_app.validators import reminder_levels_errors
from settings_app.validators import validate_logo as logo_checks


class CompanySettingsSerializer(serializers.ModelSerializer):
    # Codes are normalised before their validators run ("at" is Austria, "de89 3704 ..." an IBAN).
    country = CodeField(max_length=2, required=False, validators=[validate_country_code])
    default_currency = CodeField(max_length=3, required=False, validators=[validate_currency_code])
    vat_id = CodeField(
        strip_spaces=True,
        max_length=20,
        required=False,
        allow_blank=True,
        validators=[validate_vat_id],
        label="VAT id",
    )
    iban = CodeField(
        strip_spaces=True,
        max_length=42,
        required=False,
        allow_blank=True,
        validators=[validate_iban],
        label="IBAN",
    )
    bic = CodeField(
        strip_spaces=True,
        max_length=11,
        required=False,
        allow_blank=True,
        validators=[validate_bic],
        label="BIC",
    )

    # BT-41..43 (phone and e-mail fall back to the company's) and BT-34 with its EAS code
    # (derived from the VAT id when blank).
    endpoint_scheme = CodeField(max_length=4, required=False, allow_blank=True)

    # `null` removes the logo (the model's validators check size, format and pixels).
    logo = serializers.ImageField(
        required=False, allow_null=True, validators=[logo_checks], use_url=True
    )

    def validate_logo(self, value):
        return value if value is not None else ""

    def validate_email_texts(self, value):
        # Each message names the text ("reminder_1.de.subject: unknown placeholder {x} ...").
        if problems := email_texts_errors(value):
            raise serializers.ValidationError(problems)
        return value

    class Meta:
        model = CompanySettings
        exclude = ["singleton"]
        read_only_fields = ["created_at", "updated_at"]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        current = self.instance
        scheme = attrs.get("endpoint_scheme", current.endpoint_scheme if current else "")
        identifier = attrs.get("endpoint_id", current.endpoint_id if current else "")
        if errors := endpoint_errors(scheme, identifier):
            raise serializers.ValidationError(errors)
        if {"reminder_levels", "default_currency", "late_interest"} & set(attrs):
            stored = current or CompanySettings()
            problems = reminder_levels_errors(
                attrs.get("reminder_levels", stored.reminder_levels),
                attrs.get("default_currency", stored.default_currency),
                late_interest=attrs.get("late_interest", stored.late_interest),
            )
            if problems:
                raise serializers.ValidationError({"reminder_levels": problems})
        return attrs


class PublicCompanySettingsSerializer(serializers.Serializer):
    legal_name = serializers.CharField(allow_null=True)
    trading_name = serializers.CharField(allow_null=True)
    street = serializers.CharField(allow_null=True)
    city = serializers.CharField(allow_null=True)
    postal_code = serializers.CharField(allow_null=True)
    country = serializers.CharField(allow_null=True)
    email = serializers.CharField(allow_null=True)
    website = serializers.CharField(allow_null=True)
    logo_url = serializers.CharField(allow_null=True)


class InvoicingSettingsSerializer(serializers.Serializer):
    """The defaults a new draft takes, readable by every signed-in user."""

    default_currency = serializers.CharField(help_text="ISO 4217; a new customer's currency.")
    default_tax_category = serializers.CharField(help_text="UNCL5305.")
    default_tax_rate = serializers.CharField(help_text="Percent; the rate of S lines left out.")
    default_payment_terms_days = serializers.IntegerField(
        help_text="Days until due for new customers (a customer's own terms win)."
    )
    invoice_series = serializers.CharField()
    credit_note_series = serializers.CharField()
    invoice_number_format = serializers.CharField(help_text="e.g. {series}-{year}-{seq:05d}.")
    default_language = serializers.CharField()
    timezone = serializers.CharField(help_text="IANA name: the company's calendar for dates.")
