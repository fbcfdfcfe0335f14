"""The OpenAPI schema validates with no warning; every operation has request/response schemas."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS

pytestmark = pytest.mark.django_db

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def test_schema_validates_without_warnings(tmp_path):
    GENERATOR_STATS.reset()
    stderr = io.StringIO()

    try:
        call_command(
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--file",
            str(tmp_path / "schema.yaml"),
            stderr=stderr,
        )
    except Exception as exc:  # SchemaGenerationError: show what spectacular complained about
        pytest.fail(f"{exc}\n{stderr.getvalue()}")

    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3.0.3")


def test_jwt_is_the_security_scheme(schema):
    schemes = schema["components"]["securitySchemes"]

    assert schemes == {"jwtAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
    assert schema["paths"]["/api/customers/"]["get"]["security"] == [{"jwtAuth": []}]


def test_public_endpoints_need_no_auth(schema):
    assert "security" not in schema  # no global requirement to inherit
    for path, method in [
        ("/api/auth/login/", "post"),
        ("/api/auth/refresh/", "post"),
        ("/api/settings/company/public/", "get"),
    ]:
        assert "security" not in schema["paths"][path][method], path


def test_every_operation_has_responses_and_writes_have_request_bodies(schema):
    missing_body = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            assert operation["responses"], f"{method} {path} has no responses"
            if method in {"put", "patch"} and "requestBody" not in operation:
                missing_body.append(f"{method} {path}")
    assert missing_body == []


def test_schema_documents_our_endpoints(schema):
    paths = set(schema["paths"])

    assert {
        "/api/auth/login/",
        "/api/auth/refresh/",
        "/api/auth/logout/",
        "/api/auth/me/",
        "/api/auth/change-password/",
        "/api/users/",
        "/api/users/{id}/",
        "/api/customers/",
        "/api/customers/{id}/",
        "/api/customers/{id}/restore/",
        "/api/settings/company/",
        "/api/settings/company/public/",
    } <= paths
    login = schema["paths"]["/api/auth/login/"]["post"]
    assert set(login["responses"]["200"]["content"]["application/json"]["schema"].values()) == {
        "#/components/schemas/LoginResponse"
    }
    public = schema["components"]["schemas"]["PublicCompanySettings"]["properties"]
    assert set(public) == {
        "legal_name",
        "trading_name",
        "street",
        "city",
        "postal_code",
        "country",
        "email",
        "website",
        "logo_url",
    }


def test_money_fields_are_decimal_strings(schema):
    customer = schema["components"]["schemas"]["Customer"]["properties"]

    for name in ("total_invoiced", "total_paid", "balance_due"):
        assert customer[name]["type"] == "string"
        assert customer[name]["format"] == "decimal"
        assert customer[name]["readOnly"] is True


def test_schema_and_docs_are_served(api_client):
    schema = api_client.get("/api/schema/")
    docs = api_client.get("/api/docs/")
    redoc = api_client.get("/api/redoc/")

    assert schema.status_code == 200
    assert schema.content.startswith(b"openapi: 3.0.3")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    assert redoc.status_code == 200
    assert b"redoc" in redoc.content
