"""The OpenAPI schema is a contract a client generator can trust (common/openapi.py).

Every operation, including ones added later, must carry a summary, a description and
its error statuses with the `Error` envelope; what the schema promises is checked
against what the API really answers.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import jsonschema
import pytest
from django.contrib.staticfiles import finders

from common.tests.factories import CompanySettingsFactory, CustomerFactory
from invoices.tests.factories import line, make_draft

pytestmark = pytest.mark.django_db

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def _json_schema(node):
    """OpenAPI 3.0's `nullable` in JSON Schema's words."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


def _validator(schema: dict, component: str) -> jsonschema.Draft4Validator:
    return jsonschema.Draft4Validator(
        {
            "$ref": f"#/components/schemas/{component}",
            "components": _json_schema(schema["components"]),
        }
    )


def test_every_operation_has_a_summary_and_a_description(schema):
    """A new endpoint needs an entry in common/openapi_texts.py or its own
    `@extend_schema(summary=..., description=...)`."""
    missing = [
        f"{method.upper()} {path} ({operation['operationId']})"
        for path, method, operation in _operations(schema)
        if not operation.get("summary", "").strip() or not operation.get("description", "").strip()
    ]
    assert missing == []


def test_every_operation_declares_its_errors_with_the_envelope(schema):
    problems = []
    for path, method, operation in _operations(schema):
        name = f"{method.upper()} {path}"
        responses = operation["responses"]
        expected = {"429", "503"}
        if operation.get("security"):
            expected.add("401")
        if method in {"post", "put", "patch"}:
            expected |= {"400", "413", "415"}
        if "{" in path:
            expected.add("404")
        if missing := expected - set(responses):
            problems.append(f"{name} lacks {sorted(missing)}")
        for status, response in responses.items():
            if int(status) >= 400:
                content = response.get("content", {}).get("application/json", {})
                if content.get("schema") != {"$ref": "#/components/schemas/Error"}:
                    problems.append(f"{name} {status} is not the Error envelope")
                if not response.get("description"):
                    problems.append(f"{name} {status} has no description")
    assert problems == []


def test_admin_only_operations_declare_403_and_the_public_ones_no_401(schema):
    paths = schema["paths"]

    assert "403" in paths["/api/users/"]["get"]["responses"]
    assert "403" in paths["/api/settings/company/"]["patch"]["responses"]
    assert "403" in paths["/api/customers/{id}/restore/"]["post"]["responses"]
    assert "403" not in paths["/api/customers/"]["get"]["responses"]
    assert "401" not in paths["/api/settings/company/public/"]["get"]["responses"]
    assert "401" in paths["/api/auth/login/"]["post"]["responses"]  # wrong credentials


def test_the_error_component_is_what_the_api_answers(schema, api_client, client_for, staff_user):
    validator = _validator(schema, "Error")
    staff = client_for(staff_user)
    answers = [
        api_client.get("/api/customers/"),  # 401
        staff.get("/api/invoices/999999/"),  # 404
        staff.post("/api/customers/", {"name": ""}, format="json"),  # 400 with details
        staff.post("/api/customers/", "{", content_type="application/json"),  # parse error
        staff.get("/api/users/"),  # 403
    ]

    assert [answer.status_code for answer in answers] == [401, 404, 400, 400, 403]
    for answer in answers:
        validator.validate(answer.json())
    assert "name" in answers[2].json()["error"]["details"]


def test_ordering_values_are_listed_and_each_one_is_accepted(schema, client_for, admin_user):
    client = client_for(admin_user)
    checked = 0
    for path, _method, operation in _operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter["name"] != "ordering" or "{" in path:
                continue
            values = parameter["schema"]["items"]["enum"]
            assert parameter["style"] == "form" and parameter["explode"] is False
            for value in values:
                answer = client.get(path, {"ordering": value})
                assert answer.status_code == 200, (path, value, answer.json())
                checked += 1
            assert client.get(path, {"ordering": ",".join(values[:2])}).status_code == 200
    assert checked >= 20  # customers, invoices, users, recurring schedules at least


def test_reports_answer_exactly_the_declared_shape(schema, client_for, staff_user):
    CompanySettingsFactory()
    customer = CustomerFactory(owner=staff_user)
    draft = make_draft(owner=staff_user, customer=customer, items=[line("Work", "2", "50.00")])
    client = client_for(staff_user)
    assert client.post(f"/api/invoices/{draft.pk}/issue/", {}, format="json").status_code == 200

    for path, component in [
        ("/api/reports/aging/", "AgingReport"),
        ("/api/reports/summary/", "SummaryReport"),
    ]:
        answer = client.get(path)
        assert answer.status_code == 200
        body = answer.json()
        declared = schema["components"]["schemas"][component]
        assert set(body) == set(declared["properties"]) == set(declared["required"])
        row_ref = declared["properties"]["currencies"]["items"]["$ref"].rsplit("/", 1)[1]
        row = schema["components"]["schemas"][row_ref]
        assert body["currencies"], path
        assert set(body["currencies"][0]) == set(row["properties"]), path
        _validator(schema, component).validate(body)


def test_documents_are_binary_with_their_media_types(schema):
    expected = {
        "pdf": "application/pdf",
        "facturx": "application/pdf",
        "ubl": "application/xml",
        "cii": "application/xml",
    }
    for name, media_type in expected.items():
        ok = schema["paths"][f"/api/invoices/{{id}}/{name}/"]["get"]["responses"]["200"]
        assert ok["content"] == {media_type: {"schema": {"type": "string", "format": "binary"}}}


def test_request_bodies_require_only_what_the_server_needs(schema):
    components = schema["components"]["schemas"]

    assert components["InvoiceWriteRequest"]["required"] == ["customer"]
    assert set(components["InvoiceItemWriteRequest"]["required"]) == {
        "description",
        "quantity",
        "unit_price",
    }
    for name, component in components.items():
        if name.startswith("Patched"):
            assert "required" not in component, name  # PATCH bodies: every field optional
        if name.endswith("Request"):
            for field, prop in component.get("properties", {}).items():
                # openapi-typescript would make a defaulted field mandatory.
                assert "default" not in prop, f"{name}.{field}"
                assert not prop.get("readOnly"), f"{name}.{field}"
    assert (
        "Default: `C62`."
        in components["InvoiceItemWriteRequest"]["properties"]["unit_code"]["description"]
    )


def test_snapshots_are_typed(schema):
    invoice = schema["components"]["schemas"]["InvoiceRead"]["properties"]

    assert invoice["seller"]["allOf"] == [{"$ref": "#/components/schemas/Seller"}]
    assert invoice["buyer"]["allOf"] == [{"$ref": "#/components/schemas/Party"}]


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.links += [value for name, value in attrs if name in {"src", "href"} and value]


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_load_nothing_from_another_host(api_client, path):
    page = api_client.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    parser = _Links()
    parser.feed(html)

    scripts = [link for link in parser.links if link.endswith(".js")]
    assert scripts, "the UI's bundle is referenced"
    for link in parser.links:
        assert link.startswith("/"), link  # same host: our own static files or views
        if link.startswith("/static/"):
            assert finders.find(link.removeprefix("/static/")), f"{link} is not shipped"
    assert not re.search(r"https?://", html), "an absolute URL in the page"
