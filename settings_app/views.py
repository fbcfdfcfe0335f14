from drf_spectacular.utils import extend_schema
from rest_framework.generics import RetrieveUpdateAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from common.parsers import StrictJSONParser
from common.permissions import IsAdmin
from settings_app.models import CompanySettings
from settings_app.selectors import company_settings_public
from settings_app.serializers import CompanySettingsSerializer, PublicCompanySettingsSerializer


class CompanySettingsView(RetrieveUpdateAPIView):
    """The seller's data, admins only. Multipart is accepted for the logo upload."""

    serializer_class = CompanySettingsSerializer
    permission_classes = [IsAdmin]
    parser_classes = [StrictJSONParser, MultiPartParser, FormParser]

    def get_object(self) -> CompanySettings:
        return CompanySettings.load()


class PublicCompanySettingsView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses={200: PublicCompanySettingsSerializer}, auth=[])
    def get(self, request):
        return Response(company_settings_public())
