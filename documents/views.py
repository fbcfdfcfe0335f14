"""Document endpoints of invoices, and the customer's public invoice page."""

from __future__ import annotations

import re

from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from common.permissions import IsOwnerOrAdmin
from documents import services
from documents.adapters import invoice_document
from documents.html import render_invoice_html
from documents.models import InvoiceSending
from documents.renderers import RenderedDocument
from documents.serializers import SendingSerializer, SendSerializer
from invoices import services as invoice_services
from invoices.models import Invoice, InvoiceStatus
from invoices.representation import invoice_dict
from invoices.selectors import invoice_get, invoice_list
from invoices.serializers import InvoiceReadSerializer


def _file_response(rendered: RenderedDocument, *, inline: bool = False) -> HttpResponse:
    response = HttpResponse(rendered.content, content_type=rendered.mimetype)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{rendered.filename}"'
    response["Content-Length"] = str(len(rendered.content))
    response["X-Content-Type-Options"] = "nosniff"
    return response


class _InvoiceScopedView(APIView):
    permission_classes = [IsOwnerOrAdmin]

    def get_invoice(self, request, pk: int) -> Invoice:
        return invoice_list(user=request.user).get(pk=pk)


class _InvoiceDocumentView(_InvoiceScopedView):
    fmt = "pdf"

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY),
            409: OpenApiResponse(description="Draft (no e-invoice) or invalid e-invoice"),
        }
    )
    def get(self, request, pk: int):
        invoice = self.get_invoice(request, pk)
        return _file_response(services.invoice_document_render(invoice=invoice, fmt=self.fmt))


class InvoicePdfView(_InvoiceDocumentView):
    """The invoice as PDF (issued: the stored copy; draft: a preview marked DRAFT)."""

    fmt = "pdf"


class InvoiceUblView(_InvoiceDocumentView):
    """UBL 2.1 Invoice/CreditNote, Peppol BIS Billing 3.0, validated."""

    fmt = "ubl"


class InvoiceFacturxView(_InvoiceDocumentView):
    """PDF/A-3b with the CII XML embedded (Factur-X, profile EN 16931), validated."""

    fmt = "facturx"


class InvoiceSendView(_InvoiceScopedView):
    @extend_schema(request=SendSerializer, responses={202: SendingSerializer})
    def post(self, request, pk: int):
        invoice = self.get_invoice(request, pk)
        serializer = SendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        sending = services.invoice_send(
            invoice=invoice, by=request.user, **serializer.validated_data
        )
        sending.refresh_from_db()
        return Response(SendingSerializer(sending).data, status=status.HTTP_202_ACCEPTED)


class InvoiceSendingsView(_InvoiceScopedView):
    @extend_schema(responses={200: SendingSerializer(many=True)})
    def get(self, request, pk: int):
        invoice = self.get_invoice(request, pk)
        sendings = InvoiceSending.objects.filter(invoice=invoice).order_by("-id")
        return Response(SendingSerializer(sendings, many=True).data)


class InvoiceRevokeLinkView(_InvoiceScopedView):
    @extend_schema(request=None, responses={200: InvoiceReadSerializer})
    def post(self, request, pk: int):
        invoice = invoice_services.invoice_public_token_revoke(
            invoice=self.get_invoice(request, pk)
        )
        return Response(invoice_dict(invoice_get(user=request.user, pk=invoice.pk)))


# --- the customer's page: no login, nothing reachable but this invoice ----------------


# What `secrets.token_urlsafe` hands out. Anything else is not even looked up: a NUL
# byte in the path would be a 500 on PostgreSQL, which refuses NUL in text.
_PUBLIC_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


def _public_invoice(token: str) -> Invoice:
    if not _PUBLIC_TOKEN.fullmatch(token):
        raise Http404
    invoice = Invoice.objects.filter(public_token=token).exclude(status=InvoiceStatus.DRAFT).first()
    if invoice is None:
        raise Http404
    return invoice


@never_cache
@require_GET
def public_invoice_page(request, token: str) -> HttpResponse:
    invoice = _public_invoice(token)
    base = f"/i/{token}/"
    links = {"pdf": f"{base}pdf/", "facturx": f"{base}facturx/", "ubl": f"{base}ubl/"}
    html = render_invoice_html(invoice_document(invoice), download_links=links)
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_GET
def public_invoice_document(request, token: str, fmt: str) -> HttpResponse:
    invoice = _public_invoice(token)
    return _file_response(services.invoice_document_render(invoice=invoice, fmt=fmt))
