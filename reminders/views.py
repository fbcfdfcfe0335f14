"""The payment reminders of an invoice (read-only: the runner writes them)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from common.permissions import IsOwnerOrAdmin
from invoices.selectors import invoice_list
from reminders.selectors import invoice_reminders
from reminders.serializers import PaymentReminderSerializer


class InvoiceRemindersView(APIView):
    permission_classes = [IsOwnerOrAdmin]

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
        reminders = invoice_reminders(invoice=invoice)
        return Response(PaymentReminderSerializer(reminders, many=True).data)
