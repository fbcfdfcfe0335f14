"""Document endpoints of invoices, and the customer's public invoice page."""

from __future__ import annotations

import functools
import hashlib
import re
from importlib import metadata
from pathlib import Path

from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from common.conditional import CACHE_CONTROL, if_none_match, make_etag, matches
from common.exceptions import BusinessException
from common.handlers import envelope
from common.permissions import IsOwnerOrAdmin
from common.throttling import PublicInvoiceRateThrottle
from customers.models import Customer
from documents import public_page, rendering
from documents import sending as sending_services
from documents.html import render_not_found_html
from documents.models import InvoiceSending
from documents.renderers import RenderedDocument
from documents.serializers import DocumentsStateSerializer, SendingSerializer, SendSerializer
from invoices import services as invoice_services
from invoices.models import Invoice, InvoiceStatus
from invoices.representation import invoice_dict
from invoices.selectors import invoice_get, invoice_list
from invoices.serializers import InvoiceReadSerializer
from settings_app.models import CompanySettings


def _etag(sha256: str) -> str:
    return f'"{sha256}"'


def _not_modified(request, rendered: RenderedDocument) -> bool:
    """Whether the client already holds these stored bytes (If-None-Match)."""
    if not rendered.sha256:
        return False
    wanted = request.headers.get("If-None-Match", "")
    tags = {tag.strip().removeprefix("W/") for tag in wanted.split(",")}
    return _etag(rendered.sha256) in tags or "*" in tags


def _file_response(request, rendered: RenderedDocument, *, inline: bool = False) -> HttpResponse:
    """The file, with its stored SHA-256 as `ETag` and `X-Content-SHA256` when stored."""
    if _not_modified(request, rendered):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(rendered.content, content_type=rendered.mimetype)
        disposition = "inline" if inline else "attachment"
        response["Content-Disposition"] = f'{disposition}; filename="{rendered.filename}"'
        response["Content-Length"] = str(len(rendered.content))
        response["X-Content-Type-Options"] = "nosniff"
    if rendered.sha256:
        response["ETag"] = _etag(rendered.sha256)
        response["X-Content-SHA256"] = rendered.sha256
    return response


@functools.cache
def _preview_assets_digest() -> str:
    """What a preview is drawn with besides the code (common.conditional's digest): the
    templates, fonts, static files and translations, and WeasyPrint's version."""
    root = Path(__file__).resolve().parent
    digest = hashlib.blake2b(metadata.version("weasyprint").encode(), digest_size=8)
    for folder in ("templates", "fonts", "static", "locale"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file():
                digest.update(path.relative_to(root).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _fields(model) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


def draft_preview_etag(invoice: Invoice) -> str:
    """A draft's PDF preview is drawn from live rows at every request: its ETag is a
    digest of those (the invoice's `version` moves with every change of it and its
    lines; the buyer's and the seller's rows whole), so a 304 renders nothing."""
    customer = Customer.all_objects.filter(pk=invoice.customer_id).values(*_fields(Customer))
    company = CompanySettings.objects.values(*_fields(CompanySettings))
    return make_etag(
        (
            "draft-pdf",
            (invoice.pk, invoice.version, invoice.updated_at, invoice.credited_invoice_id),
            customer.first(),
            company.first(),
            _preview_assets_digest(),
        )
    )


def _draft_preview_response(request, invoice: Invoice) -> HttpResponse:
    etag = draft_preview_etag(invoice)  # before the render: never newer than the bytes
    wanted = if_none_match(request)
    if wanted is not None and matches(etag, wanted):
        response = HttpResponse(status=304)
    else:
        rendered = rendering.invoice_document_serve(invoice=invoice, fmt="pdf")
        response = _file_response(request, rendered)
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    return response


class _InvoiceScopedView(APIView):
    permission_classes = [IsOwnerOrAdmin]

    def get_invoice(self, request, pk: int) -> Invoice:
        return get_object_or_404(invoice_list(user=request.user), pk=pk)


class _InvoiceDocumentView(_InvoiceScopedView):
    fmt = "pdf"

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "If-None-Match",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="ETag(s) of a copy held: 304 if current.",
            )
        ],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY),
            304: OpenApiResponse(
                description="If-None-Match holds the ETag: the stored file's, or for a "
                "draft's preview the digest of what it is drawn from (nothing is rendered)"
            ),
            409: OpenApiResponse(
                description="Draft (no e-invoice), invalid e-invoice, a draft too large for a "
                "preview, a document still being built (`document_pending`) or whose build "
                "failed (`document_failed`)"
            ),
            500: OpenApiResponse(description="The stored file failed its SHA-256 check"),
            503: OpenApiResponse(description="Every inline render slot is busy (`busy`)"),
        },
    )
    def get(self, request, pk: int):
        invoice = self.get_invoice(request, pk)
        if invoice.status == InvoiceStatus.DRAFT and self.fmt == "pdf":
            return _draft_preview_response(request, invoice)
        rendered = rendering.invoice_document_serve(invoice=invoice, fmt=self.fmt)
        return _file_response(request, rendered)


class InvoicePdfView(_InvoiceDocumentView):
    """The invoice as PDF (issued: the stored copy; draft: a preview marked DRAFT)."""

    fmt = "pdf"


class InvoiceUblView(_InvoiceDocumentView):
    """UBL 2.1 Invoice/CreditNote, Peppol BIS Billing 3.0, validated, stored once."""

    fmt = "ubl"


class InvoiceCiiView(_InvoiceDocumentView):
    """The CII XML alone (Factur-X EN 16931), validated, stored once."""

    fmt = "cii"


class InvoiceFacturxView(_InvoiceDocumentView):
    """PDF/A-3b with the stored CII XML embedded (Factur-X, profile EN 16931)."""

    fmt = "facturx"


class InvoiceSendView(_InvoiceScopedView):
    @extend_schema(request=SendSerializer, responses={202: SendingSerializer})
    def post(self, request, pk: int):
        invoice = self.get_invoice(request, pk)
        serializer = SendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        sending = sending_services.invoice_send(
            invoice=invoice, by=request.user, **serializer.validated_data
        )
        sending.refresh_from_db()
        return Response(SendingSerializer(sending).data, status=status.HTTP_202_ACCEPTED)


class InvoiceDocumentsView(_InvoiceScopedView):
    """Where the documents of the invoice stand: stored, pending (being built) or failed."""

    @extend_schema(responses={200: DocumentsStateSerializer})
    def get(self, request, pk: int):
        invoice = self.get_invoice(request, pk)
        return Response(rendering.documents_build_state(invoice=invoice))


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


def _public_invoice(token: str) -> Invoice | None:
    if not _PUBLIC_TOKEN.fullmatch(token):
        return None
    return Invoice.objects.filter(public_token=token).exclude(status=InvoiceStatus.DRAFT).first()


def _not_found(request) -> HttpResponse:
    """A revoked or unknown link is opened by a person: a small page in their language."""
    html = render_not_found_html(translation.get_language_from_request(request))
    response = HttpResponse(html, status=404, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


_THROTTLED_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Too many requests</title></head>
<body><h1>Too many requests</h1>
<p>This invoice was opened too often from your address. Please try again in
{wait} seconds.</p></body></html>
"""
_PENDING_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Not ready yet</title></head>
<body><h1>The document is being prepared</h1>
<p>Please try again in {wait} seconds.</p></body></html>
"""


def _browser_page(template: str, *, status: int, wait: int) -> HttpResponse:
    response = HttpResponse(
        template.format(wait=wait), status=status, content_type="text/html; charset=utf-8"
    )
    response["Retry-After"] = str(wait)
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


def _public_throttled(request) -> HttpResponse | None:
    """The page is for browsers: a refused request gets a small HTML page (429)."""
    throttle = PublicInvoiceRateThrottle()
    if throttle.allow_request(request, None):
        return None
    return _browser_page(_THROTTLED_PAGE, status=429, wait=max(1, int(throttle.wait() or 1)))


@never_cache
@require_GET
def public_invoice_page(request, token: str) -> HttpResponse:
    if (refused := _public_throttled(request)) is not None:
        return refused
    invoice = _public_invoice(token)
    if invoice is None:
        return _not_found(request)
    html = public_page.invoice_public_page_html(invoice=invoice)
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
    if (refused := _public_throttled(request)) is not None:
        return refused
    invoice = _public_invoice(token)
    if invoice is None:
        return _not_found(request)
    try:
        rendered = rendering.invoice_document_serve(invoice=invoice, fmt=fmt)
    except (rendering.DocumentPending, rendering.RenderBusy) as exc:
        wait = int(exc.details.get("retry_after_seconds", 30))
        return _browser_page(_PENDING_PAGE, status=503, wait=wait)
    except BusinessException as exc:  # not a DRF view: answer the API's envelope
        return JsonResponse(envelope(exc.code, exc.message, exc.details), status=exc.status_code)
    return _file_response(request, rendered)


@never_cache
@require_GET
def public_not_found(request) -> HttpResponse:
    """Any other path under /i/: the same page as an unknown link."""
    if (refused := _public_throttled(request)) is not None:
        return refused
    return _not_found(request)
