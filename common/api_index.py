"""`GET /api/`: where a client starts, the API's sections and its documentation."""

from __future__ import annotations

from django.conf import settings
from django.urls import Resolver404, resolve
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

# (path under /api/, what it holds). A section is listed only while its path resolves,
# so the index never points at an endpoint this deployment does not serve.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("auth/login/", "Log in: JWT access and refresh tokens"),
    ("auth/me/", "The logged-in user"),
    ("users/", "User management (admins)"),
    ("customers/", "Customers and their statistics"),
    ("products/", "The product catalogue"),
    ("invoices/", "Invoices and credit notes: drafts, issue, payments, documents"),
    ("payments/", "Payments across invoices"),
    ("recurring-invoices/", "Recurring invoice schedules"),
    ("reports/aging/", "Open receivables by days past due"),
    ("reports/summary/", "Invoiced, paid and outstanding per currency"),
    ("currencies/", "Currencies and their minor units"),
    ("tax-categories/", "VAT categories (UNCL5305) and their rates"),
    ("settings/invoicing/", "Invoicing defaults"),
    ("settings/company/", "Company settings (admins)"),
    ("settings/company/public/", "Public company details"),
)
DOCS = {"schema": "schema/", "swagger_ui": "docs/", "redoc": "redoc/"}


class SectionSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The section's path under /api/, e.g. `invoices`.")
    url = serializers.URLField()
    description = serializers.CharField()


class DocsLinksSerializer(serializers.Serializer):
    schema = serializers.URLField(help_text="The OpenAPI 3 schema (YAML; `?format=json`).")
    swagger_ui = serializers.URLField(help_text="Swagger UI: try the operations.")
    redoc = serializers.URLField(help_text="ReDoc: the reference to read.")


class ApiIndexSerializer(serializers.Serializer):
    title = serializers.CharField()
    version = serializers.CharField()
    sections = SectionSerializer(many=True)
    docs = DocsLinksSerializer()


def _served(path: str) -> bool:
    try:
        resolve(f"/api/{path}")
    except Resolver404:
        return False
    return True


class ApiIndexView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(operation_id="api_index", responses={200: ApiIndexSerializer}, auth=[])
    def get(self, request):
        def url(path: str) -> str:
            return request.build_absolute_uri(f"/api/{path}")

        spectacular = settings.SPECTACULAR_SETTINGS
        return Response(
            {
                "title": spectacular["TITLE"],
                "version": spectacular["VERSION"],
                "sections": [
                    {"name": path.rstrip("/"), "url": url(path), "description": text}
                    for path, text in SECTIONS
                    if _served(path)
                ],
                "docs": {name: url(path) for name, path in DOCS.items()},
            }
        )
