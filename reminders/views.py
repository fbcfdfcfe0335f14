"""The payment reminders of an invoice (read-only: the runner writes them)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.views import APIView

from common.conditional import ConditionalMixin
from common.permissions import IsOwnerOrAdmin
from invoices.selectors import invoice_list
from reminders.models import PaymentReminder
from reminders.selectors import invoice_reminders
from reminders.serializers import PaymentReminderSerializer


class InvoiceRemindersView(ConditionalMixin, APIView):
    permission_classes = [IsOwnerOrAdmin]
    # Each reminder's row and what the answer shows of its sending and fee invoice
    # (common.conditional): a sending delivered or failed moves the tag.
    etag_fields = (
        *(field.attname for field in PaymentReminder._meta.concrete_fields),
        "sending__status",
        "fee_invoice__number",
    )
    last_modified_field = None

    def get_queryset(self):
        return PaymentReminder.objects.all()  # the tag's model

    @extend_schema(
        summary="Payment reminders sent for an invoice",
        description=(
            "Every reminder level sent for the invoice, lowest first: when, the e-mail "
            "sending (see `sendings/`), the fee invoice a level billed, and the statutory "
            "default interest with how it was computed. Owned like the invoice: another "
            "user's invoice answers 404."
        ),
        responses={200: PaymentReminderSerializer(many=True)},
    )
    def get(self, request, pk: int):
        invoice = get_object_or_404(invoice_list(user=request.user), pk=pk)
        return self.conditional_rows(
            invoice_reminders(invoice=invoice),
            render=lambda rows: PaymentReminderSerializer(rows, many=True).data,
            parts=invoice.pk,
        )
