from drf_spectacular.utils import extend_schema
from rest_framework.generics import RetrieveUpdateAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from common.conditional import ConditionalMixin
from common.parsers import StrictJSONParser
from common.permissions import IsAdmin
from settings_app.models import CompanySettings
from settings_app.selectors import company_settings_public, invoicing_settings
from settings_app.serializers import (
    CompanySettingsSerializer,
    InvoicingSettingsSerializer,
    PublicCompanySettingsSerializer,
)


class CompanySettingsView(ConditionalMixin, RetrieveUpdateAPIView):
    """The seller's data, admins only. Multipart is accepted for the logo upload."""

    serializer_class = CompanySettingsSerializer
    permission_classes = [IsAdmin]
    parser_classes = [StrictJSONParser, MultiPartParser, FormParser]
    # The whole row (common.conditional); the host too: the logo's URL names it.
    etag_fields = tuple(field.attname for field in CompanySettings._meta.concrete_fields)

    def get_object(self) -> CompanySettings:
        return CompanySettings.load()

    def get_queryset(self):
        return CompanySettings.objects.all()

    def etag_context(self):
        return (self.request.get_host(),)

    def names_one_object(self) -> bool:
        return True  # the singleton

    def locked_validators(self):
        self.get_object()  # created on first use
        return self.get_queryset().select_for_update().values(*self.etag_fields).first()

    def retrieve(self, request, *args, **kwargs):
        return self.conditional_retrieve(self.get_object())

    def perform_update(self, serializer):
        super().perform_update(serializer)
        self.written = serializer.instance

    def update(self, request, *args, **kwargs):
        response = super().update(request, *args, **kwargs)
        return self.respond_with_etag(response, self.written, reread=True)


class PublicCompanySettingsView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses={200: PublicCompanySettingsSerializer}, auth=[])
    def get(self, request):
        return Response(company_settings_public())


class CompanyRowConditional(ConditionalMixin):
    """A read built from the company settings row alone: its ETag is the whole row's
    (common.conditional), so an admin's change in `settings/company/` or the admin site
    answers 200 with a new tag."""

    etag_fields = tuple(field.attname for field in CompanySettings._meta.concrete_fields)

    def get_queryset(self):
        return CompanySettings.objects.all()


class InvoicingSettingsView(CompanyRowConditional, APIView):
    """The invoicing defaults, for every signed-in user (the company settings are admin-only)."""

    @extend_schema(
        summary="Read the invoicing defaults",
        description="What a new draft defaults to: currency, tax category and rate, payment "
        "terms, the invoice and credit-note series with the number format, language and "
        "the company's time zone. Readable by staff and admins; changed by admins in "
        "`settings/company/`.",
        responses={200: InvoicingSettingsSerializer},
    )
    def get(self, request):
        return self.conditional_retrieve(
            CompanySettings.current(), lambda company: invoicing_settings(company=company)
        )
