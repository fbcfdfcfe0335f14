"""HTTP shapes of recurring invoices: the write input and the documented read shape."""

from __future__ import annotations

from rest_framework import serializers

from invoices.serializers import (
    AllowanceChargeReadSerializer,
    AllowanceChargeWriteSerializer,
    BoundedDateField,
    CurrencyDefaultMixin,
    InvoiceItemReadSerializer,
    InvoiceItemWriteSerializer,
    OwnedCustomerField,
    TaxBreakdownSerializer,
)
from recurring.models import Frequency, IssueMode, ScheduleStatus


class RecurringInvoiceWriteSerializer(CurrencyDefaultMixin, serializers.Serializer):
    """`POST /api/recurring-invoices/`, `PUT` / `PATCH`: the calendar and the template."""

    customer = OwnedCustomerField()
    frequency = serializers.ChoiceField(choices=Frequency.choices)
    interval = serializers.IntegerField(min_value=1, max_value=120, default=1)
    start_date = BoundedDateField()
    end_date = BoundedDateField(required=False, allow_null=True)
    max_cycles = serializers.IntegerField(
        min_value=1, max_value=10_000, required=False, allow_null=True
    )
    issue_mode = serializers.ChoiceField(choices=IssueMode.choices, default=IssueMode.ISSUE)
    stop_on_unpaid = serializers.BooleanField(default=False)
    days_until_due = serializers.IntegerField(
        min_value=0, max_value=365, required=False, allow_null=True
    )
    currency = serializers.RegexField(r"^[A-Z]{3}$", required=False, allow_blank=True)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    buyer_reference = serializers.CharField(max_length=200, required=False, allow_blank=True)
    order_reference = serializers.CharField(max_length=200, required=False, allow_blank=True)
    items = InvoiceItemWriteSerializer(many=True, required=False, max_length=1000)
    allowances_charges = AllowanceChargeWriteSerializer(many=True, required=False, max_length=100)


class ResumeSerializer(serializers.Serializer):
    catch_up = serializers.BooleanField(
        default=False, help_text="Bill the periods that started while paused (next run)."
    )


# --- read shapes (what the OpenAPI schema documents; recurring.representation builds it) --


class RecurringItemReadSerializer(InvoiceItemReadSerializer):
    """A template line: an invoice line without its computed net (figured per period)."""

    net_amount = None
    product = None  # template lines name no catalogue product


class LastErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    details = serializers.DictField()
    period_start = serializers.DateField(allow_null=True)
    at = serializers.DateTimeField()


class RecurringInvoiceReadSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    owner = serializers.IntegerField()
    customer = serializers.IntegerField()
    frequency = serializers.ChoiceField(choices=Frequency.choices)
    interval = serializers.IntegerField()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    max_cycles = serializers.IntegerField(allow_null=True)
    issue_mode = serializers.ChoiceField(choices=IssueMode.choices)
    stop_on_unpaid = serializers.BooleanField()
    days_until_due = serializers.IntegerField(allow_null=True)
    currency = serializers.CharField()
    notes = serializers.CharField()
    buyer_reference = serializers.CharField()
    order_reference = serializers.CharField()
    items = RecurringItemReadSerializer(many=True)
    allowances_charges = AllowanceChargeReadSerializer(many=True)
    status = serializers.ChoiceField(choices=ScheduleStatus.choices)
    next_period_start = serializers.DateField(allow_null=True)
    cycles_done = serializers.IntegerField()
    last_run_at = serializers.DateTimeField(allow_null=True)
    last_error = LastErrorSerializer(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class PreviewItemSerializer(serializers.Serializer):
    description = serializers.CharField()
    quantity = serializers.CharField()
    unit_price = serializers.CharField()
    tax_category = serializers.CharField()
    tax_rate = serializers.CharField()
    net_amount = serializers.CharField()


class PreviewPeriodSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    issue_date = serializers.DateField()
    due_date = serializers.DateField()
    currency = serializers.CharField()
    items = PreviewItemSerializer(many=True)
    line_total = serializers.CharField()
    allowance_total = serializers.CharField()
    charge_total = serializers.CharField()
    net_total = serializers.CharField()
    tax_total = serializers.CharField()
    gross_total = serializers.CharField()
    tax_breakdown = TaxBreakdownSerializer(many=True)
