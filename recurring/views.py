"""Thin endpoints of recurring invoices: permission, parse, call one service, answer."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common.conditional import ConditionalMixin
from common.filters import MAX_ID
from common.permissions import IsOwnerOrAdmin
from recurring import services
from recurring.filters import RecurringInvoiceFilter
from recurring.models import RecurringInvoice
from recurring.representation import recurring_invoice_dict
from recurring.selectors import recurring_invoice_list, recurring_invoice_preview
from recurring.serializers import (
    PreviewPeriodSerializer,
    RecurringInvoiceReadSerializer,
    RecurringInvoiceWriteSerializer,
    ResumeSerializer,
)
from settings_app.calendar import company_today
from settings_app.models import CompanySettings


class RecurringInvoiceViewSet(
    ConditionalMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Schedules that bill a customer per period; owned like invoices."""

    permission_classes = [IsOwnerOrAdmin]
    filterset_class = RecurringInvoiceFilter
    search_fields = ["customer__name", "notes"]
    ordering_fields = ["id", "next_period_start", "start_date", "created_at"]
    ordering = ["-id"]
    serializer_class = RecurringInvoiceReadSerializer
    # The whole row (common.conditional): the runner moves the cursor and the counts;
    # every change of the lines saves the schedule too (`updated_at`).
    etag_fields = tuple(field.attname for field in RecurringInvoice._meta.concrete_fields)

    def get_queryset(self):
        return recurring_invoice_list(user=self.request.user).select_related("customer")

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return RecurringInvoiceWriteSerializer
        return RecurringInvoiceReadSerializer

    def get_object(self):
        # A URL id beyond the key's range is no row (SQLite cannot even bind it).
        pk = str(self.kwargs.get("pk", ""))
        if not pk.isascii() or not pk.isdigit() or not 0 < int(pk) <= MAX_ID:
            raise Http404
        return super().get_object()

    def _answer(self, schedule: RecurringInvoice, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=schedule.pk)
        return self.respond_with_etag(Response(recurring_invoice_dict(fresh), status=code), fresh)

    def list(self, request, *args, **kwargs):
        return self.conditional_list(
            self.filter_queryset(self.get_queryset()),
            render=lambda rows: [recurring_invoice_dict(row) for row in rows],
        )

    def retrieve(self, request, *args, **kwargs):
        return self.conditional_retrieve(self.get_object(), recurring_invoice_dict)

    @extend_schema(
        request=RecurringInvoiceWriteSerializer, responses={201: RecurringInvoiceReadSerializer}
    )
    def create(self, request, *args, **kwargs):
        serializer = RecurringInvoiceWriteSerializer(
            data=request.data, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        schedule = services.recurring_invoice_create(
            owner=request.user, **serializer.validated_data
        )
        return self._answer(schedule, status.HTTP_201_CREATED)

    @extend_schema(
        request=RecurringInvoiceWriteSerializer, responses={200: RecurringInvoiceReadSerializer}
    )
    def update(self, request, *args, **kwargs):
        schedule = self.get_object()
        partial = kwargs.get("partial", False)
        serializer = RecurringInvoiceWriteSerializer(
            data=request.data, partial=partial, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        schedule = services.recurring_invoice_update(schedule=schedule, **serializer.validated_data)
        return self._answer(schedule)

    @extend_schema(
        request=RecurringInvoiceWriteSerializer, responses={200: RecurringInvoiceReadSerializer}
    )
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def perform_destroy(self, instance):
        services.recurring_invoice_delete(schedule=instance)

    @extend_schema(request=None, responses={200: RecurringInvoiceReadSerializer})
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        schedule = services.recurring_invoice_pause(schedule=self.get_object())
        return self._answer(schedule)

    @extend_schema(request=ResumeSerializer, responses={200: RecurringInvoiceReadSerializer})
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        schedule = self.get_object()
        serializer = ResumeSerializer(data=request.data or {})
        serializer.is_valid(raise_exception=True)
        schedule = services.recurring_invoice_resume(
            schedule=schedule, catch_up=serializer.validated_data["catch_up"]
        )
        return self._answer(schedule)

    @extend_schema(request=None, responses={200: RecurringInvoiceReadSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        schedule = services.recurring_invoice_cancel(schedule=self.get_object())
        return self._answer(schedule)

    @extend_schema(request=None, responses={200: PreviewPeriodSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def preview(self, request, pk=None):
        schedule = self.get_object()
        company = CompanySettings.current()
        periods = recurring_invoice_preview(
            schedule=schedule, today=company_today(company), series=company.invoice_series
        )
        return Response(periods)
