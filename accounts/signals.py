import logging

from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts import access
from accounts.authentication import local_user_forget, user_cache_key
from accounts.models import User
from accounts.services import user_sessions_revoke
from common import shared_cache

logger = logging.getLogger(__name__)


@receiver([post_save, post_delete], sender=User)
def forget_cached_user(sender, instance, **kwargs) -> None:
    key = user_cache_key(instance.pk)
    if not kwargs.get("created"):
        access.invalidate([instance.pk])  # the access row may have changed: exact at once
    local_user_forget(instance.pk)
    shared_cache.forget(key)  # now, for this transaction's own reads
    # and after commit, so a request cannot re-cache the old row in between
    transaction.on_commit(lambda: _forget(instance.pk, key), robust=True)


def _forget(user_id, key: str) -> None:
    local_user_forget(user_id)
    shared_cache.forget(key)


@receiver(post_save, sender=User)
def revoke_sessions_on_password_change(sender, instance, created, **kwargs) -> None:
    # Wherever the password changed (API, admin, `changepassword`): every refresh token
    # goes; set_password moved token_version, so older access tokens are refused.
    if getattr(instance, "_password_changed", False):
        instance._password_changed = False
        if not created:
            user_sessions_revoke(user=instance)


@receiver(user_login_failed)
def log_failed_login(sender, credentials, request=None, **kwargs) -> None:
    address = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    username = str(credentials.get("username", ""))[:150]
    logger.warning("Login failed for %r from %s", username, address or "?")
