"""JWT session lifecycle: login, refresh rotation, logout, token tampering, /me, passwords."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.models import Role, User
from common.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/api/auth/login/"
REFRESH = "/api/auth/refresh/"
LOGOUT = "/api/auth/logout/"
ME = "/api/auth/me/"
CHANGE_PASSWORD = "/api/auth/change-password/"
ME_KEYS = {"id", "username", "email", "first_name", "last_name", "role", "last_login"}


def _b64(data: dict) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(segment: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def _login(api_client, username: str = "staff", password: str = PASSWORD):
    return api_client.post(LOGIN, {"username": username, "password": password}, format="json")


def _assert_envelope(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


def _bearer(api_client, token: str):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api_client


# --- login --------------------------------------------------------------------------


def test_login_answers_access_refresh_and_user(api_client, staff_user):
    response = _login(api_client)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh", "user"}
    assert set(body["user"]) == ME_KEYS
    assert body["user"]["id"] == staff_user.id
    assert body["user"]["username"] == "staff"
    assert body["user"]["role"] == "staff"
    assert AccessToken(body["access"])["user_id"] == str(staff_user.id)
    staff_user.refresh_from_db()
    assert staff_user.last_login is not None


def test_access_token_from_login_opens_me(api_client, staff_user):
    access = _login(api_client).json()["access"]

    response = _bearer(api_client, access).get(ME)

    assert response.status_code == 200
    assert response.json()["username"] == "staff"


def test_login_errors_do_not_reveal_whether_the_user_exists(api_client, staff_user):
    UserFactory(username="gone", is_active=False)

    wrong_password = _login(api_client, "staff", "not-the-password")
    unknown_user = _login(api_client, "nobody", PASSWORD)
    deactivated = _login(api_client, "gone", PASSWORD)

    error = _assert_envelope(wrong_password, 401, "authentication_failed")
    assert error["message"] == "Invalid username or password."
    for response in (unknown_user, deactivated):
        assert response.status_code == 401
        assert response.json() == wrong_password.json()


def test_login_without_credentials_is_a_validation_error(api_client, db):
    error = _assert_envelope(api_client.post(LOGIN, {}, format="json"), 400, "validation_error")

    assert set(error["details"]) == {"username", "password"}


def test_deactivated_user_cannot_log_in_and_loses_open_access(api_client, staff_user):
    access = _login(api_client).json()["access"]
    staff_user.is_active = False
    staff_user.save()

    _assert_envelope(_login(api_client), 401, "authentication_failed")
    _assert_envelope(_bearer(api_client, access).get(ME), 401, "user_inactive")


# --- refresh rotation and logout ---------------------------------------------------


def test_refresh_rotates_and_the_old_refresh_token_is_blacklisted(api_client, staff_user):
    old_refresh = _login(api_client).json()["refresh"]

    rotated = api_client.post(REFRESH, {"refresh": old_refresh}, format="json")

    assert rotated.status_code == 200
    assert set(rotated.json()) == {"access", "refresh"}
    new_refresh = rotated.json()["refresh"]
    assert new_refresh != old_refresh
    assert BlacklistedToken.objects.filter(token__jti=RefreshToken(new_refresh)["jti"]).count() == 0
    assert BlacklistedToken.objects.count() == 1

    reuse = api_client.post(REFRESH, {"refresh": old_refresh}, format="json")
    _assert_envelope(reuse, 401, "token_not_valid")

    # The rotated one still works once.
    again = api_client.post(REFRESH, {"refresh": new_refresh}, format="json")
    assert again.status_code == 200


def test_logout_blacklists_the_refresh_token(api_client, staff_user):
    refresh = _login(api_client).json()["refresh"]

    response = api_client.post(LOGOUT, {"refresh": refresh}, format="json")

    assert response.status_code == 204
    assert response.content == b""
    assert BlacklistedToken.objects.filter(token__user=staff_user).count() == 1
    _assert_envelope(
        api_client.post(REFRESH, {"refresh": refresh}, format="json"), 401, "token_not_valid"
    )
    # A second logout with the same token is refused, not a 500.
    error = _assert_envelope(
        api_client.post(LOGOUT, {"refresh": refresh}, format="json"), 400, "validation_error"
    )
    assert list(error["details"]) == ["refresh"]


def test_logout_with_garbage_refresh_is_a_validation_error(api_client, db):
    error = _assert_envelope(
        api_client.post(LOGOUT, {"refresh": "not.a.token"}, format="json"), 400, "validation_error"
    )
    assert list(error["details"]) == ["refresh"]


def test_refresh_with_an_access_token_is_refused(api_client, staff_user):
    access = _login(api_client).json()["access"]

    _assert_envelope(
        api_client.post(REFRESH, {"refresh": access}, format="json"), 401, "token_not_valid"
    )


# --- hostile access tokens ------------------------------------------------------------


def test_tampered_access_token_is_401(api_client, staff_user, admin_user):
    token = str(AccessToken.for_user(staff_user))
    header, payload, signature = token.split(".")
    claims = _unb64(payload)
    claims["user_id"] = str(admin_user.id)  # promote myself, keep the old signature
    forged = ".".join([header, _b64(claims), signature])

    _assert_envelope(_bearer(api_client, forged).get(ME), 401, "token_not_valid")
    _assert_envelope(_bearer(api_client, forged).get("/api/users/"), 401, "token_not_valid")


def test_access_token_with_broken_signature_is_401(api_client, staff_user):
    header, payload, signature = str(AccessToken.for_user(staff_user)).split(".")
    middle = len(signature) // 2
    flipped = "A" if signature[middle] != "A" else "B"
    broken = f"{header}.{payload}.{signature[:middle]}{flipped}{signature[middle + 1 :]}"

    _assert_envelope(_bearer(api_client, broken).get(ME), 401, "token_not_valid")


def test_expired_access_token_is_401(api_client, staff_user):
    token = AccessToken.for_user(staff_user)
    token.set_exp(from_time=timezone.now() - timedelta(hours=1), lifetime=timedelta(minutes=5))

    response = _bearer(api_client, str(token)).get(ME)

    error = _assert_envelope(response, 401, "token_not_valid")
    assert error["details"] == {}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_alg_none_token_is_401(api_client, staff_user):
    claims = _unb64(str(AccessToken.for_user(staff_user)).split(".")[1])
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."

    _assert_envelope(_bearer(api_client, unsigned).get(ME), 401, "token_not_valid")


def test_refresh_token_is_not_accepted_as_access_token(api_client, staff_user):
    refresh = str(RefreshToken.for_user(staff_user))

    _assert_envelope(_bearer(api_client, refresh).get(ME), 401, "token_not_valid")


def test_no_token_is_401_not_authenticated(api_client, db):
    _assert_envelope(api_client.get(ME), 401, "not_authenticated")


# --- /me ---------------------------------------------------------------------------------


def test_me_get_shows_own_profile(staff_client, staff_user):
    response = staff_client.get(ME)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == ME_KEYS
    assert body["id"] == staff_user.id
    assert body["email"] == "staff@example.com"


def test_me_patch_changes_profile_but_not_role_or_username(staff_client, staff_user):
    response = staff_client.patch(
        ME,
        {"first_name": "Sam", "email": "sam@example.com", "role": "admin", "username": "boss"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["first_name"] == "Sam"
    assert response.json()["role"] == "staff"
    staff_user.refresh_from_db()
    assert (staff_user.first_name, staff_user.email) == ("Sam", "sam@example.com")
    assert (staff_user.username, staff_user.role, staff_user.is_superuser) == (
        "staff",
        "staff",
        False,
    )


def test_me_patch_with_bad_email_is_a_validation_error(staff_client, staff_user):
    error = _assert_envelope(
        staff_client.patch(ME, {"email": "nope"}, format="json"), 400, "validation_error"
    )

    assert list(error["details"]) == ["email"]
    staff_user.refresh_from_db()
    assert staff_user.email == "staff@example.com"


def test_me_put_is_not_allowed(staff_client, staff_user):
    _assert_envelope(
        staff_client.put(ME, {"first_name": "X"}, format="json"), 405, "method_not_allowed"
    )


# --- change password ---------------------------------------------------------------


def test_change_password_rejects_wrong_old_password(staff_client, staff_user):
    response = staff_client.post(
        CHANGE_PASSWORD,
        {"old_password": "wrong-one", "new_password": "a-much-better-passphrase-42"},
        format="json",
    )

    error = _assert_envelope(response, 400, "validation_error")
    assert list(error["details"]) == ["old_password"]
    staff_user.refresh_from_db()
    assert staff_user.check_password(PASSWORD)


@pytest.mark.parametrize("weak", ["123", "password", "12345678901234", "staff-example"])
def test_change_password_rejects_a_weak_new_password(staff_client, staff_user, weak):
    response = staff_client.post(
        CHANGE_PASSWORD, {"old_password": PASSWORD, "new_password": weak}, format="json"
    )

    error = _assert_envelope(response, 400, "validation_error")
    assert list(error["details"]) == ["new_password"]
    assert error["details"]["new_password"]
    staff_user.refresh_from_db()
    assert staff_user.check_password(PASSWORD)


def test_change_password_requires_both_fields(staff_client, staff_user):
    error = _assert_envelope(
        staff_client.post(CHANGE_PASSWORD, {}, format="json"), 400, "validation_error"
    )

    assert set(error["details"]) == {"old_password", "new_password"}


def test_change_password_accepts_a_good_one_and_revokes_sessions(
    api_client, staff_client, staff_user
):
    old_refresh = _login(api_client).json()["refresh"]
    new_password = "a-much-better-passphrase-42"

    response = staff_client.post(
        CHANGE_PASSWORD, {"old_password": PASSWORD, "new_password": new_password}, format="json"
    )

    assert response.status_code == 204
    staff_user.refresh_from_db()
    assert staff_user.check_password(new_password)
    _assert_envelope(_login(APIClient(), "staff", PASSWORD), 401, "authentication_failed")
    assert _login(APIClient(), "staff", new_password).status_code == 200
    # Sessions opened with the old password end: their refresh token is blacklisted.
    _assert_envelope(
        APIClient().post(REFRESH, {"refresh": old_refresh}, format="json"), 401, "token_not_valid"
    )


def test_change_password_needs_authentication(api_client, db):
    response = api_client.post(
        CHANGE_PASSWORD,
        {"old_password": PASSWORD, "new_password": "whatever-pass-123"},
        format="json",
    )

    _assert_envelope(response, 401, "not_authenticated")


def test_superuser_created_by_manager_is_admin(db):
    user = User.objects.create_superuser("root", "root@example.com", PASSWORD)

    assert (user.role, user.is_superuser, user.is_staff) == (Role.ADMIN, True, True)
