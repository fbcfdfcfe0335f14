"""Writes on users and their sessions."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.models import Role, User
from accounts.tokens import VersionedRefreshToken
from common.exceptions import BusinessException, ValidationException

logger = logging.getLogger(__name__)


class LastAdmin(BusinessException):
    default_code = "last_admin"
    default_message = (
        "This is the last active administrator: make another user an administrator first."
    )


def user_create(*, username: str, password: str, **fields) -> User:
    user = User(username=username, **fields)
    validate_password(password, user)
    user.set_password(password)
    user.save()
    return user


def _check_not_last_admin(user: User) -> None:
    """Refuse taking away the last active admin (the row lock orders concurrent edits)."""
    admins = list(
        User.objects.select_for_update()
        .filter(role=Role.ADMIN, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if admins == [user.pk]:
        raise LastAdmin()


@transaction.atomic
def user_update(*, user: User, **fields: Any) -> User:
    """Change a user's fields; demoting or deactivating the last active admin is a 409."""
    before = User.objects.select_for_update().get(pk=user.pk)
    loses_admin = before.role == Role.ADMIN and before.is_active
    loses_admin = loses_admin and (
        fields.get("role", before.role) != Role.ADMIN or not fields.get("is_active", True)
    )
    if loses_admin:
        _check_not_last_admin(before)
    for name, value in fields.items():
        setattr(user, name, value)
    user.save()
    if not user.is_active:
        user_sessions_revoke(user=user)
    return user


def user_sessions_revoke(*, user: User) -> int:
    """Refuse every token the user holds: refresh tokens blacklisted, and the version
    moved, so access tokens issued before are refused too (accounts.authentication)."""
    User.objects.filter(pk=user.pk).update(token_version=F("token_version") + 1)
    user.token_version = User.objects.values_list("token_version", flat=True).get(pk=user.pk)
    outstanding = OutstandingToken.objects.filter(user=user).exclude(blacklistedtoken__isnull=False)
    revoked = [BlacklistedToken(token=token) for token in outstanding]
    BlacklistedToken.objects.bulk_create(revoked, ignore_conflicts=True)
    return len(revoked)


@transaction.atomic
def user_change_password(*, user: User, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password):
        raise ValidationException(
            "The current password is wrong.",
            details={"old_password": ["The current password is wrong."]},
        )
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationException(
            exc.messages[0], details={"new_password": list(exc.messages)}
        ) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])  # revokes the sessions (accounts.signals)


@transaction.atomic
def user_deactivate(*, user: User) -> User:
    """Users are never removed: invoices keep their owner. Deactivated users cannot log in."""
    return user_update(user=user, is_active=False)


@transaction.atomic
def session_logout(*, refresh: str) -> None:
    """Log the token's user out everywhere: every refresh token revoked, access tokens
    issued before refused."""
    try:
        token = VersionedRefreshToken(refresh)
        token.blacklist()
    except TokenError as exc:
        raise ValidationException(
            "The refresh token is invalid or already revoked.",
            details={"refresh": [str(exc)]},
        ) from exc
    user_id = str(token.payload.get("user_id", ""))
    user = User.objects.filter(pk=user_id).first() if user_id.isdigit() else None
    if user is not None:
        user_sessions_revoke(user=user)
