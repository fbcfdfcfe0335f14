"""Forged, stale and revoked credentials are refused with 401 in the error envelope;
passwords are stored with Argon2; login does not tell whether a user exists and is throttled.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import jwt
import pytest
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

import core.settings as production_settings
from accounts import services
from accounts.models import User
from common.tests.factories import PASSWORD, UserFactory
from common.throttling import LoginRateThrottle

pytestmark = pytest.mark.django_db

ME = "/api/auth/me/"
LOGIN = "/api/auth/login/"
REFRESH = "/api/auth/refresh/"


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _claims(user: User) -> dict[str, Any]:
    """The claims of a genuine, current access token of the user."""
    return dict(AccessToken.for_user(user).payload)


def _bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def _assert_401(response) -> dict[str, Any]:
    assert response.status_code == 401, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["message"]
    assert response.has_header("WWW-Authenticate")
    return body["error"]


# --- access tokens ----------------------------------------------------------------------


def test_a_genuine_token_is_accepted(staff_user):
    """The baseline the attacks below are measured against."""
    response = _bearer(str(AccessToken.for_user(staff_user))).get(ME)

    assert response.status_code == 200
    assert response.json()["username"] == "staff"


def test_token_signed_with_another_key_is_refused(staff_user):
    forged = jwt.encode(_claims(staff_user), "not-the-server-key-" * 3, algorithm="HS256")

    error = _assert_401(_bearer(forged).get(ME))

    assert error["code"] == "token_not_valid"


def test_token_with_alg_none_is_refused(staff_user):
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(staff_user))}."

    error = _assert_401(_bearer(unsigned).get(ME))

    assert error["code"] == "token_not_valid"


# The test key is shorter than HS512 wants; irrelevant to the check.
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_token_with_another_algorithm_and_the_right_key_is_refused(staff_user):
    """The algorithm is pinned (HS256): a token may not choose its own."""
    key = settings.SIMPLE_JWT["SIGNING_KEY"]
    other_alg = jwt.encode(_claims(staff_user), key, algorithm="HS512")

    _assert_401(_bearer(other_alg).get(ME))


def test_tampered_claims_break_the_signature(staff_user, admin_user):
    header, _, signature = str(AccessToken.for_user(staff_user)).split(".")
    claims = {**_claims(staff_user), "user_id": str(admin_user.pk)}

    _assert_401(_bearer(f"{header}.{_b64(claims)}.{signature}").get(ME))


def test_expired_token_is_refused(staff_user):
    token = AccessToken.for_user(staff_user)
    token.set_exp(
        from_time=timezone.now() - dt.timedelta(hours=1), lifetime=dt.timedelta(minutes=5)
    )

    error = _assert_401(_bearer(str(token)).get(ME))

    assert error["code"] == "token_not_valid"


def test_refresh_token_is_not_an_access_token(staff_user):
    _assert_401(_bearer(str(RefreshToken.for_user(staff_user))).get(ME))


@pytest.mark.parametrize("header", ["Bearer", "Bearer not.a.jwt", "Bearer a b", "Token abc"])
def test_malformed_authorization_headers_are_refused(header, staff_user, company):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get(ME)

    # "Token abc" is not our scheme: the request is simply anonymous (still a 401).
    _assert_401(response)


# --- refresh tokens ---------------------------------------------------------------------


def test_blacklisted_refresh_token_is_refused(staff_user):
    refresh = str(RefreshToken.for_user(staff_user))
    assert APIClient().post("/api/auth/logout/", {"refresh": refresh}).status_code == 204

    error = _assert_401(APIClient().post(REFRESH, {"refresh": refresh}, format="json"))

    assert error["code"] == "token_not_valid"


def test_a_rotated_refresh_token_cannot_be_used_twice(staff_user):
    refresh = str(RefreshToken.for_user(staff_user))
    first = APIClient().post(REFRESH, {"refresh": refresh}, format="json")
    assert first.status_code == 200
    assert first.json()["refresh"] != refresh

    _assert_401(APIClient().post(REFRESH, {"refresh": refresh}, format="json"))


def test_forged_refresh_token_is_refused(staff_user):
    claims = dict(RefreshToken.for_user(staff_user).payload)
    forged = jwt.encode(claims, "not-the-server-key-" * 3, algorithm="HS256")

    _assert_401(APIClient().post(REFRESH, {"refresh": forged}, format="json"))


# --- deactivated users ------------------------------------------------------------------


def test_deactivated_user_access_token_is_refused(staff_user):
    access = str(AccessToken.for_user(staff_user))
    services.user_deactivate(user=staff_user)

    _assert_401(_bearer(access).get(ME))


def test_deactivated_user_refresh_token_is_refused(admin_client, staff_user):
    refresh = str(RefreshToken.for_user(staff_user))

    # Deactivation through the API (DELETE deactivates) revokes every session.
    assert admin_client.delete(f"/api/users/{staff_user.pk}/").status_code == 204

    _assert_401(APIClient().post(REFRESH, {"refresh": refresh}, format="json"))


def test_user_deactivated_by_an_update_loses_their_sessions(admin_client, staff_user):
    refresh = str(RefreshToken.for_user(staff_user))

    response = admin_client.patch(f"/api/users/{staff_user.pk}/", {"is_active": False})
    assert response.status_code == 200

    _assert_401(APIClient().post(REFRESH, {"refresh": refresh}, format="json"))


# --- passwords and login ----------------------------------------------------------------


def test_production_hashes_passwords_with_argon2():
    assert production_settings.PASSWORD_HASHERS[0] == (
        "django.contrib.auth.hashers.Argon2PasswordHasher"
    )

    with override_settings(PASSWORD_HASHERS=production_settings.PASSWORD_HASHERS):
        encoded = make_password(PASSWORD)
        assert encoded.startswith("argon2$argon2id$")
        assert check_password(PASSWORD, encoded)
        assert not check_password("wrong", encoded)


def test_users_created_through_the_api_get_an_argon2_hash(admin_client):
    with override_settings(PASSWORD_HASHERS=production_settings.PASSWORD_HASHERS):
        response = admin_client.post(
            "/api/users/", {"username": "newbie", "password": "a-long-enough-passphrase-9"}
        )
        assert response.status_code == 201
        user = User.objects.get(username="newbie")
        assert user.password.startswith("argon2$")
        assert "password" not in response.json()

        login = APIClient().post(
            LOGIN, {"username": "newbie", "password": "a-long-enough-passphrase-9"}
        )
        assert login.status_code == 200


def test_login_errors_do_not_tell_whether_the_user_exists(staff_user):
    UserFactory(username="gone", is_active=False)
    attempts = {
        "unknown user": {"username": "nobody", "password": PASSWORD},
        "wrong password": {"username": "staff", "password": "wrong-password"},
        "deactivated user": {"username": "gone", "password": PASSWORD},
    }

    answers = {
        case: APIClient().post(LOGIN, body, format="json") for case, body in attempts.items()
    }

    statuses = {case: response.status_code for case, response in answers.items()}
    bodies = {case: response.json() for case, response in answers.items()}
    assert set(statuses.values()) == {401}, statuses
    assert len({json.dumps(body, sort_keys=True) for body in bodies.values()}) == 1, bodies
    assert bodies["unknown user"]["error"]["message"] == "Invalid username or password."


def test_login_is_throttled_whatever_x_forwarded_for_claims(monkeypatch, staff_user):
    """Brute force from one address is throttled even if every request claims another
    client in X-Forwarded-For (NUM_PROXIES=0: the header is not trusted)."""
    monkeypatch.setattr(LoginRateThrottle, "rate", "3/min", raising=False)
    client = APIClient(REMOTE_ADDR="203.0.113.7")
    wrong = {"username": "staff", "password": "guess"}

    statuses = [
        client.post(LOGIN, wrong, format="json", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(5)
    ]

    assert statuses == [401, 401, 401, 429, 429]
    throttled = client.post(LOGIN, {"username": "staff", "password": PASSWORD}, format="json")
    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "throttled"
    assert int(throttled["Retry-After"]) > 0
