"""Access follows the database; usernames are one per person; the last admin stays; the
admin login is throttled like the API's."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.test import Client
from rest_framework.test import APIClient

from accounts.authentication import CACHED_FIELDS, user_cache_key
from accounts.models import Role, User
from accounts.tokens import VersionedRefreshToken
from common import shared_cache
from common.tests.factories import PASSWORD, UserFactory
from common.throttling import LoginRateThrottle, LoginUsernameRateThrottle

pytestmark = pytest.mark.django_db
ME = "/api/auth/me/"
LOGIN = "/api/auth/login/"


def _login(username: str = "staff", password: str = PASSWORD) -> dict:
    response = APIClient().post(LOGIN, {"username": username, "password": password})
    assert response.status_code == 200, response.content
    return response.json()


def _bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def _code(response) -> str:
    return response.json()["error"]["code"]


# --- tokens follow the database ---------------------------------------------------------


def test_logout_revokes_every_refresh_token_and_the_access_tokens(staff_user):
    first, second = _login(), _login()

    assert APIClient().post("/api/auth/logout/", {"refresh": first["refresh"]}).status_code == 204

    for tokens in (first, second):
        response = _bearer(tokens["access"]).get(ME)
        assert (response.status_code, _code(response)) == (401, "token_revoked")
        refused = APIClient().post("/api/auth/refresh/", {"refresh": tokens["refresh"]})
        assert refused.status_code == 401
    assert _bearer(_login()["access"]).get(ME).status_code == 200  # a new login works


def test_a_password_change_in_the_admin_revokes_the_sessions(staff_user, admin_user):
    tokens = _login()
    browser = Client()
    browser.force_login(admin_user)

    response = browser.post(
        f"/admin/accounts/user/{staff_user.pk}/password/",
        {"password1": "a-new-long-passphrase-7", "password2": "a-new-long-passphrase-7"},
    )

    assert response.status_code == 302, response.content[:500]
    me = _bearer(tokens["access"]).get(ME)
    assert (me.status_code, _code(me)) == (401, "token_revoked")
    assert APIClient().post("/api/auth/refresh/", {"refresh": tokens["refresh"]}).status_code == 401


def test_a_password_change_in_the_api_refuses_older_access_tokens(staff_user):
    tokens = _login()
    client = _bearer(tokens["access"])
    body = {"old_password": PASSWORD, "new_password": "a-new-long-passphrase-7"}

    assert client.post("/api/auth/change-password/", body).status_code == 204

    assert _code(client.get(ME)) == "token_revoked"
    assert _bearer(_login(password="a-new-long-passphrase-7")["access"]).get(ME).status_code == 200


def test_a_stale_cached_user_never_grants_access(settings, staff_user):
    """The cache could not be told (Redis down when the change was saved): a copy still
    says admin and active; the database says otherwise, and wins at once."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings_enabled = shared_cache.enabled
    tokens = _login()
    stale = User.objects.get(pk=staff_user.pk)
    stale.role = Role.ADMIN
    try:
        shared_cache.enabled = lambda: True  # a shared cache that kept the stale copy
        shared_cache.put(
            user_cache_key(staff_user.pk), [getattr(stale, n) for n in CACHED_FIELDS], 300
        )
        client = _bearer(tokens["access"])
        assert client.get(ME).json()["role"] == "staff"  # the database's role
        assert client.get("/api/users/").status_code == 403

        User.objects.filter(pk=staff_user.pk).update(is_active=False)  # no signal at all
        response = client.get(ME)
    finally:
        shared_cache.enabled = settings_enabled
        caches["default"].clear()  # leave no copy for the next test of this process

    assert (response.status_code, _code(response)) == (401, "user_inactive")


def test_tokens_carry_the_version_they_were_issued_under(staff_user):
    assert VersionedRefreshToken.for_user(staff_user)["ver"] == 0


# --- usernames --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["STAFF", "Staff", "\uff53\uff54\uff41\uff46\uff46", "\u017ftaff"])
def test_usernames_are_unique_whatever_their_case_or_width(admin_client, staff_user, name):
    response = admin_client.post(
        "/api/users/", {"username": name, "password": "a-long-passphrase-99"}
    )

    assert response.status_code == 400, response.content
    assert "username" in response.json()["error"]["details"]
    assert User.objects.count() == 2


def test_usernames_are_stored_nfkc_and_log_in_whatever_the_case(admin_client):
    response = admin_client.post(
        "/api/users/", {"username": "\uff4a\uff41\uff4e\uff45", "password": "a-long-passphrase-99"}
    )

    assert response.status_code == 201, response.content
    assert response.json()["username"] == "jane"
    assert _login("JANE", "a-long-passphrase-99")["user"]["username"] == "jane"


def test_renaming_onto_another_username_is_400(admin_client, staff_user, other_staff):
    response = admin_client.patch(f"/api/users/{other_staff.pk}/", {"username": "Staff"})

    assert response.status_code == 400
    assert User.objects.get(pk=other_staff.pk).username == "other"


def test_the_database_refuses_a_case_variant(staff_user):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create([User(username="STAFF")])


# --- the last admin ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "body"),
    [("patch", {"role": "staff"}), ("patch", {"is_active": False}), ("delete", None)],
)
def test_the_last_active_admin_cannot_be_taken_away(admin_client, admin_user, method, body):
    response = getattr(admin_client, method)(f"/api/users/{admin_user.pk}/", body)

    assert response.status_code == 409, response.content
    assert _code(response) == "last_admin"
    admin_user.refresh_from_db()
    assert (admin_user.role, admin_user.is_active) == (Role.ADMIN, True)


def test_an_admin_can_step_down_when_another_remains(admin_client, admin_user):
    UserFactory(username="second", role=Role.ADMIN)

    response = admin_client.patch(f"/api/users/{admin_user.pk}/", {"role": "staff"})

    assert response.status_code == 200, response.content
    assert User.objects.get(pk=admin_user.pk).role == Role.STAFF


# --- the admin login --------------------------------------------------------------------


def test_the_admin_login_is_throttled_per_username(monkeypatch, staff_user, caplog):
    monkeypatch.setattr(LoginUsernameRateThrottle, "rate", "3/hour", raising=False)
    wrong = {"username": "staff", "password": "guess"}

    statuses = [
        Client(REMOTE_ADDR=f"192.0.2.{n}").post("/admin/login/", wrong).status_code
        for n in range(1, 4)
    ]
    right = Client(REMOTE_ADDR="192.0.2.9").post(
        "/admin/login/", {"username": "staff", "password": PASSWORD}
    )

    assert statuses == [200, 200, 200]  # the form again, with its error
    assert right.status_code == 429
    assert "Too many login attempts" in right.content.decode()
    assert int(right["Retry-After"]) > 0
    assert "_auth_user_id" not in right.client.session
    assert any("Admin login throttled" in r.getMessage() for r in caplog.records)


def test_the_admin_login_is_throttled_per_address(monkeypatch, staff_user):
    monkeypatch.setattr(LoginRateThrottle, "rate", "2/min", raising=False)
    browser = Client(REMOTE_ADDR="192.0.2.50")

    for name in ("a", "b"):
        assert browser.post("/admin/login/", {"username": name, "password": "x"}).status_code == 200
    refused = browser.post("/admin/login/", {"username": "staff", "password": PASSWORD})

    assert refused.status_code == 429
    # The API's login shares the budget of the address.
    api = APIClient(REMOTE_ADDR="192.0.2.50")
    assert api.post(LOGIN, {"username": "staff", "password": PASSWORD}).status_code == 429


def test_the_api_login_is_throttled_per_username(monkeypatch, staff_user):
    monkeypatch.setattr(LoginUsernameRateThrottle, "rate", "2/hour", raising=False)

    for n in (1, 2):
        APIClient(REMOTE_ADDR=f"198.51.100.{n}").post(LOGIN, {"username": "STAFF", "password": "x"})
    response = APIClient(REMOTE_ADDR="198.51.100.3").post(
        LOGIN, {"username": "staff", "password": PASSWORD}
    )

    assert response.status_code == 429
    assert _code(response) == "throttled"


def test_successful_logins_do_not_use_up_the_per_username_budget(monkeypatch, staff_user):
    """Only failures count per username: the owner logging in often is never locked out."""
    monkeypatch.setattr(LoginUsernameRateThrottle, "rate", "3/hour", raising=False)
    right = {"username": "staff", "password": PASSWORD}

    api = [APIClient().post(LOGIN, right, format="json").status_code for _ in range(6)]
    admin = [
        Client().post("/admin/login/", right).status_code for _ in range(6)
    ]  # a redirect after each login

    assert api == [200] * 6
    assert admin == [302] * 6
    wrong = {"username": "staff", "password": "guess"}
    failures = [APIClient().post(LOGIN, wrong, format="json").status_code for _ in range(4)]
    assert failures == [401, 401, 401, 429]
