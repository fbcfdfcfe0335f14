"""Payments across invoices: what the bookkeeper reconciles against the bank."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView

from common.permissions import IsOwnerOrAdmin
from invoices.filters import PaymentFilter
from invoices.representation import PAYMENT_ROW_FIELDS, payment_row_dict
from invoices.selectors import payment_list
from invoices.serializers import PaymentListItemSerializer


class PaymentListView(ListAPIView):
    permission_classes = [IsOwnerOrAdmin]
    serializer_class = PaymentListItemSerializer
    filterset_class = PaymentFilter
    search_fields = ["reference", "invoice__number"]
    ordering_fields = ["date", "amount", "created_at", "id"]
    ordering = ["-date", "-id"]

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
        queryset = self.filter_queryset(self.get_queryset())
        # Rows with the invoice and customer joined: one query per page.
        page = self.paginate_queryset(queryset.values(*PAYMENT_ROW_FIELDS))
        return self.get_paginated_response([payment_row_dict(row) for row in page])
