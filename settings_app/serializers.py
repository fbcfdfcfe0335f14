from rest_framework import serializers

from common.serializer_fields import CodeField
from common.validators import (
    validate_bic,
    validate_country_code,
    validate_currency_code,
    validate_iban,
    validate_vat_id,
)
from settings_app.models import CompanySettings


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

    class Meta:
        model = CompanySettings
        exclude = ["singleton"]
        read_only_fields = ["created_at", "updated_at"]


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
