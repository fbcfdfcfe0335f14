from functools import cached_property
from typing import Any

from rest_framework import serializers
from rest_framework.relations import PKOnlyObject

from common.serializer_fields import CodeField, MoneyField
from common.validators import validate_country_code, validate_vat_id
from customers.models import Customer

STATISTICS = ["invoice_count", "total_invoiced", "total_paid", "balance_due", "last_invoice_date"]


class CustomerSerializer(serializers.ModelSerializer):
    """A customer. Read with `to_representation` below: the same answer as DRF's."""

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
    # E-invoice routing (rules in customers.services): BT-49 and its EAS scheme (derived
    # from the VAT id when blank), and the default BT-10 copied to new invoices.
    endpoint_id = serializers.CharField(max_length=100, required=False, allow_blank=True)
    endpoint_scheme = CodeField(max_length=4, required=False, allow_blank=True)
    buyer_reference = serializers.CharField(max_length=200, required=False, allow_blank=True)
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
            "einvoice_profile",
            "endpoint_id",
            "endpoint_scheme",
            "buyer_reference",
            "reminders_enabled",
            "is_consumer",
            *STATISTICS,
            "is_deleted",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "owner", *STATISTICS, "is_deleted", "created_at", "updated_at"]

    @cached_property
    def _read_plan(self) -> list[tuple[str, str | None, serializers.Field]]:
        """(name, attribute or None, field) per readable field, worked out once per
        serializer (a list page reuses one child for its 50 rows). An attribute is given
        for fields read with DRF's plain `Field.get_attribute` of one model attribute;
        the others (the owner's pk, the amounts with their currency) read their own way."""
        plan = []
        for field in self._readable_fields:
            plain = (
                type(field).get_attribute is serializers.Field.get_attribute
                and len(field.source_attrs) == 1
            )
            plan.append((field.field_name, field.source_attrs[0] if plain else None, field))
        return plan

    def to_representation(self, instance: Customer) -> dict[str, Any]:
        # DRF's loop (serializers.Serializer.to_representation) without its per-row
        # field generator and generic attribute walk: a third of a customer page's CPU.
        # customers/tests/test_customer_representation.py holds it equal to DRF's.
        answer: dict[str, Any] = {}
        for name, attribute, field in self._read_plan:
            if attribute is None:
                value = field.get_attribute(instance)
                empty = value.pk if isinstance(value, PKOnlyObject) else value
            else:
                value = empty = getattr(instance, attribute)
            answer[name] = None if empty is None else field.to_representation(value)
        return answer
