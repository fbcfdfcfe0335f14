"""Rows cached between requests (the user of a token, list counts) stay right.

They are kept only in a cache every process shares (Redis); these tests run where
the suite has one (REDIS_URL, as `.ci/run` sets it). Without it nothing is cached,
which the last test checks.
"""

from __future__ import annotations

import os

import pytest
from django.core.cache import cache

from accounts.authentication import user_cache_key
from common import shared_cache
from common.tests.factories import CustomerFactory
from invoices.tests.factories import make_draft

needs_redis = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs the shared cache: set REDIS_URL"
)
ME = "/api/auth/me/"
INVOICES = "/api/invoices/"


@needs_redis
@pytest.mark.redis
def test_a_known_user_costs_one_small_query_and_the_cache_holds_no_password(
    staff_client, staff_user, django_assert_num_queries
):
    assert staff_client.get(ME).status_code == 200

    # The columns that decide access, from the database (accounts.authentication).
    with django_assert_num_queries(1):
        response = staff_client.get(ME)

    assert response.json()["username"] == "staff"
    cached = cache.get(user_cache_key(staff_user.pk))
    assert staff_user.password not in [str(value) for value in cached]


@needs_redis
@pytest.mark.redis
def test_deactivation_and_role_changes_apply_at_the_next_request(staff_client, staff_user):
    assert staff_client.get(ME).json()["role"] == "staff"

    staff_user.role = "admin"
    staff_user.save()
    assert staff_client.get(ME).json()["role"] == "admin"

    staff_user.is_active = False
    staff_user.save()
    response = staff_client.get(ME)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "user_inactive"


@needs_redis
@pytest.mark.redis
def test_a_cached_user_can_still_change_the_password(staff_client, staff_user):
    from common.tests.factories import PASSWORD

    staff_client.get(ME)  # cached now
    response = staff_client.post(
        "/api/auth/change-password/",
        {"old_password": PASSWORD, "new_password": "a-much-longer-new-pass-42"},
        format="json",
    )

    assert response.status_code in (200, 204), response.content
    staff_user.refresh_from_db()
    assert staff_user.check_password("a-much-longer-new-pass-42")


@needs_redis
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)  # counts are dropped after commit: really commit
def test_list_count_is_reused_until_an_invoice_changes(
    staff_client, staff_user, company, django_assert_num_queries
):
    customer = CustomerFactory(owner=staff_user, name="Acme Tools")
    make_draft(owner=staff_user, customer=customer)
    assert staff_client.get(INVOICES).json()["count"] == 1

    # the access row (read once, then kept: accounts.access) and the page: no user row,
    # no count, no items (rendered)
    with django_assert_num_queries(2):
        assert staff_client.get(INVOICES).json()["count"] == 1

    make_draft(owner=staff_user, customer=customer)
    assert staff_client.get(INVOICES).json()["count"] == 2
    draft = make_draft(owner=staff_user)
    assert staff_client.get(f"{INVOICES}?search=Acme").json()["count"] == 2
    draft.customer.name = "Acme Rivals"
    draft.customer.save()
    assert staff_client.get(f"{INVOICES}?search=Acme").json()["count"] == 3
    staff_client.delete(f"{INVOICES}{draft.pk}/")
    assert staff_client.get(INVOICES).json()["count"] == 2


@needs_redis
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_each_user_and_filter_has_its_own_count(staff_client, other_client, staff_user, company):
    make_draft(owner=staff_user)
    assert staff_client.get(INVOICES).json()["count"] == 1
    assert other_client.get(INVOICES).json()["count"] == 0
    assert staff_client.get(f"{INVOICES}?status=issued").json()["count"] == 0


def test_nothing_is_cached_in_a_cache_of_one_process(settings, staff_client, staff_user):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()  # per-process caches of one location share their entries across tests

    assert not shared_cache.enabled()
    staff_client.get(ME)
    assert cache.get(user_cache_key(staff_user.pk)) is None


@needs_redis
@pytest.mark.redis
def test_an_issue_after_a_settings_change_snapshots_the_new_seller(
    staff_client, admin_client, staff_user, company
):
    first = make_draft(owner=staff_user)
    assert staff_client.post(f"{INVOICES}{first.pk}/issue/").json()["seller"]["name"] == (
        company.legal_name
    )

    response = admin_client.patch(
        "/api/settings/company/", {"legal_name": "Renamed GmbH"}, format="json"
    )
    assert response.status_code == 200

    second = make_draft(owner=staff_user)
    seller = staff_client.post(f"{INVOICES}{second.pk}/issue/").json()["seller"]
    assert seller["name"] == "Renamed GmbH"


@needs_redis
@pytest.mark.redis
def test_reads_inside_a_transaction_always_count(staff_client, staff_user, company):
    make_draft(owner=staff_user)
    assert staff_client.get(INVOICES).json()["count"] == 1  # the test's transaction

    make_draft(owner=staff_user)  # its version bump waits for a commit that never comes

    assert staff_client.get(INVOICES).json()["count"] == 2


@needs_redis
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_customer_list_count_is_reused_until_a_customer_or_a_balance_changes(
    staff_client, staff_user, company, django_assert_num_queries
):
    from invoices import services as invoice_services

    CustomerFactory(owner=staff_user)
    invoice = invoice_services.invoice_issue(invoice=make_draft(owner=staff_user))
    assert staff_client.get("/api/customers/").json()["count"] == 2
    assert staff_client.get("/api/customers/?has_balance=true").json()["count"] == 1

    # the page alone: the count and the access row (kept by then) from the shared cache
    with django_assert_num_queries(1):
        assert staff_client.get("/api/customers/").json()["count"] == 2

    staff_client.post("/api/customers/", {"name": "New one"}, format="json")
    assert staff_client.get("/api/customers/").json()["count"] == 3
    invoice_services.payment_record(invoice=invoice, amount=invoice.gross_total)
    assert staff_client.get("/api/customers/?has_balance=true").json()["count"] == 0
