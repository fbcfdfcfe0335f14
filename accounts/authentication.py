from django.db import DEFAULT_DB_ALIAS
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication as _JWTAuthentication
from rest_framework_simplejwt.settings import api_settings

from accounts.models import User
from common import shared_cache

# Every column but the password hash (a cache is no place for it): a cached user loads
# it from the database only if a request reads it (change-password).
CACHED_FIELDS = [f.attname for f in User._meta.concrete_fields if f.attname != "password"]
CACHE_SECONDS = 300


def user_cache_key(user_id: object) -> str:
    return f"auth-user:v1:{user_id}"


class JWTAuthentication(_JWTAuthentication):
    """simplejwt's authentication, with the user's row cached between requests.

    The row is read at every request otherwise (docs/PERFORMANCE.md: ~18% of a list
    request). Saving or deleting a user drops the copy (accounts.signals), so
    deactivation and role changes apply at the next request; inactive users are
    refused (401) by the base class as before.
    """

    def get_user(self, validated_token):
        user_id = validated_token.get(api_settings.USER_ID_CLAIM)
        values = shared_cache.MISSING
        if user_id is not None:
            values = shared_cache.get(user_cache_key(user_id))
        if values is shared_cache.MISSING:
            user = super().get_user(validated_token)
            shared_cache.put(
                user_cache_key(user.pk),
                [getattr(user, name) for name in CACHED_FIELDS],
                CACHE_SECONDS,
            )
            return user
        user = User.from_db(DEFAULT_DB_ALIAS, CACHED_FIELDS, values)
        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            return super().get_user(validated_token)  # the base class refuses it
        return user


class JWTAuthenticationScheme(SimpleJWTScheme):
    """OpenAPI: our subclass is the same bearer JWT scheme as simplejwt's."""

    target_class = "accounts.authentication.JWTAuthentication"
