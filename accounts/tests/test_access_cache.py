"""The access row kept in Redis (accounts.access) is exact: a revocation, deactivation
or role change made by any path is seen by the very next request, the 304 revalidation
(which reads the row from the cache and queries no database) included."""

from __future__ import annotations

import os

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import access, authentication
from accounts.models import Role, User
from accounts.services import user_sessions_revoke, user_update
from common.redis_guard import cache_breaker
from common.throttling import ResilientUserRateThrottle
from invoices.tests.factories import make_draft

pytestmark = [
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs the shared cache"),
    pytest.mark.redis,
    # outside a transaction: inside one the row is always read from the database
    pytest.mark.django_db(transaction=True),
]
INVOICES = "/api/invoices/?page_size=50"


@pytest.fixture(autouse=True)
def _fresh():
    authentication.local_caches_clear()
    caches["default"].clear()
    yield
    cache_breaker.close()
    authentication.local_caches_clear()
    caches["default"].clear()


def _code(response) -> str:
    return response.json()["error"]["code"]


def _revalidating(client) -> str:
    """The list's tag, revalidated once so the access row and the tag are both cached."""
    etag = client.get(INVOICES)["ETag"]
    assert client.get(INVOICES, HTTP_IF_NONE_MATCH=etag).status_code == 304
    return etag


def test_a_revalidation_queries_no_database(staff_client, company, staff_user):
    make_draft(owner=staff_user)
    etag = _revalidating(staff_client)

    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get(INVOICES, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response["ETag"] == etag
    assert len(queries) == 0, [q["sql"] for q in queries]


def test_the_cached_row_decides(staff_client, company, staff_user):
    """Why the invalidation matters (the case that fails without it): a write that
    bypasses the ORM (raw SQL: no signal, no queryset) leaves the cached row, and the
    revalidation trusts it. The tests below prove invalidation, not a database read."""
    etag = _revalidating(staff_client)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_user SET is_active = false WHERE id = %s", [staff_user.pk])

    assert staff_client.get(INVOICES, HTTP_IF_NONE_MATCH=etag).status_code == 304
    caches["default"].delete(access.cache_key(staff_user.pk))  # what every ORM write does
    response = staff_client.get(INVOICES, HTTP_IF_NONE_MATCH=etag)
    assert (response.status_code, _code(response)) == (401, "user_inactive")


@pytest.mark.parametrize(
    "revoke, status, code",
    [
        (
            lambda user: User.objects.filter(pk=user.pk).update(is_active=False),
            401,
            "user_inactive",
        ),
        (lambda user: user_update(user=user, is_active=False), 401, "user_inactive"),
        (lambda user: user_sessions_revoke(user=user), 401, "token_revoked"),
        (
            lambda user: User.objects.bulk_update([_with(user, is_active=False)], ["is_active"]),
            401,
            "user_inactive",
        ),
    ],
    ids=["queryset-update", "deactivation", "logout", "bulk-update"],
)
def test_a_revocation_applies_to_the_next_revalidation(
    staff_client, company, staff_user, revoke, status, code
):
    etag = _revalidating(staff_client)

    revoke(User.objects.get(pk=staff_user.pk))
    response = staff_client.get(INVOICES, HTTP_IF_NONE_MATCH=etag)

    assert (response.status_code, _code(response)) == (status, code)


def _with(user: User, **fields) -> User:
    for name, value in fields.items():
        setattr(user, name, value)
    return user


def test_a_password_change_revokes_on_the_304_path(api_client, company, staff_user):
    staff_user.set_password("first-passphrase-1")
    staff_user.save()
    tokens = api_client.post(
        "/api/auth/login/", {"username": "staff", "password": "first-passphrase-1"}
    ).json()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    etag = _revalidating(api_client)

    changed = api_client.post(
        "/api/auth/change-password/",
        {"old_password": "first-passphrase-1", "new_password": "second-passphrase-2"},
    )
    assert changed.status_code in (200, 204), changed.content
    response = api_client.get(INVOICES, HTTP_IF_NONE_MATCH=etag)

    assert (response.status_code, _code(response)) == (401, "token_revoked")


def test_a_demoted_admin_loses_the_admins_scope_at_once(
    admin_client, company, admin_user, staff_user
):
    User.objects.create(username="other-admin", role=Role.ADMIN)
    make_draft(owner=staff_user)
    etag = _revalidating(admin_client)

    User.objects.filter(pk=admin_user.pk).update(role=Role.STAFF)
    response = admin_client.get(INVOICES, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 200  # the staff scope: another page, another tag
    assert response.json()["count"] == 0
    assert response["ETag"] != etag


def test_a_row_read_before_a_write_is_never_kept(monkeypatch, staff_user):
    """A reader that misses reads the row, and a write commits before it keeps it: the
    write's invalidation took the reader's lease, so the old row is not kept."""
    real = access._read_row

    def read_then_a_write_commits(pk):
        row = real(pk)
        User.objects.filter(pk=pk).update(is_active=False)
        return row

    monkeypatch.setattr(access, "_read_row", read_then_a_write_commits)
    assert access.access_row(staff_user.pk) == (0, True, "staff")  # what it read
    monkeypatch.setattr(access, "_read_row", real)

    assert access.row_from(caches["default"].get(access.cache_key(staff_user.pk))) is None
    assert access.access_row(staff_user.pk) == (0, False, "staff")


def test_with_redis_out_of_reach_access_is_read_from_the_database(
    staff_client, company, staff_user
):
    etag = _revalidating(staff_client)
    cache_breaker.trip()  # as after a failed call: nothing is asked of Redis
    User.objects.filter(pk=staff_user.pk).update(is_active=False)  # the copy stays stale

    response = staff_client.get(INVOICES, HTTP_IF_NONE_MATCH=etag)

    assert (response.status_code, _code(response)) == (401, "user_inactive")


def test_a_refused_revalidation_does_not_count_in_the_throttle(
    settings, staff_client, company, staff_user
):
    etag = _revalidating(staff_client)
    User.objects.filter(pk=staff_user.pk).update(is_active=False)
    window = caches["default"].make_and_validate_key(f"throttle_user_{staff_user.pk}")
    redis = caches["default"].client.get_client(write=True)
    before = redis.zcard(window)

    assert staff_client.get(INVOICES, HTTP_IF_NONE_MATCH=etag).status_code == 401

    assert redis.zcard(window) == before


def test_a_malformed_token_on_a_revalidation_answers_as_elsewhere(api_client, company):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    response = api_client.get(INVOICES, HTTP_IF_NONE_MATCH='"x"')

    assert (response.status_code, _code(response)) == (401, "token_not_valid")


def test_the_user_throttle_still_refuses_on_the_304_path(
    monkeypatch, staff_client, company, staff_user
):
    etag = _revalidating(staff_client)  # two requests in the window
    rates = {**ResilientUserRateThrottle.THROTTLE_RATES, "user": "3/min"}
    monkeypatch.setattr(ResilientUserRateThrottle, "THROTTLE_RATES", rates)

    third = staff_client.get(INVOICES, HTTP_IF_NONE_MATCH=etag)
    fourth = staff_client.get(INVOICES, HTTP_IF_NONE_MATCH=etag)

    assert third.status_code == 304
    assert (fourth.status_code, _code(fourth)) == (429, "throttled")
