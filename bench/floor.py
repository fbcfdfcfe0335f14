"""The floors: the fastest honest Django answers for the invoice list page.

- ``values_view``: the same 50 invoices with their items as the API's first list page
  (the bench user's newest invoices), built with hand-written ``.values()`` queries
  (invoices, then items by ``invoice_id__in``) and ``json.dumps``. Plain Django view:
  no DRF, no JWT, no pagination count, no throttling. It reads the columns the list
  page reads, named once in ``invoices.representation`` (``INVOICE_ROW_FIELDS``: every
  money field of ``MONEY_FIELDS`` and every read copy; ``ITEM_ROW_FIELDS``: the line
  fields of ``invoices.models.ITEM_FIELDS``), so the two cannot drift apart.
- ``static_view``: a byte string built once per process (the framework's own floor:
  URL resolving, middleware, WSGI, gunicorn).
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse

from invoices.models import Invoice, InvoiceItem
from invoices.representation import INVOICE_ROW_FIELDS, ITEM_ROW_FIELDS

BENCH_USERNAME = "bench"
PAGE_SIZE = 50
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
        .values(*INVOICE_ROW_FIELDS)[:PAGE_SIZE]
    )
    by_invoice: dict[int, list[dict]] = {row["id"]: [] for row in invoices}
    items = (
        InvoiceItem.objects.filter(invoice_id__in=list(by_invoice))
        .order_by("invoice_id", "position", "id")
        .values(*ITEM_ROW_FIELDS)
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
