from django.db import DEFAULT_DB_ALIAS, connection
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication as _JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed
from rest_framework_simplejwt.settings import api_settings

from accounts.models import User
from accounts.tokens import token_version_of
from common import shared_cache
from common.filters import MAX_ID

# Every column but the password hash (a cache is no place for it): a cached user loads
# it from the database only if a request reads it (change-password).
CACHED_FIELDS = [f.attname for f in User._meta.concrete_fields if f.attname != "password"]
CACHE_SECONDS = 300
# What decides access, read from the database at every request (one indexed row, no
# model): a cached copy is used only while it agrees, so a deactivation, demotion,
# password change or logout takes effect at once on every worker, even when dropping
# the cached copy failed (Redis down or hung at that moment).
_ACCESS_SQL = "SELECT token_version, is_active, role FROM {table} WHERE {pk} = %s"
_ACCESS_FIELDS = ("token_version", "is_active", "role")


def user_cache_key(user_id: object) -> str:
    return f"auth-user:v2:{user_id}"


class TokenRevoked(AuthenticationFailed):
    default_detail = "The token was revoked (logout or password change); log in again."
    default_code = "token_revoked"


def _access_row(user_id: object):
    sql = _ACCESS_SQL.format(
        table=connection.ops.quote_name(User._meta.db_table),
        pk=connection.ops.quote_name(User._meta.pk.column),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id])
        return cursor.fetchone()


class JWTAuthentication(_JWTAuthentication):
    """simplejwt's authentication, with the user's row cached between requests.

    The row is read at every request otherwise (docs/PERFORMANCE.md: ~18% of a list
    request); with a cached copy only the three columns that decide access are (see
    `_ACCESS_SQL`), and the copy is used only while they agree. Saving or deleting a
    user drops the copy too (accounts.signals); inactive users are refused (401) by the
    base class as before, tokens of an older `token_version` with 401 `token_revoked`.
    """

    def get_user(self, validated_token):
        user_id = validated_token.get(api_settings.USER_ID_CLAIM)
        values = shared_cache.MISSING
        if user_id is not None:
            values = shared_cache.get(user_cache_key(user_id))
        if values is not shared_cache.MISSING:
            user = User.from_db(DEFAULT_DB_ALIAS, CACHED_FIELDS, values)
            access = _access_row_of(user_id)
            if access is None or not access[1]:
                return super().get_user(validated_token)  # user_not_found, user_inactive
            if tuple(getattr(user, name) for name in _ACCESS_FIELDS) == tuple(access):
                _check_version(validated_token, user)
                return user
            shared_cache.forget(user_cache_key(user_id))  # stale: read the row anew
        user = super().get_user(validated_token)
        _check_version(validated_token, user)
        shared_cache.put(
            user_cache_key(user.pk), [getattr(user, name) for name in CACHED_FIELDS], CACHE_SECONDS
        )
        return user


def _check_version(token, user: User) -> None:
    if token_version_of(token) < user.token_version:
        raise TokenRevoked()


def _access_row_of(user_id: object):
    try:
        pk = int(str(user_id), 10) if str(user_id).isascii() else None
    except ValueError:
        pk = None
    return _access_row(pk) if pk is not None and 0 < pk <= MAX_ID else None


class JWTAuthenticationScheme(SimpleJWTScheme):
    """OpenAPI: our subclass is the same bearer JWT scheme as simplejwt's."""

    target_class = "accounts.authentication.JWTAuthentication"
