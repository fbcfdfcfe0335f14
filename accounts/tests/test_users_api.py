"""User management: admins only; DELETE deactivates, never removes."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import Role, User
from common.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

USERS = "/api/users/"
USER_KEYS = {
    "id",
    "username",
    "email",
    "first_name",
    "last_name",
    "role",
    "is_active",
    "date_joined",
    "last_login",
}


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    return body["error"]


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", USERS, None),
        ("post", USERS, {"username": "new", "password": "a-long-passphrase-99"}),
        ("get", "{detail}", None),
        ("put", "{detail}", {"username": "renamed"}),
        ("patch", "{detail}", {"role": "admin"}),
        ("delete", "{detail}", None),
    ],
)
def test_staff_gets_403_on_every_users_endpoint(staff_client, staff_user, method, path, data):
    target = UserFactory(username="target")
    url = path.format(detail=f"{USERS}{target.id}/")

    response = getattr(staff_client, method)(url, data, format="json")

    _error(response, 403, "permission_denied")
    target.refresh_from_db()
    assert (target.username, target.role, target.is_active) == ("target", Role.STAFF, True)
    assert User.objects.count() == 2


def test_staff_cannot_promote_themselves(staff_client, staff_user):
    _error(
        staff_client.patch(f"{USERS}{staff_user.id}/", {"role": "admin"}, format="json"),
        403,
        "permission_denied",
    )

    staff_user.refresh_from_db()
    assert staff_user.role == Role.STAFF


def test_anonymous_gets_401_on_users(api_client, db):
    _error(api_client.get(USERS), 401, "not_authenticated")


def test_admin_lists_users_paginated(admin_client, admin_user, staff_user, other_staff):
    response = admin_client.get(USERS)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 3
    assert [row["username"] for row in body["results"]] == ["admin", "staff", "other"]
    assert set(body["results"][0]) == USER_KEYS
    assert "password" not in body["results"][0]


def test_admin_filters_users_by_role(admin_client, admin_user, staff_user, other_staff):
    response = admin_client.get(USERS, {"role": "staff"})

    assert response.status_code == 200
    assert sorted(row["username"] for row in response.json()["results"]) == ["other", "staff"]


def test_admin_creates_a_user_who_can_log_in(admin_client, admin_user):
    response = admin_client.post(
        USERS,
        {
            "username": "newbie",
            "email": "newbie@example.com",
            "role": "staff",
            "password": "a-long-passphrase-99",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == USER_KEYS
    assert (body["username"], body["role"], body["is_active"]) == ("newbie", "staff", True)
    user = User.objects.get(username="newbie")
    assert user.check_password("a-long-passphrase-99")
    assert user.password != "a-long-passphrase-99"
    login = APIClient().post(
        "/api/auth/login/",
        {"username": "newbie", "password": "a-long-passphrase-99"},
        format="json",
    )
    assert login.status_code == 200


def test_admin_creating_an_admin_makes_a_superuser(admin_client, admin_user):
    response = admin_client.post(
        USERS,
        {"username": "boss", "role": "admin", "password": "a-long-passphrase-99"},
        format="json",
    )

    assert response.status_code == 201
    boss = User.objects.get(username="boss")
    assert (boss.role, boss.is_superuser, boss.is_staff) == (Role.ADMIN, True, True)


def test_create_user_with_weak_password_names_the_password_field(admin_client, admin_user):
    response = admin_client.post(USERS, {"username": "weak", "password": "123"}, format="json")

    error = _error(response, 400, "validation_error")
    assert list(error["details"]) == ["password"]
    assert User.objects.filter(username="weak").count() == 0


def test_create_user_with_duplicate_username_is_400(admin_client, admin_user, staff_user):
    response = admin_client.post(
        USERS, {"username": "staff", "password": "a-long-passphrase-99"}, format="json"
    )

    error = _error(response, 400, "validation_error")
    assert list(error["details"]) == ["username"]
    assert User.objects.filter(username="staff").count() == 1


def test_create_user_with_unknown_role_is_400(admin_client, admin_user):
    response = admin_client.post(
        USERS, {"username": "x", "role": "owner", "password": "a-long-passphrase-99"}, format="json"
    )

    assert list(_error(response, 400, "validation_error")["details"]) == ["role"]


def test_admin_retrieves_and_updates_a_user(admin_client, admin_user, staff_user):
    url = f"{USERS}{staff_user.id}/"

    assert admin_client.get(url).json()["username"] == "staff"
    response = admin_client.patch(url, {"first_name": "Sam", "role": "admin"}, format="json")

    assert response.status_code == 200
    assert (response.json()["first_name"], response.json()["role"]) == ("Sam", "admin")
    staff_user.refresh_from_db()
    assert (staff_user.first_name, staff_user.is_superuser) == ("Sam", True)


def test_admin_put_replaces_a_user(admin_client, admin_user, staff_user):
    response = admin_client.put(
        f"{USERS}{staff_user.id}/",
        {
            "username": "staff2",
            "email": "s2@example.com",
            "first_name": "S",
            "last_name": "Two",
            "role": "staff",
            "is_active": True,
        },
        format="json",
    )

    assert response.status_code == 200
    staff_user.refresh_from_db()
    assert (staff_user.username, staff_user.last_name) == ("staff2", "Two")


def test_admin_delete_deactivates_and_keeps_the_row(admin_client, admin_user, staff_user):
    refresh = str(RefreshToken.for_user(staff_user))
    access = str(RefreshToken.for_user(staff_user).access_token)

    response = admin_client.delete(f"{USERS}{staff_user.id}/")

    assert response.status_code == 204
    staff_user.refresh_from_db()
    assert staff_user.is_active is False
    assert User.objects.filter(pk=staff_user.pk).count() == 1
    anon = APIClient()
    assert (
        anon.post(
            "/api/auth/login/", {"username": "staff", "password": PASSWORD}, format="json"
        ).status_code
        == 401
    )
    _error(
        anon.post("/api/auth/refresh/", {"refresh": refresh}, format="json"), 401, "token_not_valid"
    )
    anon.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    _error(anon.get("/api/auth/me/"), 401, "user_inactive")
    # Still listed for admins, marked inactive.
    listed = admin_client.get(USERS, {"is_active": "false"}).json()
    assert [row["username"] for row in listed["results"]] == ["staff"]


def test_patch_is_active_false_revokes_sessions(admin_client, admin_user, staff_user):
    refresh = str(RefreshToken.for_user(staff_user))

    response = admin_client.patch(f"{USERS}{staff_user.id}/", {"is_active": False}, format="json")

    assert response.status_code == 200
    _error(
        APIClient().post("/api/auth/refresh/", {"refresh": refresh}, format="json"),
        401,
        "token_not_valid",
    )


def test_unknown_user_id_is_404(admin_client, admin_user):
    _error(admin_client.get(f"{USERS}999999/"), 404, "not_found")
    _error(admin_client.delete(f"{USERS}999999/"), 404, "not_found")
