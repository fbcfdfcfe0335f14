"""The invoice API as clients see it: field names, status codes, error codes, amounts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from common.tests.factories import CustomerFactory
from invoices.models import Invoice, InvoiceItem, NumberSequence
from invoices.tests.factories import line, make_draft, make_issued

pytestmark = pytest.mark.django_db

URL = "/api/invoices/"


def item(**overrides):
    return {
        "description": "Work",
        "quantity": "1",
        "unit_price": "100.00",
        "tax_rate": "19",
    } | overrides


@pytest.fixture
def customer(company, staff_user):
    return CustomerFactory(owner=staff_user, payment_terms_days=14)


def test_create_draft_with_items_and_allowances(staff_client, customer):
    payload = {
        "customer": customer.id,
        "issue_date": "2026-03-01",
        "buyer_reference": "PO-1",
        "items": [
            item(quantity="2", unit_price="50.00", discount_amount="10.00"),
            item(description="Books", quantity="3", unit_price="9.99", tax_rate="7"),
        ],
        "allowances_charges": [
            {"is_charge": True, "amount": "5.00", "reason": "Shipping", "tax_rate": "19"}
        ],
    }

    response = staff_client.post(URL, payload, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft"
    assert body["number"] is None
    assert body["currency"] == "EUR"
    assert body["series"] == "INV"
    assert body["due_date"] == "2026-03-15"
    assert [i["net_amount"] for i in body["items"]] == ["90.00", "29.97"]
    assert body["items"][0]["unit_code"] == "C62"
    assert body["items"][1]["tax_category"] == "S"
    assert (body["line_total"], body["charge_total"], body["net_total"]) == (
        "119.97",
        "5.00",
        "124.97",
    )
    # 19%: 95.00 → 18.05; 7%: 29.97 → 2.10
    assert body["tax_breakdown"] == [
        {
            "tax_category": "S",
            "tax_rate": "19.00",
            "taxable_amount": "95.00",
            "tax_amount": "18.05",
        },
        {"tax_category": "S", "tax_rate": "7.00", "taxable_amount": "29.97", "tax_amount": "2.10"},
    ]
    assert (body["tax_total"], body["gross_total"], body["amount_due"]) == (
        "20.15",
        "145.12",
        "145.12",
    )


@pytest.mark.parametrize(
    ("currency", "items", "allowances", "expected"),
    [
        (
            "EUR",
            [
                item(quantity="3", unit_price="33.333", tax_rate="19", discount_amount="0.99"),
                item(quantity="1.5", unit_price="20.00", tax_rate="7", charge_amount="2.50"),
                item(quantity="4", unit_price="12.50", tax_category="Z", tax_rate="0"),
            ],
            [{"is_charge": False, "amount": "10.00", "reason": "Loyalty", "tax_rate": "19"}],
            {
                "line_total": "181.51",
                "net_total": "171.51",
                "tax_total": "19.19",
                "gross_total": "190.70",
            },
        ),
        (
            "JPY",
            [
                item(quantity="3", unit_price="1333", tax_rate="10"),
                item(quantity="7", unit_price="215", tax_rate="8", discount_amount="5"),
            ],
            [{"is_charge": True, "amount": "500", "reason": "Delivery", "tax_rate": "10"}],
            # 10%: 3999 + 500 → 449.9 → 450; 8%: 1500 → 120
            {"line_total": "5499", "net_total": "5999", "tax_total": "570", "gross_total": "6569"},
        ),
        (
            "KWD",
            [
                item(quantity="2", unit_price="10.1234", tax_rate="5"),
                item(quantity="1", unit_price="3.3335", tax_rate="15", discount_amount="0.333"),
            ],
            [],
            # 20.2468 → 20.247 (5%: 1.01235 → 1.012); 3.0005 → 3.001 (15%: 0.45015 → 0.450)
            {
                "line_total": "23.248",
                "net_total": "23.248",
                "tax_total": "1.462",
                "gross_total": "24.710",
            },
        ),
    ],
)
def test_exact_totals_in_eur_jpy_kwd(staff_client, customer, currency, items, allowances, expected):
    response = staff_client.post(
        URL,
        {
            "customer": customer.id,
            "currency": currency,
            "items": items,
            "allowances_charges": allowances,
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert {key: body[key] for key in expected} == expected
    assert body["amount_due"] == expected["gross_total"]


def test_hand_computed_eur_breakdown(staff_client, customer):
    # 3 x 33.333 = 99.999 - 0.99 = 99.009 → 99.01; 1.5 x 20 + 2.50 = 32.50; Z 50.00
    # 19% group: 99.01 - 10.00 = 89.01 → 16.9119 → 16.91; 7%: 32.50 → 2.275 → 2.28 (half up)
    response = staff_client.post(
        URL,
        {
            "customer": customer.id,
            "items": [
                item(quantity="3", unit_price="33.333", tax_rate="19", discount_amount="0.99"),
                item(quantity="1.5", unit_price="20.00", tax_rate="7", charge_amount="2.50"),
                item(quantity="4", unit_price="12.50", tax_category="Z", tax_rate="0"),
            ],
            "allowances_charges": [{"amount": "10.00", "tax_rate": "19"}],
        },
        format="json",
    )

    assert response.json()["tax_breakdown"] == [
        {
            "tax_category": "S",
            "tax_rate": "19.00",
            "taxable_amount": "89.01",
            "tax_amount": "16.91",
        },
        {"tax_category": "S", "tax_rate": "7.00", "taxable_amount": "32.50", "tax_amount": "2.28"},
        {"tax_category": "Z", "tax_rate": "0.00", "taxable_amount": "50.00", "tax_amount": "0.00"},
    ]


@pytest.mark.parametrize(
    ("bad_item", "field"),
    [
        ({"quantity": "0"}, "quantity"),
        ({"quantity": "-1"}, "quantity"),
        ({"quantity": "1.00001"}, "quantity"),
        ({"quantity": "123456789012345678901234567890"}, "quantity"),
        ({"unit_price": "-0.01"}, "unit_price"),
        ({"unit_price": "abc"}, "unit_price"),
        ({"price_base_quantity": "0"}, "price_base_quantity"),
        ({"discount_amount": "0.001"}, "discount_amount"),
        ({"discount_amount": "100.01"}, "discount_amount"),
        ({"charge_amount": "-1"}, "charge_amount"),
        ({"tax_category": "X"}, "tax_category"),
        ({"tax_category": "Z", "tax_rate": "19"}, "tax_rate"),
        ({"tax_category": "S", "tax_rate": "0"}, "tax_rate"),
        ({"tax_rate": "100.01"}, "tax_rate"),
        ({"tax_rate": "19.001"}, "tax_rate"),
        ({"unit_code": "piece"}, "unit_code"),
        ({"description": ""}, "description"),
    ],
)
def test_invalid_item_is_400_with_field_in_details(staff_client, customer, bad_item, field):
    response = staff_client.post(
        URL, {"customer": customer.id, "items": [item(), item(**bad_item)]}, format="json"
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["details"]["items"]["1"]
    assert Invoice.objects.count() == 0


def test_another_staffs_customer_is_a_400_on_customer(other_client, customer):
    response = other_client.post(URL, {"customer": customer.id, "items": [item()]}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "customer" in response.json()["error"]["details"]


def test_jpy_rejects_cents(staff_client, customer):
    response = staff_client.post(
        URL,
        {"customer": customer.id, "currency": "JPY", "items": [item(discount_amount="0.50")]},
        format="json",
    )

    assert response.status_code == 400
    assert "discount_amount" in response.json()["error"]["details"]["items"]["0"]


def test_unknown_currency_is_400(staff_client, customer):
    response = staff_client.post(
        URL, {"customer": customer.id, "currency": "XYZ", "items": [item()]}, format="json"
    )

    assert response.status_code == 400
    assert "currency" in response.json()["error"]["details"]


def test_patch_replaces_items_and_keeps_them_when_absent(staff_client, customer):
    created = staff_client.post(
        URL, {"customer": customer.id, "items": [item(), item()]}, format="json"
    ).json()

    patched = staff_client.patch(
        f"{URL}{created['id']}/", {"notes": "Thanks!"}, format="json"
    ).json()
    assert len(patched["items"]) == 2
    assert patched["notes"] == "Thanks!"

    replaced = staff_client.patch(
        f"{URL}{created['id']}/", {"items": [item(unit_price="10.00")]}, format="json"
    ).json()
    assert [i["net_amount"] for i in replaced["items"]] == ["10.00"]
    assert replaced["gross_total"] == "11.90"
    assert InvoiceItem.objects.filter(invoice_id=created["id"]).count() == 1


def test_put_replaces_the_draft(staff_client, customer):
    created = staff_client.post(URL, {"customer": customer.id, "items": [item()]}, format="json")

    response = staff_client.put(
        f"{URL}{created.json()['id']}/",
        {"customer": customer.id, "currency": "USD", "items": [item(unit_price="1.00")]},
        format="json",
    )

    assert response.status_code == 200
    assert (response.json()["currency"], response.json()["gross_total"]) == ("USD", "1.19")


def test_lifecycle_through_the_api(staff_client, customer):
    draft = staff_client.post(URL, {"customer": customer.id, "items": [item()]}, format="json")
    invoice_id = draft.json()["id"]

    issued = staff_client.post(
        f"{URL}{invoice_id}/issue/", {"issue_date": "2026-04-10"}, format="json"
    )
    assert issued.status_code == 200
    body = issued.json()
    assert (body["number"], body["status"], body["due_date"]) == (
        "INV-2026-00001",
        "issued",
        "2026-04-24",
    )
    assert body["seller"]["name"] == "Seller GmbH"
    assert body["buyer"]["name"] == customer.name
    assert body["public_url"].endswith(f"/i/{Invoice.objects.get().public_token}/")

    paid = staff_client.post(
        f"{URL}{invoice_id}/payments/", {"amount": "19.00", "method": "card"}, format="json"
    )
    assert paid.status_code == 201
    assert paid.json()["amount"] == "19.00"
    detail = staff_client.get(f"{URL}{invoice_id}/").json()
    assert (detail["status"], detail["paid_total"], detail["amount_due"]) == (
        "partially_paid",
        "19.00",
        "100.00",
    )
    assert len(detail["payments"]) == 1

    over = staff_client.post(f"{URL}{invoice_id}/payments/", {"amount": "100.01"}, format="json")
    assert over.status_code == 409
    assert over.json()["error"]["code"] == "payment_exceeds_amount_due"

    void = staff_client.post(f"{URL}{invoice_id}/void/", {"reason": "x"}, format="json")
    assert void.status_code == 409
    assert void.json()["error"]["code"] == "invoice_not_voidable"

    rest = staff_client.post(f"{URL}{invoice_id}/payments/", {"amount": "100.00"}, format="json")
    assert rest.status_code == 201
    assert staff_client.get(f"{URL}{invoice_id}/").json()["status"] == "paid"

    credit = staff_client.post(f"{URL}{invoice_id}/credit-note/")
    assert credit.status_code == 201
    assert (credit.json()["kind"], credit.json()["credited_invoice"], credit.json()["status"]) == (
        "credit_note",
        invoice_id,
        "draft",
    )


def test_void_needs_a_reason_and_keeps_number(staff_client, company, staff_user):
    invoice = make_issued(owner=staff_user)

    missing = staff_client.post(f"{URL}{invoice.id}/void/", {}, format="json")
    assert missing.status_code == 400
    assert "reason" in missing.json()["error"]["details"]

    voided = staff_client.post(f"{URL}{invoice.id}/void/", {"reason": "Wrong buyer"}, format="json")
    assert voided.status_code == 200
    assert (voided.json()["status"], voided.json()["number"]) == ("void", invoice.number)


def test_refused_issue_is_409_and_consumes_no_number(staff_client, company, staff_user):
    customer = CustomerFactory(owner=staff_user, street="")
    draft = make_draft(owner=staff_user, customer=customer)

    response = staff_client.post(f"{URL}{draft.id}/issue/")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invoice_not_issuable"
    assert "customer" in response.json()["error"]["details"]
    assert NumberSequence.objects.filter(last_value__gt=0).count() == 0


def test_issued_invoice_is_immutable_through_the_api(staff_client, company, staff_user):
    invoice = make_issued(owner=staff_user)

    for method in (staff_client.patch, staff_client.put):
        response = method(
            f"{URL}{invoice.id}/",
            {"customer": invoice.customer_id, "notes": "changed", "items": []},
            format="json",
        )
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "invoice_not_editable"
    deleted = staff_client.delete(f"{URL}{invoice.id}/")
    assert deleted.status_code == 409
    assert deleted.json()["error"]["code"] == "invoice_not_editable"
    invoice.refresh_from_db()
    assert invoice.notes == ""
    assert invoice.items.count() == 1


def test_delete_draft_removes_it(staff_client, company, staff_user):
    draft = make_draft(owner=staff_user)

    response = staff_client.delete(f"{URL}{draft.id}/")

    assert response.status_code == 204
    assert not Invoice.objects.filter(pk=draft.pk).exists()
    assert InvoiceItem.objects.count() == 0


def test_only_admins_delete_payments(staff_client, admin_client, company, staff_user):
    invoice = make_issued(owner=staff_user)
    payment_id = staff_client.post(
        f"{URL}{invoice.id}/payments/", {"amount": "119.00"}, format="json"
    ).json()["id"]

    assert staff_client.delete(f"{URL}{invoice.id}/payments/{payment_id}/").status_code == 403
    response = admin_client.delete(f"{URL}{invoice.id}/payments/{payment_id}/")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["amount_due"]) == ("issued", "119.00")


def test_payment_validation(staff_client, company, staff_user):
    invoice = make_issued(owner=staff_user)
    url = f"{URL}{invoice.id}/payments/"

    for payload, field in [
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "1.001"}, "amount"),
        ({"amount": "10", "method": "bitcoin"}, "method"),
        ({"amount": "10", "date": "2999-01-01"}, "date"),
        ({"amount": "10", "date": "not-a-date"}, "date"),
    ]:
        response = staff_client.post(url, payload, format="json")
        assert response.status_code == 400, payload
        assert field in response.json()["error"]["details"], payload


def test_list_filters_search_and_ordering(staff_client, company, staff_user):
    a = CustomerFactory(owner=staff_user, name="Alpha")
    b = CustomerFactory(owner=staff_user, name="Beta")
    overdue = make_issued(owner=staff_user, customer=a, issue_date=dt.date(2025, 1, 1))
    current = make_issued(
        owner=staff_user,
        customer=b,
        issue_date=dt.date.today(),
        items=[
            {
                "description": "Big",
                "quantity": Decimal("1"),
                "unit_price": Decimal("500"),
                "tax_category": "S",
                "tax_rate": Decimal("19"),
            }
        ],
    )
    draft = make_draft(owner=staff_user, customer=b)

    def ids(query: str) -> list[int]:
        return [row["id"] for row in staff_client.get(f"{URL}?{query}").json()["results"]]

    assert ids("is_overdue=true") == [overdue.id]
    assert set(ids("is_overdue=false")) == {current.id, draft.id}
    assert ids("status=draft") == [draft.id]
    assert set(ids("status=issued&status=draft")) == {overdue.id, current.id, draft.id}
    assert set(ids(f"customer={b.id}")) == {current.id, draft.id}
    assert ids("search=Alpha") == [overdue.id]
    assert ids(f"search={overdue.number}") == [overdue.id]
    assert ids("ordering=-gross_total&status=issued") == [current.id, overdue.id]
    assert ids("ordering=issue_date") == [overdue.id, current.id, draft.id]
    assert ids("issue_date_from=2025-06-01") == [current.id]
    assert ids("currency=USD") == []
    assert staff_client.get(f"{URL}?status=bogus").status_code == 400


def test_search_semantics(staff_client, company, staff_user, other_staff):
    """Every term must match the number or the customer's name (case-insensitively); a
    number by its beginning when some number begins with the term, else by containing it
    (invoices.filters.InvoiceSearchFilter)."""
    acme = CustomerFactory(owner=staff_user, name="Acme 4242 GmbH")
    beta = CustomerFactory(owner=staff_user, name="Beta SARL")
    gamma = CustomerFactory(owner=other_staff, name="Acme 4242 GmbH")  # another's
    first = make_issued(owner=staff_user, customer=acme, series="INV")
    second = make_issued(owner=staff_user, customer=beta, series="INV")
    shifted = make_issued(owner=staff_user, customer=beta, series="XINV")  # "XINV-…"
    make_issued(owner=other_staff, customer=gamma, series="INV")
    draft = make_draft(owner=staff_user, customer=acme)

    def ids(term: str) -> set[int]:
        response = staff_client.get(URL, {"search": term})
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert first.number.startswith("INV") and shifted.number.startswith("XINV")
    # Names: any part, any case; every term must match (AND), in the name or the number.
    assert ids("acme") == ids("4242 gmbh") == {first.id, draft.id}
    assert ids("acme sarl") == set()  # no customer is both
    assert ids(f"beta {second.number}") == {second.id}
    assert ids("sarl") == {second.id, shifted.id}
    # Numbers: a prefix of some number matches by prefix only, the whole number exactly.
    assert ids(first.number) == {first.id}
    assert ids(first.number.lower()) == {first.id}
    assert shifted.id not in ids(first.number[:-1])  # contains it, but does not begin with it
    assert ids(shifted.number) == {shifted.id}
    # No number begins with the tail: then any number containing it.
    tail = first.number.split("-")[-1]
    assert first.id in ids(tail) and shifted.id in ids(tail)
    # Must not match: another's invoices, a term found nowhere, a name spread over terms.
    assert ids("no-such-thing") == set()
    assert ids("acm4242") == set()
    assert ids(f"{first.number}9") == set()


def test_staff_isolation_on_every_invoice_endpoint(other_client, company, staff_user):
    invoice = make_issued(owner=staff_user)
    draft = make_draft(owner=staff_user)
    base = f"{URL}{invoice.id}/"

    attempts = [
        other_client.get(base),
        other_client.patch(f"{URL}{draft.id}/", {"notes": "x"}, format="json"),
        other_client.put(f"{URL}{draft.id}/", {"customer": draft.customer_id}, format="json"),
        other_client.delete(f"{URL}{draft.id}/"),
        other_client.post(f"{URL}{draft.id}/issue/"),
        other_client.post(f"{base}void/", {"reason": "x"}, format="json"),
        other_client.post(f"{base}credit-note/"),
        other_client.get(f"{base}payments/"),
        other_client.post(f"{base}payments/", {"amount": "1.00"}, format="json"),
    ]

    assert [r.status_code for r in attempts] == [404] * len(attempts)
    assert all(r.json()["error"]["code"] == "not_found" for r in attempts)
    assert other_client.get(URL).json()["count"] == 0
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_admin_sees_every_invoice(admin_client, company, staff_user, other_staff):
    make_draft(owner=staff_user)
    make_draft(owner=other_staff)

    assert admin_client.get(URL).json()["count"] == 2
    assert admin_client.get(f"{URL}?owner={other_staff.id}").json()["count"] == 1


def test_anonymous_is_401(api_client):
    response = api_client.get(URL)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize("pk", ["abc", "0", "-1", "1.5", "99999999999999999999", "٣"])
def test_issue_of_an_id_that_is_no_row_answers_404(staff_client, company, pk):
    response = staff_client.post(f"{URL}{pk}/issue/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_issue_of_another_users_draft_answers_404_and_draws_no_number(
    staff_client, other_staff, company
):
    draft = make_draft(owner=other_staff)

    response = staff_client.post(f"{URL}{draft.pk}/issue/")

    assert response.status_code == 404
    assert not NumberSequence.objects.exists()
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_issue_with_a_bad_body_answers_404_before_400(staff_client, staff_user, company):
    draft = make_draft(owner=staff_user)
    bad = {"issue_date": "not-a-date"}

    assert staff_client.post(f"{URL}999999/issue/", bad, format="json").status_code == 404
    response = staff_client.post(f"{URL}{draft.pk}/issue/", bad, format="json")
    assert response.status_code == 400
    assert "issue_date" in response.json()["error"]["details"]


def test_issue_answers_what_a_later_read_answers(staff_client, company, staff_user):
    draft = make_draft(
        owner=staff_user,
        items=[line(unit_price="10.05", quantity="3"), line(tax_rate="7.00")],
        currency="EUR",
    )

    issued = staff_client.post(f"/api/invoices/{draft.pk}/issue/")
    read = staff_client.get(f"/api/invoices/{draft.pk}/")

    assert issued.status_code == 200
    assert issued.json() == read.json()
    assert issued.json()["number"].endswith("00001")
