"""The per-process copies `accounts.authentication` keeps (verified tokens, the shared
cache's user copy) never outlive what they copy: a token is verified again once it
expires, and a save of the user is seen at the next request of the same process."""

from __future__ import annotations

import os

import pytest
from rest_framework_simplejwt.authentication import JWTAuthentication as SimpleJWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.tokens import AccessToken

from accounts import authentication

pytestmark = pytest.mark.django_db
ME = "/api/auth/me/"


@pytest.fixture(autouse=True)
def _fresh_local_caches():
    authentication.local_caches_clear()
    yield
    authentication.local_caches_clear()


def test_a_verified_token_is_verified_again_once_it_expires(monkeypatch, client_for, staff_user):
    client = client_for(staff_user)
    assert client.get(ME).status_code == 200  # verified once, kept until its expiry

    token = AccessToken(client._credentials["HTTP_AUTHORIZATION"].split()[1])
    monkeypatch.setattr(authentication.time, "time", lambda: float(token["exp"]) + 1)

    def refuse(self, raw_token):
        raise InvalidToken("expired")

    monkeypatch.setattr(SimpleJWTAuthentication, "get_validated_token", refuse)
    assert client.get(ME).status_code == 401


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs the shared cache")
@pytest.mark.redis
def test_a_saved_user_is_read_anew_at_the_next_request(staff_client, staff_user):
    assert staff_client.get(ME).json()["email"] == staff_user.email

    staff_user.email = "renamed@example.com"
    staff_user.save()

    assert staff_client.get(ME).json()["email"] == "renamed@example.com"
