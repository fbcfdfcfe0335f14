"""Every request example in the schema is a request the API accepts (2xx).

Swagger UI's "Try it out" starts from these, and so do people copying them. An id in an
example (`customer: 1`, the `{id}` of the path) stands for a row the caller owns: the
test fills in its own.
"""

from __future__ import annotations

import pytest

from accounts.models import Role
from common.openapi_texts import EXAMPLES
from common.tests.factories import CompanySettingsFactory, CustomerFactory, UserFactory
from invoices.tests.factories import line, make_draft

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def documented(schema) -> list[tuple[str, str, str, str, dict]]:
    found = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            for name, example in body.get("examples", {}).items():
                found.append((operation["operationId"], method, path, name, example["value"]))
    return found


def test_every_registered_example_is_in_the_schema(documented):
    counts: dict[str, int] = {}
    for operation_id, *_ in documented:
        counts[operation_id] = counts.get(operation_id, 0) + 1
    for operation_id, examples in EXAMPLES.items():
        assert counts.get(operation_id, 0) >= len(examples), operation_id


def _fill_ids(value, ids: dict[str, int]):
    if isinstance(value, dict):
        return {k: ids[k] if k in ids else _fill_ids(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill_ids(item, ids) for item in value]
    return value


def test_each_documented_request_example_is_accepted(documented, client_for):
    assert documented, "the schema documents request examples"
    CompanySettingsFactory()
    # The demo user of `make run`, whom the login example names.
    staff = UserFactory(username="staff", role=Role.STAFF, password="demo-pass-123")
    customer = CustomerFactory(owner=staff)
    failures = []
    for operation_id, method, path, name, value in documented:
        # given: a fresh draft and a fresh issued invoice for each example, and a fresh
        # token (logging in may rehash the password, which revokes older tokens)
        staff.refresh_from_db()
        client = client_for(staff)
        draft = make_draft(owner=staff, customer=customer, items=[line("Work", "10", "95.00")])
        issued = make_draft(owner=staff, customer=customer, items=[line("Work", "10", "95.00")])
        issue = client.post(f"/api/invoices/{issued.pk}/issue/", {}, format="json")
        assert issue.status_code == 200, issue.content
        # Actions on an issued invoice; every other {id} is the caller's own row.
        path_id = {
            "invoices_payments_create": issued.pk,
            "invoices_void_create": issued.pk,
            "invoices_credit_note_create": issued.pk,
        }.get(operation_id, customer.pk if path.startswith("/api/customers/") else draft.pk)

        # when
        answer = getattr(client, method)(
            path.replace("{id}", str(path_id)),
            _fill_ids(value, {"customer": customer.pk}),
            format="json",
        )

        # then
        if not 200 <= answer.status_code < 300:
            failures.append((operation_id, name, answer.status_code, answer.content[:300]))
    assert failures == []
