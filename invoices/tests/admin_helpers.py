"""Posting the invoice admin's forms as a browser would: main form plus line formsets."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.messages import get_messages
from django.test import Client

from invoices.models import Invoice

ADD_URL = "/admin/invoices/invoice/add/"
CHANGELIST = "/admin/invoices/invoice/"

ITEM_DEFAULTS = {
    "description": "Work",
    "quantity": "1",
    "unit_code": "C62",
    "unit_price": "100.00",
    "price_base_quantity": "1",
    "discount_amount": "0",
    "charge_amount": "0",
    "tax_category": "S",
    "tax_rate": "19",
}
ALLOWANCE_DEFAULTS = {"amount": "0", "reason": "", "tax_category": "S", "tax_rate": "19"}


def change_url(invoice: Invoice | int, action: str = "change") -> str:
    pk = invoice if isinstance(invoice, int) else invoice.pk
    return f"/admin/invoices/invoice/{pk}/{action}/"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _formset(prefix: str, rows: list[dict[str, Any]], initial: int, defaults: dict[str, Any]):
    data: dict[str, Any] = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        values = {**defaults, **row}
        for name, value in values.items():
            if value is None:
                continue
            if value is True:
                value = "on"
            elif value is False:
                continue  # an unchecked box is not sent
            data[f"{prefix}-{index}-{name}"] = value
    return data


def draft_form(
    *,
    customer,
    items: list[dict[str, Any]] = (),
    allowances: list[dict[str, Any]] = (),
    initial_items: int = 0,
    initial_allowances: int = 0,
    **fields: Any,
) -> dict[str, Any]:
    """The POST of the add or change page of a draft (rows with an `id` are existing)."""
    data: dict[str, Any] = {
        "customer": customer.pk if hasattr(customer, "pk") else customer,
        "kind": "invoice",
        "series": "",
        "issue_date": "",
        "due_date": "",
        "currency": "",
        "buyer_reference": "",
        "notes": "",
    }
    data.update({k: (v.pk if hasattr(v, "pk") else v) for k, v in fields.items()})
    data.update(_formset("items", list(items), initial_items, ITEM_DEFAULTS))
    data.update(
        _formset("allowances_charges", list(allowances), initial_allowances, ALLOWANCE_DEFAULTS)
    )
    return {k: v for k, v in data.items() if v is not None}


def existing_rows(invoice: Invoice) -> list[dict[str, Any]]:
    """The item rows of a draft as its change page sends them back unchanged."""
    return [
        {
            "id": item.pk,
            "invoice": invoice.pk,
            "description": item.description,
            "quantity": str(item.quantity),
            "unit_code": item.unit_code,
            "unit_price": str(item.unit_price),
            "price_base_quantity": str(item.price_base_quantity),
            "discount_amount": str(item.discount_amount),
            "charge_amount": str(item.charge_amount),
            "tax_category": item.tax_category,
            "tax_rate": str(item.tax_rate),
        }
        for item in invoice.items.all()
    ]


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def line_form(response, index: int, prefix: str = "items"):
    """The inline form `index` of the line formset `prefix` on a re-rendered page."""
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.prefix == prefix:
            return inline.formset.forms[index]
    raise AssertionError(f"no {prefix} formset on the page")


def line_formset(response, prefix: str = "items"):
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.prefix == prefix:
            return inline.formset
    raise AssertionError(f"no {prefix} formset on the page")


def page_text(response) -> str:
    """The page's text without tags, whitespace collapsed (what a person reads)."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    # Collapse ASCII whitespace only: money keeps its no-break space ("119,00\xa0€").
    text = re.sub(r"<[^>]+>", " ", html).replace("&#x27;", "'").replace("&nbsp;", "\xa0")
    return re.sub(r"[ \t\n\r\f\v]+", " ", text)
