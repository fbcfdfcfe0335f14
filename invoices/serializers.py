"""HTTP shapes of invoices: input validation (write) and the fixed read contract."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.permissions import is_admin
from common.validators import validate_currency_code
from customers.models import Customer
from invoices.calculation import line_gross_amount, minor_unit
from invoices.models import Invoice, InvoiceKind, InvoiceStatus, PaymentMethod
from invoices.totals import line_input
from settings_app.models import TAX_CATEGORIES

ZERO = Decimal("0")
ZERO_RATED_CATEGORIES = {"Z", "E", "AE", "K", "G", "O"}
ITEM_DEFAULTS: dict[str, Any] = {
    "unit_code": "C62",
    "price_base_quantity": Decimal("1"),
    "discount_amount": ZERO,
    "charge_amount": ZERO,
    "tax_category": "S",
}
ALLOWANCE_CHARGE_DEFAULTS: dict[str, Any] = {"is_charge": False, "reason": "", "tax_category": "S"}


def _amount_field(**kwargs: Any) -> serializers.DecimalField:
    # ≥ 0; the currency's minor unit is checked once the currency is known (validate()).
    return serializers.DecimalField(
        max_digits=19, decimal_places=4, min_value=ZERO, default=ZERO, **kwargs
    )


def _rate_field() -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=ZERO,
        max_value=Decimal("100"),
        required=False,
        allow_null=True,
    )


class InvoiceItemWriteSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=1000)
    quantity = serializers.DecimalField(max_digits=19, decimal_places=4)
    unit_code = serializers.RegexField(r"^[A-Z0-9]{1,3}$", default="C62")
    unit_price = serializers.DecimalField(max_digits=19, decimal_places=4, min_value=ZERO)
    price_base_quantity = serializers.DecimalField(
        max_digits=19, decimal_places=4, default=Decimal("1")
    )
    discount_amount = _amount_field()
    charge_amount = _amount_field()
    tax_category = serializers.ChoiceField(choices=TAX_CATEGORIES, default="S")
    tax_rate = _rate_field()

    def validate_quantity(self, value: Decimal) -> Decimal:
        if value <= 0:
            raise serializers.ValidationError("Ensure this value is greater than 0.")
        return value

    def validate_price_base_quantity(self, value: Decimal) -> Decimal:
        if value <= 0:
            raise serializers.ValidationError("Ensure this value is greater than 0.")
        return value


class AllowanceChargeWriteSerializer(serializers.Serializer):
    is_charge = serializers.BooleanField(default=False)
    amount = serializers.DecimalField(max_digits=19, decimal_places=4, min_value=ZERO)
    reason = serializers.CharField(max_length=200, allow_blank=True, default="")
    tax_category = serializers.ChoiceField(choices=TAX_CATEGORIES, default="S")
    tax_rate = _rate_field()


@extend_schema_field(OpenApiTypes.INT)
class OwnedCustomerField(serializers.PrimaryKeyRelatedField):
    """A customer id the caller may use: staff their own, admins any (live) customer.

    Another's id is a 400 `validation_error` on `customer`, like an unknown id.
    """

    def get_queryset(self):
        request = self.context.get("request")
        queryset = Customer.objects.all()
        if request is not None and not is_admin(request.user):
            queryset = queryset.filter(owner_id=request.user.id)
        return queryset


def _minor_unit_errors(value: Decimal, exponent: int) -> list[str]:
    if value != value.quantize(Decimal(1).scaleb(-exponent)):
        return [f"Ensure that there are no more than {exponent} decimal places for this currency."]
    return []


def _tax_errors(category: str, rate: Decimal | None) -> list[str]:
    if rate is None:
        return []
    if category in ZERO_RATED_CATEGORIES and rate != 0:
        return [f"Tax category {category} takes a rate of 0."]
    if category == "S" and rate <= 0:
        return ["Standard rated (S) lines need a rate above 0 (BR-S-05)."]
    return []


class InvoiceWriteSerializer(serializers.Serializer):
    """`POST /api/invoices/` and `PATCH`/`PUT` while draft (ARCHITECTURE.md contract)."""

    customer = OwnedCustomerField()
    kind = serializers.ChoiceField(choices=InvoiceKind.choices, default=InvoiceKind.INVOICE)
    series = serializers.RegexField(r"^[A-Za-z0-9_-]{1,20}$", required=False, allow_blank=True)
    issue_date = serializers.DateField(required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)
    currency = serializers.RegexField(r"^[A-Z]{3}$", required=False, allow_blank=True)
    buyer_reference = serializers.CharField(max_length=200, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    items = InvoiceItemWriteSerializer(many=True, required=False, max_length=10_000)
    allowances_charges = AllowanceChargeWriteSerializer(many=True, required=False, max_length=1000)

    def validate_currency(self, value: str) -> str:
        if not value:
            return value
        try:
            validate_currency_code(value)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        if minor_unit(value) > 3:
            raise serializers.ValidationError(
                "Currencies with more than 3 decimals are not supported."
            )
        return value

    def _resolved(self, attrs: dict[str, Any], name: str) -> Any:
        if name in attrs:
            return attrs[name]
        return getattr(self.instance, name, None) if self.instance is not None else None

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        customer = self._resolved(attrs, "customer")
        currency = attrs.get("currency") or (
            self.instance.currency
            if self.instance is not None and "customer" not in attrs
            else customer.currency
        )
        exponent = minor_unit(currency)
        errors: dict[str, Any] = {}

        # Row errors keyed by index, as DRF reports nested list errors.
        item_errors: dict[str, dict[str, list[str]]] = {}
        for index, row in enumerate(attrs.get("items", [])):
            # PATCH (partial) skips nested defaults: apply them here for both paths.
            for name, default in ITEM_DEFAULTS.items():
                row.setdefault(name, default)
            row_errors: dict[str, list[str]] = {}
            for name in ("discount_amount", "charge_amount"):
                if messages := _minor_unit_errors(row[name], exponent):
                    row_errors[name] = messages
            if messages := _tax_errors(row["tax_category"], row.get("tax_rate")):
                row_errors["tax_rate"] = messages
            gross = line_gross_amount(line_input({**row, "tax_rate": row.get("tax_rate") or ZERO}))
            if row["discount_amount"] > gross:
                row_errors.setdefault("discount_amount", []).append(
                    "The discount is larger than the line's amount."
                )
            if row_errors:
                item_errors[str(index)] = row_errors
        if item_errors:
            errors["items"] = item_errors

        ac_errors: dict[str, dict[str, list[str]]] = {}
        for index, row in enumerate(attrs.get("allowances_charges", [])):
            for name, default in ALLOWANCE_CHARGE_DEFAULTS.items():
                row.setdefault(name, default)
            row_errors = {}
            if messages := _minor_unit_errors(row["amount"], exponent):
                row_errors["amount"] = messages
            if messages := _tax_errors(row["tax_category"], row.get("tax_rate")):
                row_errors["tax_rate"] = messages
            if row_errors:
                ac_errors[str(index)] = row_errors
        if ac_errors:
            errors["allowances_charges"] = ac_errors

        issue_date = self._resolved(attrs, "issue_date")
        due_date = self._resolved(attrs, "due_date")
        if issue_date and due_date and due_date < issue_date:
            errors["due_date"] = ["The due date cannot be before the issue date."]
        if errors:
            raise serializers.ValidationError(errors)
        if "currency" in attrs and not attrs["currency"]:
            attrs.pop("currency")
        return attrs


class IssueSerializer(serializers.Serializer):
    issue_date = serializers.DateField(required=False, allow_null=True)


class VoidSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class PaymentWriteSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=19, decimal_places=4)
    date = serializers.DateField(required=False)
    method = serializers.ChoiceField(
        choices=PaymentMethod.choices, default=PaymentMethod.BANK_TRANSFER
    )
    reference = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        invoice: Invoice = self.context["invoice"]
        amount = attrs["amount"]
        if amount <= 0:
            raise serializers.ValidationError({"amount": ["Ensure this value is greater than 0."]})
        if messages := _minor_unit_errors(amount, minor_unit(invoice.currency)):
            raise serializers.ValidationError({"amount": messages})
        if attrs.get("date") and attrs["date"] > timezone.localdate():
            raise serializers.ValidationError(
                {"date": ["A payment cannot be dated in the future."]}
            )
        return attrs


# --- read shapes (also what the OpenAPI schema documents) -------------------------------


class PartySerializer(serializers.Serializer):
    name = serializers.CharField()
    street = serializers.CharField()
    city = serializers.CharField()
    postal_code = serializers.CharField()
    country = serializers.CharField()
    tax_id = serializers.CharField()
    company_id = serializers.CharField()
    email = serializers.CharField()


class InvoiceItemReadSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    description = serializers.CharField()
    quantity = serializers.CharField()
    unit_code = serializers.CharField()
    unit_price = serializers.CharField()
    price_base_quantity = serializers.CharField()
    discount_amount = serializers.CharField()
    charge_amount = serializers.CharField()
    tax_category = serializers.CharField()
    tax_rate = serializers.CharField()
    net_amount = serializers.CharField()


class AllowanceChargeReadSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    is_charge = serializers.BooleanField()
    amount = serializers.CharField()
    reason = serializers.CharField()
    tax_category = serializers.CharField()
    tax_rate = serializers.CharField()


class TaxBreakdownSerializer(serializers.Serializer):
    tax_category = serializers.CharField()
    tax_rate = serializers.CharField()
    taxable_amount = serializers.CharField()
    tax_amount = serializers.CharField()


class PaymentReadSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    invoice = serializers.IntegerField()
    amount = serializers.CharField()
    date = serializers.DateField()
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    reference = serializers.CharField()
    created_at = serializers.DateTimeField()


class InvoiceReadSerializer(serializers.Serializer):
    """Documents the read contract; `invoices.representation` builds it fast."""

    id = serializers.IntegerField()
    number = serializers.CharField(allow_null=True)
    kind = serializers.ChoiceField(choices=InvoiceKind.choices)
    status = serializers.ChoiceField(choices=InvoiceStatus.choices)
    is_overdue = serializers.BooleanField()
    series = serializers.CharField()
    customer = serializers.IntegerField()
    owner = serializers.IntegerField()
    issue_date = serializers.DateField(allow_null=True)
    due_date = serializers.DateField(allow_null=True)
    currency = serializers.CharField()
    buyer_reference = serializers.CharField()
    notes = serializers.CharField()
    items = InvoiceItemReadSerializer(many=True)
    allowances_charges = AllowanceChargeReadSerializer(many=True)
    line_total = serializers.CharField()
    allowance_total = serializers.CharField()
    charge_total = serializers.CharField()
    net_total = serializers.CharField()
    tax_total = serializers.CharField()
    gross_total = serializers.CharField()
    paid_total = serializers.CharField()
    amount_due = serializers.CharField()
    tax_breakdown = TaxBreakdownSerializer(many=True)
    seller = serializers.JSONField(allow_null=True)
    buyer = PartySerializer(allow_null=True)
    payments = PaymentReadSerializer(many=True)
    credited_invoice = serializers.IntegerField(allow_null=True)
    void_reason = serializers.CharField()
    issued_at = serializers.DateTimeField(allow_null=True)
    voided_at = serializers.DateTimeField(allow_null=True)
    public_url = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
