"""Thin invoice endpoints: permission, parse, call one service or selector, answer."""

from __future__ import annotations

from django.conf import settings
from django.db.models import F
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common.exceptions import ValidationException
from common.filters import MAX_ID
from common.permissions import IsAdmin, IsOwnerOrAdmin
from invoices import services
from invoices.filters import InvoiceFilter
from invoices.models import Invoice, Payment
from invoices.representation import (
    INVOICE_ROW_FIELDS,
    invoice_dict,
    invoice_rows_dicts,
    payment_dict,
)
from invoices.selectors import invoice_get, invoice_list
from invoices.serializers import (
    InvoiceReadSerializer,
    InvoiceWriteSerializer,
    IssueSerializer,
    PaymentReadSerializer,
    PaymentWriteSerializer,
    VoidSerializer,
)


def _check_draft_size(request) -> None:
    """A draft must stay within what a PDF can be produced for within the workers' time
    limits (docs/ARCHITECTURE.md): INVOICE_MAX_LINES lines and INVOICE_MAX_BYTES of
    JSON. Larger input is a 400 naming the limit, before any parsing of the lines."""
    try:
        size = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        size = 0
    # Beyond DATA_UPLOAD_MAX_MEMORY_SIZE Django refuses to read it at all: that stays a 413.
    if settings.INVOICE_MAX_BYTES < size <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        raise ValidationException(
            f"The invoice is larger than {settings.INVOICE_MAX_BYTES} bytes (INVOICE_MAX_BYTES).",
            details={"non_field_errors": [f"At most {settings.INVOICE_MAX_BYTES} bytes."]},
        )
    items = request.data.get("items") if hasattr(request.data, "get") else None
    if isinstance(items, list) and len(items) > settings.INVOICE_MAX_LINES:
        message = f"At most {settings.INVOICE_MAX_LINES} lines per invoice (INVOICE_MAX_LINES)."
        raise ValidationException(message, details={"items": [message]})


def _id_or_404(pk: str) -> int:
    """A URL id as the detail routes take it: anything but a row id is not found."""
    if not pk.isascii() or not pk.isdigit() or not 0 < int(pk) <= MAX_ID:
        raise Http404
    return int(pk)


class InvoiceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Invoices: drafts are edited freely; issued ones only move through the actions."""

    permission_classes = [IsOwnerOrAdmin]
    filterset_class = InvoiceFilter
    search_fields = ["number", "customer__name"]
    ordering_fields = ["issue_date", "number", "gross_total", "due_date", "created_at", "id"]
    ordering = ["-id"]
    serializer_class = InvoiceReadSerializer

    def get_queryset(self):
        return invoice_list(user=self.request.user)

    def _answer(self, invoice: Invoice, code: int = status.HTTP_200_OK) -> Response:
        fresh = invoice_get(user=self.request.user, pk=invoice.pk)
        return Response(invoice_dict(fresh), status=code)

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return InvoiceWriteSerializer
        return InvoiceReadSerializer

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        if request.query_params.get("ordering", "").lstrip("-") in (
            "issue_date",
            "due_date",
            "number",
        ):
            # Drafts have no number or dates yet: keep them last whatever the direction.
            field = request.query_params["ordering"].lstrip("-")
            descending = request.query_params["ordering"].startswith("-")
            expression = (
                F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True)
            )
            queryset = queryset.order_by(expression, "-id")
        # Rows, not model instances: the list is the busiest endpoint (docs/PERFORMANCE.md).
        page = self.paginate_queryset(queryset.values(*INVOICE_ROW_FIELDS))
        return self.get_paginated_response(invoice_rows_dicts(page))

    def retrieve(self, request, *args, **kwargs):
        return Response(invoice_dict(self.get_object()))

    @extend_schema(request=InvoiceWriteSerializer, responses={201: InvoiceReadSerializer})
    def create(self, request, *args, **kwargs):
        _check_draft_size(request)
        serializer = InvoiceWriteSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        invoice = services.invoice_create_draft(owner=request.user, **serializer.validated_data)
        return self._answer(invoice, status.HTTP_201_CREATED)

    @extend_schema(request=InvoiceWriteSerializer, responses={200: InvoiceReadSerializer})
    def update(self, request, *args, **kwargs):
        invoice = self.get_object()
        _check_draft_size(request)
        serializer = InvoiceWriteSerializer(
            invoice,
            data=request.data,
            partial=kwargs.get("partial", False),
            context={"request": request},
        )
        serializer.is_valid(raise_exception=True)
        fields = serializer.validated_data
        if "kind" not in request.data:  # a full PUT that leaves the (fixed) kind out
            fields.pop("kind", None)
        invoice = services.invoice_update_draft(invoice=invoice, **fields)
        return self._answer(invoice)

    @extend_schema(request=InvoiceWriteSerializer, responses={200: InvoiceReadSerializer})
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def perform_destroy(self, instance):
        services.invoice_delete_draft(invoice=instance)

    @extend_schema(request=IssueSerializer, responses={200: InvoiceReadSerializer})
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        issue_date = None
        if request.data:  # the usual body is empty: no serializer to build
            serializer = IssueSerializer(data=request.data)
            if not serializer.is_valid():
                self.get_object()  # an unknown invoice answers 404 before its body's 400
                serializer.is_valid(raise_exception=True)
            issue_date = serializer.validated_data.get("issue_date")
        # The hot path reads the invoice once: the service locks it among those the user
        # may see (the permission's rule) and answers it with its items, no re-read.
        try:
            invoice = services.invoice_issue(
                invoice=Invoice(pk=_id_or_404(pk)),
                within=self.get_queryset(),
                by=request.user,
                issue_date=issue_date,
            )
        except Invoice.DoesNotExist:
            raise Http404 from None
        return Response(invoice_dict(invoice))

    @extend_schema(request=VoidSerializer, responses={200: InvoiceReadSerializer})
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        invoice = self.get_object()
        serializer = VoidSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invoice = services.invoice_void(
            invoice=invoice, by=request.user, **serializer.validated_data
        )
        return self._answer(invoice)

    @extend_schema(request=None, responses={201: InvoiceReadSerializer})
    @action(detail=True, methods=["post"], url_path="credit-note")
    def credit_note(self, request, pk=None):
        credit_note = services.invoice_credit_note_create(invoice=self.get_object())
        return self._answer(credit_note, status.HTTP_201_CREATED)

    @extend_schema(methods=["get"], request=None, responses={200: PaymentReadSerializer(many=True)})
    @extend_schema(
        methods=["post"], request=PaymentWriteSerializer, responses={201: PaymentReadSerializer}
    )
    # A plain list (an invoice has few payments): no pagination and no list filters, so the
    # schema documents neither.
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def payments(self, request, pk=None):
        invoice = self.get_object()
        if request.method == "GET":
            return Response(invoice.payments_json)
        serializer = PaymentWriteSerializer(data=request.data, context={"invoice": invoice})
        serializer.is_valid(raise_exception=True)
        payment = services.payment_record(
            invoice=invoice, by=request.user, **serializer.validated_data
        )
        return Response(payment_dict(payment, invoice.currency), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={200: InvoiceReadSerializer},
        parameters=[OpenApiParameter("payment_id", int, OpenApiParameter.PATH)],
    )
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"payments/(?P<payment_id>\d+)",
        permission_classes=[IsAdmin],
    )
    def delete_payment(self, request, pk=None, payment_id=None):
        invoice = self.get_object()
        payment = get_object_or_404(Payment, pk=payment_id, invoice_id=invoice.pk)
        invoice = services.payment_delete(payment=payment, by=request.user)
        return self._answer(invoice)
