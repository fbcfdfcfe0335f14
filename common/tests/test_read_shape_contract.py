"""The read shape documented in the OpenAPI schema is the one the API answers, field by
field, on every endpoint that answers invoices, payments or customers.

Invoices are rendered by hand from rows (invoices.representation, for speed) while the
schema comes from `InvoiceReadSerializer`: this test keeps the two one contract.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from invoices import services
from invoices.tests.factories import line, make_draft, make_issued

pytestmark = pytest.mark.django_db
TYPES = {"string": str, "integer": int, "boolean": bool, "array": list, "object": dict}


def _resolve(node: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def mismatches(value: Any, node: dict[str, Any], schema: dict[str, Any], at: str = "") -> list:
    """Every place where `value` is not what the schema `node` says."""
    node = _resolve(node, schema)
    if "allOf" in node:
        outer = {k: v for k, v in node.items() if k != "allOf"}  # e.g. nullable
        node = {k: v for part in node["allOf"] for k, v in _resolve(part, schema).items()}
        node.update(outer)
    if "oneOf" in node:
        options = [_resolve(option, schema) for option in node["oneOf"]]
        if value is None and any(o.get("enum") == [None] for o in options):
            return []
        found = [mismatches(value, option, schema, at) for option in options]
        return [] if any(not f for f in found) else found[0]
    if value is None:
        return [] if node.get("nullable") else [f"{at or '.'}: null, not allowed"]
    if "enum" in node and value not in node["enum"]:
        return [f"{at}: {value!r} not in {node['enum']}"]
    kind = node.get("type")
    if kind is None:
        return []
    expected = TYPES.get(kind)
    if (expected is not None and not isinstance(value, expected)) or (
        kind == "integer" and isinstance(value, bool)
    ):
        return [f"{at}: {type(value).__name__}, schema says {kind}"]
    if kind == "array":
        return [
            problem
            for index, item in enumerate(value)
            for problem in mismatches(item, node.get("items", {}), schema, f"{at}[{index}]")
        ]
    if kind == "object" and "properties" in node:
        documented, answered = set(node["properties"]), set(value)
        problems = [f"{at}.{name}: answered, not documented" for name in answered - documented]
        problems += [f"{at}.{name}: documented, not answered" for name in documented - answered]
        for name in documented & answered:
            problems += mismatches(value[name], node["properties"][name], schema, f"{at}.{name}")
        return problems
    return []


def _response_schema(schema, path: str, method: str, status: int) -> dict[str, Any]:
    operation = schema["paths"][path][method]
    return operation["responses"][str(status)]["content"]["application/json"]["schema"]


def test_the_checker_catches_a_renamed_field(schema):
    node = {"$ref": "#/components/schemas/TaxBreakdown"}
    good = {"tax_category": "S", "tax_rate": "19.00", "taxable_amount": "1", "tax_amount": "1"}

    assert mismatches(good, node, schema) == []
    renamed = {**good, "vat_amount": good["tax_amount"]}
    del renamed["tax_amount"]
    assert sorted(mismatches(renamed, node, schema)) == [
        ".tax_amount: documented, not answered",
        ".vat_amount: answered, not documented",
    ]
    assert mismatches({**good, "tax_rate": 19}, node, schema) == [
        ".tax_rate: int, schema says string"
    ]


def test_every_invoice_answer_matches_its_schema(
    schema, staff_client, admin_client, staff_user, company
):
    # given an invoice with everything its read shape can hold
    invoice = make_issued(owner=staff_user, items=[line(), line(unit_price="50.00")])
    payment = services.payment_record(invoice=invoice, amount=Decimal("10.00"))
    note = services.invoice_credit_note_create(invoice=invoice)
    services.invoice_update_draft(invoice=note, items=[line(unit_price="20.00")])
    services.invoice_issue(invoice=note)
    draft = make_draft(owner=staff_user, allowances_charges=[])
    detail = "/api/invoices/{id}/"
    answers = [
        ("/api/invoices/", "get", 200, staff_client.get("/api/invoices/")),
        (detail, "get", 200, staff_client.get(f"/api/invoices/{invoice.id}/")),
        (detail, "patch", 200, staff_client.patch(f"/api/invoices/{draft.id}/", {"notes": "x"})),
        (
            "/api/invoices/",
            "post",
            201,
            staff_client.post(
                "/api/invoices/",
                {
                    "customer": invoice.customer_id,
                    "items": [{"description": "A", "quantity": "1", "unit_price": "1"}],
                    "allowances_charges": [{"amount": "0.10", "reason": "Early"}],
                },
                format="json",
            ),
        ),
        (
            "/api/invoices/{id}/payments/",
            "get",
            200,
            staff_client.get(f"/api/invoices/{invoice.id}/payments/"),
        ),
        (
            "/api/invoices/{id}/payments/",
            "post",
            201,
            staff_client.post(f"/api/invoices/{invoice.id}/payments/", {"amount": "1.00"}),
        ),
        (
            "/api/invoices/{id}/credit-note/",
            "post",
            201,
            staff_client.post(f"/api/invoices/{invoice.id}/credit-note/"),
        ),
        (
            "/api/invoices/{id}/payments/{payment_id}/",
            "delete",
            200,
            admin_client.delete(f"/api/invoices/{invoice.id}/payments/{payment.id}/"),
        ),
        (
            "/api/invoices/{id}/issue/",
            "post",
            200,
            staff_client.post(f"/api/invoices/{draft.id}/issue/"),
        ),
        (
            "/api/invoices/{id}/void/",
            "post",
            200,
            staff_client.post(f"/api/invoices/{draft.id}/void/", {"reason": "Typo"}),
        ),
        ("/api/customers/", "get", 200, staff_client.get("/api/customers/")),
        (
            "/api/customers/{id}/",
            "get",
            200,
            staff_client.get(f"/api/customers/{invoice.customer_id}/"),
        ),
    ]

    problems = {}
    for path, method, status, response in answers:
        assert response.status_code == status, (path, method, response.content[:300])
        found = mismatches(response.json(), _response_schema(schema, path, method, status), schema)
        if found:
            problems[f"{method.upper()} {path}"] = found
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())
    # the nested lists were not empty, so their items were checked too
    body = staff_client.get(f"/api/invoices/{invoice.id}/").json()
    assert body["items"] and body["payments"] and body["credit_notes"] and body["tax_breakdown"]
