from rest_framework import serializers

from common.serializer_fields import MoneyField
from customers.models import Customer

STATISTICS = ["invoice_count", "total_invoiced", "total_paid", "balance_due", "last_invoice_date"]


class CustomerSerializer(serializers.ModelSerializer):
    # Blank means "take the company default" (customers.services.customer_create).
    currency = serializers.CharField(max_length=3, required=False, allow_blank=True)
    payment_terms_days = serializers.IntegerField(
        min_value=0, max_value=365, required=False, allow_null=True
    )
    total_invoiced = MoneyField()
    total_paid = MoneyField()
    balance_due = MoneyField()

    class Meta:
        model = Customer
        fields = [
            "id",
            "owner",
            "name",
            "email",
            "phone",
            "tax_id",
            "company_id",
            "street",
            "city",
            "postal_code",
            "country",
            "currency",
            "payment_terms_days",
            "preferred_language",
            "notes",
            *STATISTICS,
            "is_deleted",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "owner", *STATISTICS, "is_deleted", "created_at", "updated_at"]

    def validate_tax_id(self, value: str) -> str:
        return value.replace(" ", "").upper()

    def validate_country(self, value: str) -> str:
        return value.upper()

    def validate_currency(self, value: str) -> str:
        return value.upper()
