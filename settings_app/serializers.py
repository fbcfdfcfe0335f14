from rest_framework import serializers

from settings_app.models import CompanySettings


class CompanySettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = CompanySettings
        exclude = ["singleton"]
        read_only_fields = ["created_at", "updated_at"]

    def validate_iban(self, value: str) -> str:
        return value.replace(" ", "").upper()

    def validate_bic(self, value: str) -> str:
        return value.replace(" ", "").upper()


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
