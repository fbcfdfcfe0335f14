"""Payments across invoices: what the bookkeeper reconciles against the bank."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView

from common.conditional import ConditionalMixin
from common.permissions import IsOwnerOrAdmin
from invoices.filters import PaymentFilter
from invoices.representation import PAYMENT_ROW_FIELDS, payment_row_dict
from invoices.selectors import payment_list
from invoices.serializers import PaymentListItemSerializer


class PaymentListView(ConditionalMixin, ListAPIView):
    permission_classes = [IsOwnerOrAdmin]
    serializer_class = PaymentListItemSerializer
    filterset_class = PaymentFilter
    search_fields = ["reference", "invoice__number"]
    ordering_fields = ["date", "amount", "created_at", "id"]
    ordering = ["-date", "-id"]
    # Every column a row shows (common.conditional): the invoice's number and the
    # customer's name move without a payment's row changing.
    etag_fields = PAYMENT_ROW_FIELDS

    def get_queryset(self):
        return payment_list(user=self.request.user)

    @extend_schema(
        summary="List payments",
        description="Every payment the caller may see, newest first: staff those of their "
        "own invoices, admins all. Payments on credit notes are refunds (`invoice_kind`). "
        "Filter by `date_from`/`date_to` (inclusive), `method` (one or more), `customer`, "
        "`invoice` and `currency`; `search` looks in the reference and invoice number. "
        "Record and remove payments on the invoice (`invoices/{id}/payments/`).",
    )
    def get(self, request, *args, **kwargs):
        # Rows with the invoice and customer joined: one query per page.
        return self.conditional_list(
            self.filter_queryset(self.get_queryset()),
            rows_of=lambda rows: rows.values(*PAYMENT_ROW_FIELDS),
            render=lambda rows: [payment_row_dict(row) for row in rows],
        )
