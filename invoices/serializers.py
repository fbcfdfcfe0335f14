"""HTTP shapes of invoices: input validation (write) and the fixed read contract."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.filters import MAX_ID
from common.permissions import is_admin
from common.validators import validate_currency_code
from customers.models import Customer
from invoices.calculation import minor_unit
from invoices.models import (
    ALLOWANCE_CHARGE_DEFAULTS,
    ITEM_DEFAULTS,
    InvoiceKind,
    InvoiceStatus,
    PaymentMethod,
)
from invoices.services._lines import date_errors
from settings_app.calendar import company_today
from settings_app.models import TAX_CATEGORIES

ZERO = Decimal("0")
EINVOICE_PROFILES = Customer._meta.get_field("einvoice_profile").choices
EXEMPT_CATEGORY_CHOICES = [(code, name) for code, name in TAX_CATEGORIES if code not in ("S", "Z")]


class BoundedDateField(serializers.DateField):
    """A date a legal document can carry (2000-01-01..2099-12-31): a 400 otherwise."""

    def to_internal_value(self, value: Any) -> Any:
        date = super().to_internal_value(value)
        if messages := date_errors(date):
            raise serializers.ValidationError(messages)
        return date


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
    """Parsed here; the rules of a line are the services' (invoices/services/_lines.py)."""

    description = serializers.CharField(max_length=1000)
    quantity = serializers.DecimalField(max_digits=19, decimal_places=4)
    unit_code = serializers.RegexField(r"^[A-Z0-9]{1,3}$", default=ITEM_DEFAULTS["unit_code"])
    unit_price = serializers.DecimalField(max_digits=19, decimal_places=4, min_value=ZERO)
    price_base_quantity = serializers.DecimalField(
        max_digits=19, decimal_places=4, default=ITEM_DEFAULTS["price_base_quantity"]
    )
    discount_amount = _amount_field()
    charge_amount = _amount_field()
    tax_category = serializers.ChoiceField(
        choices=TAX_CATEGORIES, default=ITEM_DEFAULTS["tax_category"]
    )
    tax_rate = _rate_field()


class AsciiIdField(serializers.IntegerField):
    """A row id: a JSON integer or ASCII digits (int() would read U+0661 as 1, and DRF
    takes 11.0, which JSON parsing makes a Decimal, as 11)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not (
            isinstance(data, int) or (isinstance(data, str) and data.isascii() and data.isdigit())
        ):
            self.fail("invalid")
        return super().to_internal_value(data)


class InvoiceLineWriteSerializer(InvoiceItemWriteSerializer):
    """An invoice line. It may name a catalogue `product`: the product's description (else
    its name), unit code, unit price, tax category and rate fill the fields the line leaves
    out, copied into the line, so later product edits never change it. Without a product,
    `description` and `unit_price` are required."""

    product = AsciiIdField(
        required=False,
        allow_null=True,
        help_text="A product id (not archived): its values fill the fields left out.",
    )
    description = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    unit_price = serializers.DecimalField(
        max_digits=19, decimal_places=4, min_value=ZERO, required=False
    )
    unit_code = serializers.RegexField(
        r"^[A-Z0-9]{1,3}$",
        required=False,
        help_text=f"Default: the product's, else {ITEM_DEFAULTS['unit_code']}.",
    )
    tax_category = serializers.ChoiceField(
        choices=TAX_CATEGORIES,
        required=False,
        help_text=f"Default: the product's, else {ITEM_DEFAULTS['tax_category']}.",
    )


class VatExemptionSerializer(serializers.Serializer):
    """BT-121 (VATEX code) and BT-120 (text) of one VAT category; rules in the services."""

    tax_category = serializers.ChoiceField(choices=EXEMPT_CATEGORY_CHOICES)
    code = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class AllowanceChargeWriteSerializer(serializers.Serializer):
    is_charge = serializers.BooleanField(default=ALLOWANCE_CHARGE_DEFAULTS["is_charge"])
    amount = serializers.DecimalField(max_digits=19, decimal_places=4, min_value=ZERO)
    reason = serializers.CharField(
        max_length=200, allow_blank=True, default=ALLOWANCE_CHARGE_DEFAULTS["reason"]
    )
    tax_category = serializers.ChoiceField(
        choices=TAX_CATEGORIES, default=ALLOWANCE_CHARGE_DEFAULTS["tax_category"]
    )
    tax_rate = _rate_field()


@extend_schema_field(OpenApiTypes.INT)
class OwnedCustomerField(serializers.PrimaryKeyRelatedField):
    """A customer id the caller may use: staff their own, admins any (live) customer.

    Another's id is a 400 `validation_error` on `customer`, like an unknown id.
    """

    def to_internal_value(self, data):
        # An id is ASCII digits (or a JSON integer): Python's int() would also read U+0661
        # (Arabic-Indic one) or " 1 " as 1, and pick a customer the client never named.
        if isinstance(data, bool) or not (
            (isinstance(data, int) and 0 < data <= MAX_ID)
            or (
                isinstance(data, str)
                and data.isascii()
                and data.isdigit()
                and 0 < int(data) <= MAX_ID
            )
        ):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(int(data))

    def get_queryset(self):
        request = self.context.get("request")
        queryset = Customer.objects.all()
        if request is not None and not is_admin(request.user):
            queryset = queryset.filter(owner_id=request.user.id)
        return queryset


class CurrencyDefaultMixin:
    """The `currency` of a document's input (an invoice, a recurring invoice's template):
    ISO 4217 with at most 3 decimals, or blank for the default (the customer's)."""

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

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Line rules, dates and credit-note rules live in the services, which every path
        # calls: they answer the same 400 with the field in `details`.
        if "currency" in attrs and not attrs["currency"]:
            attrs.pop("currency")  # blank: the service's default
        return attrs


class InvoiceWriteSerializer(CurrencyDefaultMixin, serializers.Serializer):
    """`POST /api/invoices/` and `PATCH`/`PUT` while draft (ARCHITECTURE.md contract)."""

    customer = OwnedCustomerField()
    kind = serializers.ChoiceField(choices=InvoiceKind.choices, default=InvoiceKind.INVOICE)
    series = serializers.RegexField(r"^[A-Za-z0-9_-]{1,20}$", required=False, allow_blank=True)
    issue_date = BoundedDateField(required=False, allow_null=True)
    due_date = BoundedDateField(required=False, allow_null=True)
    currency = serializers.RegexField(r"^[A-Z]{3}$", required=False, allow_blank=True)
    buyer_reference = serializers.CharField(max_length=200, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    order_reference = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="BT-13 purchase order."
    )
    delivery_date = BoundedDateField(required=False, allow_null=True, help_text="BT-72.")
    period_start = BoundedDateField(required=False, allow_null=True, help_text="BG-14 start.")
    period_end = BoundedDateField(required=False, allow_null=True, help_text="BG-14 end.")
    payment_terms = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        help_text="BT-20; blank: a sentence with the due date in the customer's language.",
    )
    vat_exemptions = VatExemptionSerializer(
        many=True,
        required=False,
        max_length=len(EXEMPT_CATEGORY_CHOICES),
        help_text="Exemption code (VATEX, BT-121) and text (BT-120) per category; AE, K, G "
        "and O have defaults, E needs a code or a reason.",
    )
    items = InvoiceLineWriteSerializer(many=True, required=False, max_length=10_000)
    allowances_charges = AllowanceChargeWriteSerializer(many=True, required=False, max_length=1000)
    reminders_paused = serializers.BooleanField(
        required=False,
        help_text="Stop (true) or restart (false) payment reminders. State, not content: "
        "the one field a PATCH may change on an issued invoice.",
    )


class IssueSerializer(serializers.Serializer):
    issue_date = BoundedDateField(required=False, allow_null=True)

    def validate_issue_date(self, value: Any) -> Any:
        if value is not None and value > company_today():
            raise serializers.ValidationError(
                "An invoice cannot be issued with a date in the future."
            )
        return value


class VoidSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class PaymentWriteSerializer(serializers.Serializer):
    """Parsed here; amount, date and method rules are the service's (every path)."""

    amount = serializers.DecimalField(max_digits=19, decimal_places=4)
    date = BoundedDateField(required=False)
    method = serializers.ChoiceField(
        choices=PaymentMethod.choices, default=PaymentMethod.BANK_TRANSFER
    )
    reference = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


# --- read shapes (also what the OpenAPI schema documents) -------------------------------


class PartySerializer(serializers.Serializer):
    """The buyer as copied onto the invoice at issue (invoices.snapshots)."""

    name = serializers.CharField()
    street = serializers.CharField()
    city = serializers.CharField()
    postal_code = serializers.CharField()
    country = serializers.CharField()
    tax_id = serializers.CharField()
    company_id = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()
    endpoint_id = serializers.CharField(required=False, help_text="BT-49 as given, or empty.")
    endpoint_scheme = serializers.CharField(required=False)
    einvoice_profile = serializers.ChoiceField(choices=EINVOICE_PROFILES, required=False)


class SellerSerializer(PartySerializer):
    """The seller as copied onto the invoice at issue (invoices.snapshots)."""

    trading_name = serializers.CharField()
    website = serializers.CharField()
    iban = serializers.CharField()
    bic = serializers.CharField()
    footer = serializers.CharField()
    logo = serializers.CharField(help_text="Stored file name of the logo at issue, or empty.")
    contact_name = serializers.CharField(required=False, help_text="BT-41.")
    contact_phone = serializers.CharField(required=False, help_text="BT-42.")
    contact_email = serializers.CharField(required=False, help_text="BT-43.")
    einvoice_profile = None  # the seller has no profile: the buyer's decides


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
    product = serializers.IntegerField(
        allow_null=True, help_text="The product the line's values were copied from, if any."
    )


class AllowanceChargeReadSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    is_charge = serializers.BooleanField()
    amount = serializers.CharField()
    reason = serializers.CharField()
    tax_category = serializers.CharField()
    tax_rate = serializers.CharField()


class VatExemptionReadSerializer(serializers.Serializer):
    tax_category = serializers.CharField()
    code = serializers.CharField()
    reason = serializers.CharField()


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


class PaymentListItemSerializer(PaymentReadSerializer):
    """A payment in `GET /api/payments/`: with its invoice's currency, number and customer."""

    currency = serializers.CharField(help_text="The invoice's currency (ISO 4217).")
    invoice_number = serializers.CharField(allow_null=True)
    invoice_kind = serializers.ChoiceField(
        choices=InvoiceKind.choices, help_text="On a credit note the payment is a refund."
    )
    customer = serializers.IntegerField()
    customer_name = serializers.CharField(help_text="The customer's current name.")


class CreditNoteRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    issue_date = serializers.DateField()
    gross_total = serializers.CharField()


class InvoiceReadSerializer(serializers.Serializer):
    """Documents the read contract; `invoices.representation` builds it fast."""

    id = serializers.IntegerField()
    number = serializers.CharField(allow_null=True)
    kind = serializers.ChoiceField(choices=InvoiceKind.choices)
    status = serializers.ChoiceField(choices=InvoiceStatus.choices)
    is_overdue = serializers.BooleanField()
    series = serializers.CharField()
    customer = serializers.IntegerField()
    customer_name = serializers.CharField(
        help_text="The customer's current name (`buyer` keeps the name at issue)."
    )
    owner = serializers.IntegerField()
    issue_date = serializers.DateField(allow_null=True)
    due_date = serializers.DateField(allow_null=True)
    currency = serializers.CharField()
    buyer_reference = serializers.CharField()
    notes = serializers.CharField()
    order_reference = serializers.CharField()
    delivery_date = serializers.DateField(allow_null=True)
    period_start = serializers.DateField(allow_null=True)
    period_end = serializers.DateField(allow_null=True)
    payment_terms = serializers.CharField()
    vat_exemptions = VatExemptionReadSerializer(many=True)
    einvoice_profile = serializers.ChoiceField(
        choices=EINVOICE_PROFILES,
        allow_null=True,
        help_text="The e-invoice profile fixed at issue (from the customer); null on drafts.",
    )
    items = InvoiceItemReadSerializer(many=True)
    allowances_charges = AllowanceChargeReadSerializer(many=True)
    line_total = serializers.CharField()
    allowance_total = serializers.CharField()
    charge_total = serializers.CharField()
    net_total = serializers.CharField()
    tax_total = serializers.CharField()
    gross_total = serializers.CharField()
    paid_total = serializers.CharField()
    credited_total = serializers.CharField(
        help_text="Gross of the issued credit notes that correct this invoice."
    )
    amount_due = serializers.CharField(
        help_text="Live open amount: gross - paid - credited (+ refunded), never below 0. "
        "0 on credit notes."
    )
    refund_due = serializers.CharField(
        help_text="On a credit note: what is still owed back to the customer. 0 on invoices."
    )
    tax_breakdown = TaxBreakdownSerializer(many=True)
    seller = SellerSerializer(allow_null=True)
    buyer = PartySerializer(allow_null=True)
    payments = PaymentReadSerializer(many=True)
    credited_invoice = serializers.IntegerField(allow_null=True)
    recurring_invoice = serializers.IntegerField(
        allow_null=True, help_text="The recurring invoice (schedule) that generated it."
    )
    reminders_paused = serializers.BooleanField(
        help_text="No payment reminders go out for this invoice while true."
    )
    reminder_level = serializers.IntegerField(
        help_text="The highest payment reminder level sent (0: none yet)."
    )
    credit_notes = CreditNoteRefSerializer(many=True)
    void_reason = serializers.CharField()
    issued_at = serializers.DateTimeField(allow_null=True)
    voided_at = serializers.DateTimeField(allow_null=True)
    public_url = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
