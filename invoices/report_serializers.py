"""The shapes of the report answers (invoices.selectors), for the OpenAPI schema.

The selectors build plain dicts; these serializers declare them so a generated client
gets every figure typed. `common/tests/test_openapi_contract.py` checks that the keys
really answered are exactly the ones declared here.
"""

from __future__ import annotations

from rest_framework import serializers

from common.serializer_fields import MoneyField
from invoices.selectors import AGING_BUCKETS


def _money(help_text: str) -> MoneyField:
    return MoneyField(help_text=f"{help_text} (decimal string, the currency's minor unit).")


class AgingBucketSerializer(serializers.Serializer):
    bucket = serializers.ChoiceField(
        choices=[name for name, _, _ in AGING_BUCKETS],
        help_text="Days past due: `current` (not yet due), `1_30`, `31_60`, `61_90`, `over_90`.",
    )
    amount_due = _money("Open amount of the invoices in the bucket")
    invoice_count = serializers.IntegerField()


class AgingCurrencySerializer(serializers.Serializer):
    currency = serializers.CharField(help_text="ISO 4217 code.")
    total_due = _money("Open amount of all issued invoices")
    invoice_count = serializers.IntegerField(help_text="Open invoices.")
    refund_due = _money("Owed back to customers on issued credit notes")
    balance = _money("total_due minus refund_due")
    buckets = AgingBucketSerializer(many=True)


class AgingReportSerializer(serializers.Serializer):
    as_of = serializers.DateField(help_text="The company's today, from which days are counted.")
    currencies = AgingCurrencySerializer(many=True)


class SummaryCurrencySerializer(serializers.Serializer):
    currency = serializers.CharField(help_text="ISO 4217 code.")
    invoiced = _money("Gross total of issued invoices")
    credited = _money("Gross total of issued credit notes")
    net_revenue = _money("Net invoiced minus net credited")
    tax = _money("Tax invoiced minus tax credited")
    paid = _money("Payments received on invoices")
    refunded = _money("Paid back on credit notes")
    refund_due = _money("Still owed back on credit notes")
    outstanding = _money("Open amount of issued invoices")
    overdue = _money("Open amount past its due date")
    invoice_count = serializers.IntegerField()
    credit_note_count = serializers.IntegerField()
    open_count = serializers.IntegerField()
    overdue_count = serializers.IntegerField()
    void_count = serializers.IntegerField()


class SummaryReportSerializer(serializers.Serializer):
    date_from = serializers.DateField(allow_null=True, help_text="First issue date counted.")
    date_to = serializers.DateField(allow_null=True, help_text="Last issue date counted.")
    as_of = serializers.DateField(help_text="The company's today (for what is overdue).")
    currencies = SummaryCurrencySerializer(many=True)
