"""`GET /api/` answers the API's sections and its documentation links, to anyone."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_index_lists_the_sections_and_the_docs(api_client, client_for, staff_user):
    answer = api_client.get("/api/")

    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"title", "version", "sections", "docs"}
    sections = {section["name"]: section["url"] for section in body["sections"]}
    assert sections["invoices"] == "http://testserver/api/invoices/"
    assert {"auth/login", "customers", "reports/aging", "settings/company/public"} <= set(sections)
    assert body["docs"] == {
        "schema": "http://testserver/api/schema/",
        "swagger_ui": "http://testserver/api/docs/",
        "redoc": "http://testserver/api/redoc/",
    }
    # Every link is served: a section the deployment lacks is not listed.
    staff = client_for(staff_user)
    for url in sections.values():
        assert staff.get(url).status_code != 404, url
    for url in body["docs"].values():
        assert api_client.get(url).status_code == 200, url


def test_the_index_is_in_the_schema(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()

    operation = schema["paths"]["/api/"]["get"]
    assert operation["operationId"] == "api_index"
    assert "security" not in operation
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ApiIndex"
    }
