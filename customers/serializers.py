from rest_framework import serializers

from common.serializer_fields import CodeField, MoneyField
from common.validators import validate_country_code, validate_vat_id
from customers.models import Customer

STATISTICS = ["invoice_count", "total_invoiced", "total_paid", "balance_due", "last_invoice_date"]


class CustomerSerializer(serializers.ModelSerializer):
    country = CodeField(
        max_length=2, required=False, allow_blank=True, validators=[validate_country_code]
    )
    tax_id = CodeField(
        strip_spaces=True,
        max_length=20,
        required=False,
        allow_blank=True,
        validators=[validate_vat_id],
        label="VAT id",
    )
    # Blank means "take the company default" (customers.services.customer_create); the
    # code itself is checked by the model's validator there.
    currency = CodeField(max_length=3, required=False, allow_blank=True)
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
