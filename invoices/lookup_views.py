"""Read-only lookups for clients: currencies, tax categories, the next number."""

from __future__ import annotations

import functools
import hashlib

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from common.conditional import ConditionalMixin
from invoices.lookup_serializers import (
    CurrencySerializer,
    NextNumberQuerySerializer,
    NextNumberSerializer,
    TaxCategorySerializer,
)
from invoices.lookups import currencies, tax_categories
from invoices.numbering import invoice_next_number
from settings_app.calendar import company_today
from settings_app.models import CompanySettings
from settings_app.views import CompanyRowConditional


@functools.cache
def _currencies_digest() -> str:
    """What the list is built from: the libraries' data (pycountry, Babel), fixed per
    process; the code's digest is in every ETag already (common.conditional)."""
    return hashlib.blake2b(repr(currencies()).encode(), digest_size=16).hexdigest()


class CurrencyListView(ConditionalMixin, APIView):
    etag_fields = ("digest",)
    last_modified_field = None

    def _model_label(self) -> str:
        return "currencies"  # no model: a list built from the libraries' data

    @extend_schema(
        summary="List currencies",
        description="Every ISO 4217 currency an invoice accepts, by code, with its English "
        "name and minor unit: the decimals its amounts are rounded to (CLDR data, e.g. "
        "EUR 2, JPY 0, KWD 3). A plain list, not paginated.",
        responses={200: CurrencySerializer(many=True)},
    )
    def get(self, request):
        return self.conditional_retrieve(
            {"digest": _currencies_digest()}, lambda _: list(currencies())
        )


class TaxCategoryListView(CompanyRowConditional, APIView):
    # The default rate and exemption texts come from the company settings row.
    @extend_schema(
        summary="List tax categories",
        description="The VAT categories of UNCL5305 that lines and allowances take: S needs "
        "a rate above 0 (default: the company's default rate), the others a rate of 0. "
        "For the exempt categories, the VATEX code and reason an e-invoice carries when "
        "the invoice gives none in `vat_exemptions`; E has none and must be given.",
        responses={200: TaxCategorySerializer(many=True)},
    )
    def get(self, request):
        return self.conditional_retrieve(
            CompanySettings.current(), lambda company: tax_categories(company=company)
        )


class NextNumberView(APIView):
    @extend_schema(
        summary="Preview the next invoice number",
        description="The number the next issue in `series` (default: the invoice series) "
        "would get if issued today. Nothing is reserved: numbers are drawn only when a "
        "draft is issued, so a concurrent issue may take it first. An unknown series (not "
        "in the settings and on no invoice) is a 400 on `series`.",
        parameters=[NextNumberQuerySerializer],
        responses={200: NextNumberSerializer},
    )
    def get(self, request):
        query = NextNumberQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        company = CompanySettings.current()
        series = query.validated_data.get("series") or company.invoice_series
        today = company_today(company)
        return Response(invoice_next_number(series=series, company=company, today=today))
