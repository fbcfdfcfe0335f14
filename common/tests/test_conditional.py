"""Conditional requests (common.conditional): ETag and 304 on reads, 412 on stale writes."""

from __future__ import annotations

import os
from decimal import Decimal

import pytest

from common.tests.factories import CustomerFactory
from customers import services as customer_services
from invoices import services
from invoices.models import Invoice, NumberSequence
from invoices.tests.factories import line, make_draft, make_issued

pytestmark = pytest.mark.django_db

INVOICES = "/api/invoices/"
CUSTOMERS = "/api/customers/"


def _etag(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response["ETag"]


# --- detail ---------------------------------------------------------------------------


def test_detail_sends_a_strong_etag_and_answers_304_while_it_holds(
    staff_client, company, staff_user, django_assert_max_num_queries
):
    invoice = make_issued(owner=staff_user)
    first = staff_client.get(f"{INVOICES}{invoice.id}/")
    etag = first["ETag"]

    # user, the invoice with its customer (+1 in tests: the time zone read anew)
    with django_assert_max_num_queries(3):
        again = staff_client.get(f"{INVOICES}{invoice.id}/", HTTP_IF_NONE_MATCH=etag)

    assert etag.startswith('"') and etag.endswith('"')  # strong: If-Match can use it
    assert first["Cache-Control"] == "private, no-cache"
    assert "Last-Modified" in first
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag


def test_a_payment_changes_the_detail_etag(staff_client, company, staff_user):
    invoice = make_issued(owner=staff_user)  # 119.00 due
    etag = _etag(staff_client, f"{INVOICES}{invoice.id}/")

    services.payment_record(invoice=invoice, amount=Decimal("19.00"))
    response = staff_client.get(f"{INVOICES}{invoice.id}/", HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 200
    assert response.json()["amount_due"] == "100.00"
    assert response["ETag"] != etag


def test_a_weakened_tag_from_a_compressing_proxy_still_matches(staff_client, company, staff_user):
    invoice = make_issued(owner=staff_user)
    etag = _etag(staff_client, f"{INVOICES}{invoice.id}/")

    response = staff_client.get(f"{INVOICES}{invoice.id}/", HTTP_IF_NONE_MATCH=f'"x", W/{etag}')

    assert response.status_code == 304


# --- list -----------------------------------------------------------------------------


def _fill(owner, count: int):
    customer = CustomerFactory(owner=owner, name="Acme")
    return [make_issued(owner=owner, customer=customer, items=[line()]) for _ in range(count)]


def test_list_304_reads_only_the_validators(
    staff_client, company, staff_user, django_assert_max_num_queries
):
    _fill(staff_user, 5)
    url = f"{INVOICES}?page_size=50"
    etag = _etag(staff_client, url)

    # user, count, the page's ids and versions: no items, no rendering (+1 the time zone)
    with django_assert_max_num_queries(4) as queries:
        response = staff_client.get(url, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response["ETag"] == etag
    assert not any("invoiceitem" in q["sql"] for q in queries.captured_queries)
    page_query = next(q["sql"] for q in queries.captured_queries if "LIMIT" in q["sql"])
    assert "payments_json" not in page_query  # the narrow query, not the full rows


@pytest.mark.parametrize(
    "change",
    ["payment", "customer_rename", "new_invoice", "draft_edit"],
)
def test_list_etag_follows_every_change_of_the_page(staff_client, company, staff_user, change):
    invoices = _fill(staff_user, 3)
    draft = make_draft(owner=staff_user, customer=invoices[0].customer)
    url = f"{INVOICES}?page_size=50"
    etag = _etag(staff_client, url)

    if change == "payment":
        services.payment_record(invoice=invoices[1], amount=Decimal("1.00"))
    elif change == "customer_rename":
        customer_services.customer_update(customer=invoices[0].customer, name="Acme Ltd")
    elif change == "new_invoice":
        make_draft(owner=staff_user, customer=invoices[0].customer)
    else:
        services.invoice_update_draft(invoice=draft, notes="Second thoughts")
    response = staff_client.get(url, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 200
    assert response["ETag"] != etag
    # the same tag as an unconditional read of the same state
    assert response["ETag"] == _etag(staff_client, url)
    assert len(response.json()["results"]) == (5 if change == "new_invoice" else 4)


def test_list_etag_depends_on_query_and_scope(
    staff_client, admin_client, company, staff_user, other_staff
):
    _fill(staff_user, 2)

    page_1 = _etag(staff_client, f"{INVOICES}?page_size=1")
    page_2 = _etag(staff_client, f"{INVOICES}?page_size=1&page=2")
    admin = _etag(admin_client, f"{INVOICES}?page_size=1")

    assert len({page_1, page_2, admin}) == 3
    response = admin_client.get(f"{INVOICES}?page_size=1", HTTP_IF_NONE_MATCH=page_1)
    assert response.status_code == 200


def test_a_stale_list_tag_answers_the_page_in_order(staff_client, company, staff_user):
    invoices = _fill(staff_user, 3)
    url = f"{INVOICES}?page_size=2&ordering=id"
    plain = staff_client.get(url).json()

    response = staff_client.get(url, HTTP_IF_NONE_MATCH='"stale"')

    assert response.status_code == 200
    assert response.json() == plain
    assert [row["id"] for row in plain["results"]] == [invoices[0].id, invoices[1].id]


# --- writes with If-Match -------------------------------------------------------------


def test_stale_if_match_on_a_draft_is_412_and_writes_nothing(staff_client, company, staff_user):
    draft = make_draft(owner=staff_user, notes="first tab")
    url = f"{INVOICES}{draft.id}/"
    etag = _etag(staff_client, url)
    services.invoice_update_draft(invoice=draft, notes="second tab")  # the other tab saved
    before = Invoice.objects.get(pk=draft.pk)

    response = staff_client.patch(
        url, {"notes": "first tab again"}, format="json", HTTP_IF_MATCH=etag
    )

    assert response.status_code == 412
    body = response.json()["error"]
    assert body["code"] == "precondition_failed"
    assert body["details"]["etag"] == _etag(staff_client, url)
    after = Invoice.objects.get(pk=draft.pk)
    assert (after.notes, after.version, after.updated_at) == (
        "second tab",
        before.version,
        before.updated_at,
    )


def test_matching_if_match_proceeds_and_answers_the_next_tag(staff_client, company, staff_user):
    draft = make_draft(owner=staff_user)
    url = f"{INVOICES}{draft.id}/"
    etag = _etag(staff_client, url)

    saved = staff_client.patch(url, {"notes": "edited"}, format="json", HTTP_IF_MATCH=etag)
    assert saved["ETag"] == _etag(staff_client, url)  # the tag of what was saved
    replay = staff_client.patch(url, {"notes": "again"}, format="json", HTTP_IF_MATCH=etag)
    chained = staff_client.patch(
        url, {"notes": "chained"}, format="json", HTTP_IF_MATCH=saved["ETag"]
    )

    assert saved.status_code == 200
    assert saved.json()["notes"] == "edited"
    assert replay.status_code == 412
    assert chained.status_code == 200
    assert Invoice.objects.get(pk=draft.pk).notes == "chained"


def test_stale_if_match_refuses_issue_and_delete(staff_client, company, staff_user):
    draft = make_draft(owner=staff_user)
    url = f"{INVOICES}{draft.id}/"
    stale = _etag(staff_client, url)
    services.invoice_update_draft(invoice=draft, notes="changed")

    issued = staff_client.post(f"{url}issue/", HTTP_IF_MATCH=stale)
    deleted = staff_client.delete(url, HTTP_IF_MATCH=stale)

    assert (issued.status_code, deleted.status_code) == (412, 412)
    assert Invoice.objects.get(pk=draft.pk).status == "draft"
    assert NumberSequence.objects.count() == 0  # no number drawn
    assert staff_client.post(f"{url}issue/", HTTP_IF_MATCH="*").status_code == 200


def test_if_match_on_another_users_invoice_is_still_404(other_client, company, staff_user):
    draft = make_draft(owner=staff_user)

    response = other_client.patch(
        f"{INVOICES}{draft.id}/", {"notes": "x"}, format="json", HTTP_IF_MATCH='"anything"'
    )

    assert response.status_code == 404


# --- customers ------------------------------------------------------------------------


def test_customer_detail_and_list_304_and_statistics_move_the_tag(
    staff_client, company, staff_user
):
    customer = CustomerFactory(owner=staff_user)
    detail = _etag(staff_client, f"{CUSTOMERS}{customer.id}/")
    listing = _etag(staff_client, CUSTOMERS)

    assert (
        staff_client.get(f"{CUSTOMERS}{customer.id}/", HTTP_IF_NONE_MATCH=detail).status_code == 304
    )
    assert staff_client.get(CUSTOMERS, HTTP_IF_NONE_MATCH=listing).status_code == 304

    make_issued(owner=staff_user, customer=customer)  # statistics move by UPDATE

    again = staff_client.get(f"{CUSTOMERS}{customer.id}/", HTTP_IF_NONE_MATCH=detail)
    assert again.status_code == 200
    assert again.json()["balance_due"] == "119.00"
    assert staff_client.get(CUSTOMERS, HTTP_IF_NONE_MATCH=listing).status_code == 200


def test_customer_put_with_stale_if_match_is_412(staff_client, company, staff_user):
    customer = CustomerFactory(owner=staff_user, name="Old")
    url = f"{CUSTOMERS}{customer.id}/"
    etag = _etag(staff_client, url)
    customer_services.customer_update(customer=customer, name="Renamed elsewhere")

    stale = staff_client.patch(url, {"name": "Mine"}, format="json", HTTP_IF_MATCH=etag)
    fresh = staff_client.patch(
        url, {"name": "Mine"}, format="json", HTTP_IF_MATCH=_etag(staff_client, url)
    )

    assert stale.status_code == 412
    assert fresh.status_code == 200
    assert fresh["ETag"] == _etag(staff_client, url)
    assert fresh.json()["name"] == "Mine"


# --- the remembered list ETag (shared cache) ------------------------------------------

needs_redis = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs the shared cache: set REDIS_URL"
)


@needs_redis
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)  # the version moves after commit: really commit
@pytest.mark.parametrize("change", ["payment", "customer_rename", "queryset_update", "delete"])
def test_a_remembered_list_etag_answers_304_without_reading_rows_until_a_change(
    staff_client, company, staff_user, change, django_assert_max_num_queries
):
    invoices = _fill(staff_user, 2)
    draft = make_draft(owner=staff_user, customer=invoices[0].customer)
    url = f"{INVOICES}?page_size=50"
    etag = _etag(staff_client, url)
    assert staff_client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304  # remembers

    # the access row only (+1: the time zone, read anew per test)
    with django_assert_max_num_queries(2) as queries:
        remembered = staff_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert remembered.status_code == 304
    assert not any("invoices_invoice" in q["sql"] for q in queries.captured_queries)

    if change == "payment":
        services.payment_record(invoice=invoices[1], amount=Decimal("1.00"))
    elif change == "customer_rename":
        customer_services.customer_update(customer=invoices[0].customer, name="Acme Ltd")
    elif change == "queryset_update":  # no signal: InvoiceQuerySet.update moves the version
        Invoice.objects.filter(pk=draft.pk).update(notes="changed by an UPDATE")
    else:
        staff_client.delete(f"{INVOICES}{draft.pk}/")
    response = staff_client.get(url, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 200
    assert response["ETag"] != etag


# --- company settings (a singleton) ---------------------------------------------------


def test_company_settings_304_and_stale_if_match_is_412(admin_client, company):
    url = "/api/settings/company/"
    etag = _etag(admin_client, url)

    assert admin_client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    saved = admin_client.patch(url, {"trading_name": "New"}, format="json", HTTP_IF_MATCH=etag)
    stale = admin_client.patch(url, {"trading_name": "Old"}, format="json", HTTP_IF_MATCH=etag)

    assert saved.status_code == 200
    assert saved["ETag"] == _etag(admin_client, url)
    assert stale.status_code == 412
    assert admin_client.get(url).json()["trading_name"] == "New"
