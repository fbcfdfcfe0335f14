"""Thin invoice endpoints: permission, parse, call one service or selector, answer."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common.conditional import ConditionalMixin
from common.exceptions import ValidationException
from common.filters import MAX_ID, FilterBackend, StrictOrderingFilter
from common.permissions import IsAdmin, IsOwnerOrAdmin
from invoices import services
from invoices.filters import InvoiceFilter, InvoiceSearchFilter
from invoices.models import Invoice, InvoiceStatus, Payment
from invoices.representation import (
    INVOICE_ROW_FIELDS,
    invoice_dict,
    invoice_rows_dicts,
    payment_dict,
)
from invoices.selectors import invoice_list, invoices_with_customer_name
from invoices.serializers import (
    InvoiceReadSerializer,
    InvoiceWriteSerializer,
    IssueSerializer,
    PaymentReadSerializer,
    PaymentWriteSerializer,
    VoidSerializer,
)
from settings_app.calendar import company_today


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


# What an invoice's answer is built from beyond `Invoice.version` (common.conditional):
# list rows show the customer's name, which a rename changes without touching invoices.
INVOICE_ETAG_FIELDS = ("id", "version", "updated_at", "customer__name")
_ETAG_ONLY_FIELDS = tuple(f for f in INVOICE_ETAG_FIELDS if f not in INVOICE_ROW_FIELDS)


class InvoiceViewSet(
    ConditionalMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Invoices: drafts are edited freely; issued ones only move through the actions."""

    permission_classes = [IsOwnerOrAdmin]
    filterset_class = InvoiceFilter
    filter_backends = [FilterBackend, InvoiceSearchFilter, StrictOrderingFilter]
    search_fields = ["number", "customer__name"]
    ordering_fields = ["issue_date", "number", "gross_total", "due_date", "created_at", "id"]
    ordering = ["-id"]
    serializer_class = InvoiceReadSerializer
    etag_fields = INVOICE_ETAG_FIELDS
    etag_memo = True  # every change of a list row saves an invoice or its customer

    def get_queryset(self):
        queryset = invoice_list(user=self.request.user)
        if self.action == "retrieve":  # its ETag names the customer: no second query
            queryset = queryset.select_related("customer")
        elif self.action == "list":  # the name without a join in the page's COUNT
            queryset = invoices_with_customer_name(queryset)
        return queryset

    def etag_context(self):
        # `is_overdue` moves with the company's day, `public_url` with the setting.
        return (company_today(), settings.PUBLIC_BASE_URL)

    def _answer(self, invoice: Invoice, code: int = status.HTTP_200_OK) -> Response:
        fresh = invoice_list(user=self.request.user).select_related("customer").get(pk=invoice.pk)
        return self.respond_with_etag(Response(invoice_dict(fresh), status=code), fresh)

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return InvoiceWriteSerializer
        return InvoiceReadSerializer

    def list(self, request, *args, **kwargs):
        if (not_modified := self.remembered_not_modified()) is not None:
            return not_modified
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
        return self.conditional_list(
            queryset,
            rows_of=lambda rows: rows.values(*INVOICE_ROW_FIELDS, *_ETAG_ONLY_FIELDS),
            render=invoice_rows_dicts,
        )

    def retrieve(self, request, *args, **kwargs):
        return self.conditional_retrieve(self.get_object(), invoice_dict)

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
        # Reminders paused is state, not content: the one field writable after issue.
        paused = fields.pop("reminders_paused", None)
        if paused is None:
            invoice = services.invoice_update_draft(invoice=invoice, **fields)
        else:
            with transaction.atomic():  # content and state together, or neither
                if fields or invoice.status == InvoiceStatus.DRAFT:
                    invoice = services.invoice_update_draft(invoice=invoice, **fields)
                invoice = services.invoice_reminders_pause(invoice=invoice, paused=paused)
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
        return self.respond_with_etag(Response(invoice_dict(invoice)), invoice)

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

    @extend_schema(
        summary="Duplicate an invoice",
        description="A new draft of the caller for the same customer, with the invoice's "
        "lines (their values as on the invoice), allowances and charges, notes, references, "
        "exemptions and currency; dated today, due after the customer's payment terms, "
        "without a number until issued. Works on draft, issued and void invoices. A line "
        "keeps its product unless the product is archived. A credit note answers 409 "
        "`invoice_not_duplicable`; a deleted customer is a 400 on `customer`.",
        request=None,
        responses={201: InvoiceReadSerializer},
    )
    @action(detail=True, methods=["post"])
    def duplicate(self, request, pk=None):
        copy = services.invoice_duplicate(invoice=self.get_object(), by=request.user)
        return self._answer(copy, status.HTTP_201_CREATED)

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
