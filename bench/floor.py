"""The floors: the fastest honest Django answers for the invoice list page.

- ``values_view``: the same 50 invoices with their items as the API's first list page
  (the bench user's newest invoices), built with hand-written ``.values()`` queries
  (invoices, then items by ``invoice_id__in``) and ``json.dumps``. Plain Django view:
  no DRF, no JWT, no pagination count, no throttling.
- ``static_view``: a byte string built once per process (the framework's own floor:
  URL resolving, middleware, WSGI, gunicorn).
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse

from invoices.models import Invoice, InvoiceItem

BENCH_USERNAME = "bench"
PAGE_SIZE = 50
INVOICE_FIELDS = (
    "id",
    "number",
    "kind",
    "status",
    "series",
    "customer_id",
    "owner_id",
    "issue_date",
    "due_date",
    "currency",
    "buyer_reference",
    "notes",
    "line_total",
    "allowance_total",
    "charge_total",
    "net_total",
    "tax_total",
    "gross_total",
    "paid_total",
    "amount_due",
    "tax_breakdown",
    "seller",
    "buyer",
    "credited_invoice_id",
    "void_reason",
    "issued_at",
    "voided_at",
    "public_token",
    "created_at",
    "updated_at",
)
ITEM_FIELDS = (
    "id",
    "invoice_id",
    "position",
    "description",
    "quantity",
    "unit_code",
    "unit_price",
    "price_base_quantity",
    "discount_amount",
    "charge_amount",
    "tax_category",
    "tax_rate",
    "net_amount",
)

_owner_id: int | None = None
_static_body: bytes | None = None


def _bench_owner_id() -> int:
    global _owner_id
    if _owner_id is None:
        from accounts.models import User

        _owner_id = User.objects.values_list("id", flat=True).get(username=BENCH_USERNAME)
    return _owner_id


def values_body() -> bytes:
    invoices = list(
        Invoice.objects.filter(owner_id=_bench_owner_id())
        .order_by("-id")
        .values(*INVOICE_FIELDS)[:PAGE_SIZE]
    )
    by_invoice: dict[int, list[dict]] = {row["id"]: [] for row in invoices}
    items = (
        InvoiceItem.objects.filter(invoice_id__in=list(by_invoice))
        .order_by("invoice_id", "position", "id")
        .values(*ITEM_FIELDS)
    )
    for item in items:
        by_invoice[item["invoice_id"]].append(item)
    for row in invoices:
        row["items"] = by_invoice[row["id"]]
    page = {"count": None, "next": None, "previous": None, "results": invoices}
    return json.dumps(page, default=str).encode()


def values_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse(values_body(), content_type="application/json")


def static_view(request: HttpRequest) -> HttpResponse:
    global _static_body
    if _static_body is None:
        _static_body = values_body()
    return HttpResponse(_static_body, content_type="application/json")
