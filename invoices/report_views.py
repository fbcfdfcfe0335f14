"""Report endpoints: `GET /api/reports/aging/` and `GET /api/reports/summary/`."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from invoices.report_serializers import AgingReportSerializer, SummaryReportSerializer
from invoices.selectors import (
    AGING_INVOICES_LIMIT,
    invoice_aging,
    invoice_aging_invoices,
    invoice_list,
    invoice_summary,
)
from invoices.serializers import BoundedDateField
from settings_app.calendar import company_today


class SummaryQuerySerializer(serializers.Serializer):
    date_from = BoundedDateField(required=False)
    date_to = BoundedDateField(required=False)

    def validate(self, attrs):
        if (
            attrs.get("date_from")
            and attrs.get("date_to")
            and attrs["date_to"] < attrs["date_from"]
        ):
            raise serializers.ValidationError({"date_to": ["date_to is before date_from."]})
        return attrs


class AgingQuerySerializer(serializers.Serializer):
    include = serializers.ChoiceField(choices=["invoices"], required=False)


AGING_DESCRIPTION = f"""Open receivables (issued and partially paid invoices) by days past
due in the company's calendar (current, 1-30, 31-60, 61-90, over 90), per currency, with
the refunds due on credit notes and the balance. Staff see their own invoices, admins
everyone's.

`?include=invoices` adds `invoices`: the open invoices, longest overdue first (due date,
then id), at most {AGING_INVOICES_LIMIT}, each with `id`, `number`, `customer` (`id`,
`name`), `currency`, `due_date`, `days_overdue` (0 while not due), `amount_due`,
`bucket` and `last_reminder_level` (the highest payment reminder sent, 0 = none); and
`invoices_truncated`: true when more invoices are open than listed."""


class AgingReportView(APIView):
    """Open receivables by days past due (current, 1-30, 31-60, 61-90, over 90), per currency.

    Staff see their own invoices, admins everyone's."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Aging report of open receivables",
        description=AGING_DESCRIPTION,
        parameters=[
            OpenApiParameter(
                "include",
                OpenApiTypes.STR,
                enum=["invoices"],
                description="`invoices`: also list the open invoices "
                f"(at most {AGING_INVOICES_LIMIT}, longest overdue first)",
            )
        ],
        responses={200: AgingReportSerializer},
    )
    def get(self, request):
        query = AgingQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        invoices = invoice_list(user=request.user)
        today = company_today()
        answer = invoice_aging(invoices=invoices, today=today)
        if query.validated_data.get("include") == "invoices":
            answer["invoices"], answer["invoices_truncated"] = invoice_aging_invoices(
                invoices=invoices, today=today
            )
        return Response(answer)


class SummaryReportView(APIView):
    """Invoiced, credited, paid, outstanding and overdue per currency, for a period."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("date_from", OpenApiTypes.DATE, description="issue date from"),
            OpenApiParameter("date_to", OpenApiTypes.DATE, description="issue date to"),
        ],
        responses={200: SummaryReportSerializer},
    )
    def get(self, request):
        query = SummaryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        invoices = invoice_list(user=request.user)
        return Response(
            invoice_summary(invoices=invoices, today=company_today(), **query.validated_data)
        )
