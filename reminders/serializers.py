from rest_framework import serializers

from common.serializer_fields import MoneyField
from reminders.models import PaymentReminder


class InterestPeriodSerializer(serializers.Serializer):
    # "from" is a Python keyword: the field is named in `fields` below.
    to = serializers.DateField()
    days = serializers.IntegerField()
    base_rate = serializers.CharField(help_text="Percent a year, as in the table of that day.")
    rate = serializers.CharField(help_text="Base rate + points, percent a year.")
    amount = serializers.CharField(help_text="Unrounded, 4 decimals.")

    def get_fields(self):
        fields = super().get_fields()
        return {"from": serializers.DateField(), **fields}


class InterestSerializer(serializers.Serializer):
    method = serializers.CharField(help_text="Day count: act/365.")
    principal = serializers.CharField(help_text="The amount due it was computed on.")
    points = serializers.CharField(help_text="9 for a business, 5 for a consumer.")
    periods = InterestPeriodSerializer(many=True)
    total = serializers.CharField(help_text="Billed on the fee invoice.")


class PaymentReminderSerializer(serializers.ModelSerializer):
    sending_status = serializers.CharField(source="sending.status", allow_null=True)
    fee_invoice_number = serializers.CharField(source="fee_invoice.number", allow_null=True)
    amount_due = MoneyField(help_text="What was due when the reminder was sent.")
    fee_amount = MoneyField(allow_null=True, help_text="The level's fee, on the fee invoice.")
    interest = InterestSerializer(allow_null=True, help_text="Statutory default interest.")

    class Meta:
        model = PaymentReminder
        fields = [
            "id",
            "level",
            "sent_at",
            "run_date",
            "days_overdue",
            "amount_due",
            "sending",
            "sending_status",
            "fee_invoice",
            "fee_invoice_number",
            "fee_amount",
            "interest",
        ]
        read_only_fields = fields
