"""Report endpoints: `GET /api/reports/aging/` and `GET /api/reports/summary/`."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from invoices.selectors import invoice_aging, invoice_list, invoice_summary
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


class AgingReportView(APIView):
    """Open receivables by days past due (current, 1-30, 31-60, 61-90, over 90), per currency.

    Staff see their own invoices, admins everyone's."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        invoices = invoice_list(user=request.user)
        return Response(invoice_aging(invoices=invoices, today=company_today()))


class SummaryReportView(APIView):
    """Invoiced, credited, paid, outstanding and overdue per currency, for a period."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("date_from", OpenApiTypes.DATE, description="issue date from"),
            OpenApiParameter("date_to", OpenApiTypes.DATE, description="issue date to"),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        query = SummaryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        invoices = invoice_list(user=request.user)
        return Response(
            invoice_summary(invoices=invoices, today=company_today(), **query.validated_data)
        )
