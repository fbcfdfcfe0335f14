"""Writes on users and their sessions."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User
from common.exceptions import ValidationException


def user_create(*, username: str, password: str, **fields) -> User:
    user = User(username=username, **fields)
    validate_password(password, user)
    user.set_password(password)
    user.save()
    return user


def user_sessions_revoke(*, user: User) -> int:
    """Blacklist every refresh token the user still holds (password change, deactivation)."""
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
    user.save(update_fields=["password"])
    user_sessions_revoke(user=user)


@transaction.atomic
def user_deactivate(*, user: User) -> User:
    """Users are never removed: invoices keep their owner. Deactivated users cannot log in."""
    user.is_active = False
    user.save(update_fields=["is_active"])
    user_sessions_revoke(user=user)
    return user


def session_logout(*, refresh: str) -> None:
    try:
        RefreshToken(refresh).blacklist()
    except TokenError as exc:
        raise ValidationException(
            "The refresh token is invalid or already revoked.",
            details={"refresh": [str(exc)]},
        ) from exc
