"""The invoice read contract, built by hand from plain rows.

A list page renders ~5x faster than with nested ModelSerializers (docs/PERFORMANCE.md):
lists read `.values()` rows (no model instances) and take allowances/charges and
payments from the invoice's own read copies, so a page of any size costs the same
four queries at most (user, count, invoices, items), and invoices already rendered
in their current version cost no item query at all. Money stays an exact string in its
currency's precision. `InvoiceReadSerializer` documents the same shape for OpenAPI.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings

from invoices.calculation import minor_unit, round_money
from invoices.models import ITEM_FIELDS, OPEN_STATUSES, Invoice, InvoiceItem
from settings_app.calendar import company_today

MONEY_FIELDS = (
    "line_total",
    "allowance_total",
    "charge_total",
    "net_total",
    "tax_total",
    "gross_total",
    "paid_total",
    "credited_total",
    "amount_due",
    "refund_due",
)
# EN 16931 business terms (BT-13, BT-72, BG-14, BT-20, BT-120/121), read as stored.
BUSINESS_TERM_FIELDS = (
    "order_reference",
    "delivery_date",
    "period_start",
    "period_end",
    "payment_terms",
    "vat_exemptions",
)
INVOICE_ROW_FIELDS = (
    "id",
    "number",
    "kind",
    "status",
    "series",
    "customer_id",
    # The customer's current name, joined in the same query (the buyer snapshot keeps
    # the name at issue).
    "customer__name",
    "owner_id",
    "issue_date",
    "due_date",
    "currency",
    "buyer_reference",
    "notes",
    *BUSINESS_TERM_FIELDS,
    *MONEY_FIELDS,
    "tax_breakdown",
    "allowances_charges_json",
    "payments_json",
    "credit_notes_json",
    "seller",
    "buyer",
    "credited_invoice_id",
    "recurring_invoice_id",
    "reminders_paused",
    "reminder_level",
    "void_reason",
    "issued_at",
    "voided_at",
    "public_token",
    "created_at",
    "updated_at",
    "version",
)
ITEM_ROW_FIELDS = ("id", "invoice_id", "position", *ITEM_FIELDS, "net_amount", "product_id")
_QUANTUM: dict[str, Decimal] = {}


def money_text(value: Decimal, currency: str) -> str:
    # Stored amounts are already rounded to the currency: quantize only trims the zeros
    # of the 4-decimal column (a fast path of round_money for the hot list; measured
    # faster than trimming the text).
    quantum = _QUANTUM.get(currency)
    if quantum is None:
        quantum = _QUANTUM.setdefault(currency, Decimal(1).scaleb(-minor_unit(currency)))
    shown = value.quantize(quantum)
    if shown != value:  # not pre-rounded (should not happen): round properly
        return str(round_money(value, currency))
    return str(shown)


def _datetime(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def public_url(invoice: Invoice | Mapping[str, Any]) -> str | None:
    token = invoice["public_token"] if isinstance(invoice, Mapping) else invoice.public_token
    status = invoice["status"] if isinstance(invoice, Mapping) else invoice.status
    if not token or status == "draft":
        return None
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/i/{token}/"


def payment_dict(payment: Any, currency: str) -> dict[str, Any]:
    return {
        "id": payment.id,
        "invoice": payment.invoice_id,
        "amount": money_text(payment.amount, currency),
        "date": _date(payment.date),
        "method": payment.method,
        "reference": payment.reference,
        "created_at": _datetime(payment.created_at),
    }


def allowance_charge_dict(row: Any, currency: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "is_charge": row.is_charge,
        "amount": money_text(Decimal(row.amount), currency),
        "reason": row.reason,
        "tax_category": row.tax_category,
        "tax_rate": str(row.tax_rate),
    }


def _item(row: Mapping[str, Any], currency: str) -> dict[str, Any]:
    return {
        "id": row["id"],
        "position": row["position"],
        "description": row["description"],
        "quantity": str(row["quantity"]),
        "unit_code": row["unit_code"],
        "unit_price": str(row["unit_price"]),
        "price_base_quantity": str(row["price_base_quantity"]),
        "discount_amount": money_text(row["discount_amount"], currency),
        "charge_amount": money_text(row["charge_amount"], currency),
        "tax_category": row["tax_category"],
        "tax_rate": str(row["tax_rate"]),
        "net_amount": money_text(row["net_amount"], currency),
        "product": row["product_id"],
    }


def invoice_row_dict(
    row: Mapping[str, Any], items: Iterable[Mapping[str, Any]], *, today: dt.date
) -> dict[str, Any]:
    """One invoice as the API answers it, from its row and its item rows."""
    currency = row["currency"]
    data: dict[str, Any] = {
        "id": row["id"],
        "number": row["number"],
        "kind": row["kind"],
        "status": row["status"],
        "is_overdue": row["kind"] == "invoice"
        and row["status"] in OPEN_STATUSES
        and row["due_date"] is not None
        and row["due_date"] < today,
        "series": row["series"],
        "customer": row["customer_id"],
        "customer_name": row["customer__name"],
        "owner": row["owner_id"],
        "issue_date": _date(row["issue_date"]),
        "due_date": _date(row["due_date"]),
        "currency": currency,
        "buyer_reference": row["buyer_reference"],
        "notes": row["notes"],
        "order_reference": row["order_reference"],
        "delivery_date": _date(row["delivery_date"]),
        "period_start": _date(row["period_start"]),
        "period_end": _date(row["period_end"]),
        "payment_terms": row["payment_terms"],
        "vat_exemptions": row["vat_exemptions"],
        "einvoice_profile": (row["buyer"] or {}).get("einvoice_profile"),
        "items": [_item(item, currency) for item in items],
        "allowances_charges": row["allowances_charges_json"],
    }
    for name in MONEY_FIELDS:
        data[name] = money_text(row[name], currency)
    data.update(
        {
            "tax_breakdown": row["tax_breakdown"],
            "seller": row["seller"],
            "buyer": row["buyer"],
            "payments": row["payments_json"],
            "credited_invoice": row["credited_invoice_id"],
            "recurring_invoice": row["recurring_invoice_id"],
            "reminders_paused": row["reminders_paused"],
            "reminder_level": row["reminder_level"],
            "credit_notes": row["credit_notes_json"],
            "void_reason": row["void_reason"],
            "issued_at": _datetime(row["issued_at"]),
            "voided_at": _datetime(row["voided_at"]),
            "public_url": public_url(row),
            "created_at": _datetime(row["created_at"]),
            "updated_at": _datetime(row["updated_at"]),
        }
    )
    return data


# Invoices already turned into their API shape, per process, by (id, version,
# updated_at, day, public base URL). `Invoice.version` moves with every save and every
# queryset update of the row (invoices.models), and every service that changes a line,
# a payment or a credit note saves the invoice in the same transaction, so an entry can
# never outlive the row it was built from: a changed invoice simply has a new key
# (invoices/tests/test_rendered_cache.py changes one through every service and the
# admin). `is_overdue` changes with the day and `public_url` with the setting: both are
# in the key. Read-only: callers never mutate.
_RENDERED: dict[tuple[Any, ...], dict[str, Any]] = {}
RENDERED_MAX = 2_000
_RENDERED_LOCK = threading.Lock()


def _rendered_key(row: Mapping[str, Any], today: dt.date) -> tuple[Any, ...]:
    # `updated_at` too: a rolled-back transaction can hand the same id out again. The
    # customer's name is shown live: renaming the customer does not save the invoice.
    return (
        row["id"],
        row["version"],
        row["updated_at"],
        today,
        settings.PUBLIC_BASE_URL,
        row["customer__name"],
    )


def _remember(key: tuple[Any, ...], data: dict[str, Any]) -> None:
    with _RENDERED_LOCK:  # threaded servers (runserver, gthread) evict concurrently
        while len(_RENDERED) >= RENDERED_MAX:  # oldest first: dicts keep insertion order
            del _RENDERED[next(iter(_RENDERED))]
        _RENDERED[key] = data


def invoice_rows_dicts(rows: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A page of invoice rows (from `.values(*INVOICE_ROW_FIELDS)`), with at most ONE
    item query (none when every invoice of the page is already rendered)."""
    today = company_today()
    keys = [_rendered_key(row, today) for row in rows]
    answers = [_RENDERED.get(key) for key in keys]
    missing = [row for row, answer in zip(rows, answers, strict=True) if answer is None]
    items: dict[int, list[Mapping[str, Any]]] = defaultdict(list)
    if missing:
        item_rows = (
            InvoiceItem.objects.filter(invoice_id__in=[row["id"] for row in missing])
            .order_by("invoice_id", "position", "id")
            .values(*ITEM_ROW_FIELDS)
        )
        for item in item_rows:
            items[item["invoice_id"]].append(item)
    for index, (row, key) in enumerate(zip(rows, keys, strict=True)):
        if answers[index] is None:
            answers[index] = invoice_row_dict(row, items[row["id"]], today=today)
            _remember(key, answers[index])
    return answers


def invoice_dict(invoice: Invoice) -> dict[str, Any]:
    """One invoice instance as the API answers it (detail and write responses).

    Items prefetched on the instance (the issuing service loads them) cost no query.
    """
    row = {name: getattr(invoice, name) for name in INVOICE_ROW_FIELDS if "__" not in name}
    # Callers read the invoice with its customer (invoice_get, the issuing lock).
    row["customer__name"] = invoice.customer.name
    prefetched = getattr(invoice, "_prefetched_objects_cache", {}).get("items")
    if prefetched is None:
        return invoice_rows_dicts([row])[0]
    items = [{name: getattr(item, name) for name in ITEM_ROW_FIELDS} for item in prefetched]
    return invoice_row_dict(row, items, today=company_today())


# A payment in the list across invoices: the payment's read shape plus what a row of
# that list needs to be read alone (one query with the invoice and customer joined).
PAYMENT_ROW_FIELDS = (
    "id",
    "invoice_id",
    "amount",
    "date",
    "method",
    "reference",
    "created_at",
    "invoice__currency",
    "invoice__number",
    "invoice__kind",
    "invoice__customer_id",
    "invoice__customer__name",
)


def payment_row_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    currency = row["invoice__currency"]
    return {
        "id": row["id"],
        "invoice": row["invoice_id"],
        "amount": money_text(row["amount"], currency),
        "date": _date(row["date"]),
        "method": row["method"],
        "reference": row["reference"],
        "created_at": _datetime(row["created_at"]),
        "currency": currency,
        "invoice_number": row["invoice__number"],
        "invoice_kind": row["invoice__kind"],
        "customer": row["invoice__customer_id"],
        "customer_name": row["invoice__customer__name"],
    }
