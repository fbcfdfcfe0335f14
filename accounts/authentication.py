import time

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


# Per process, for a very short time: the shared cache's copy of a user (saves the Redis
# round trip of most requests) and tokens already verified (signature and claims checked
# once per token; its expiry at every use). Neither decides access: the access row above
# is still read at every request, so revocations take effect at once. A save or delete of
# the user drops the process's copy (accounts.signals); other workers keep theirs at most
# LOCAL_USER_SECONDS, for the columns that decide nothing (names, e-mail).
LOCAL_USER_SECONDS = 2.0
_LOCAL_MAX = 4096
_local_users: dict[object, tuple[float, list]] = {}
_verified_tokens: dict[tuple[bytes, object], tuple[float, object]] = {}


def local_user_forget(user_id: object) -> None:
    _local_users.pop(str(user_id), None)


def local_caches_clear() -> None:
    _local_users.clear()
    _verified_tokens.clear()


def _remember(store: dict, key: object, value: tuple) -> None:
    if len(store) >= _LOCAL_MAX:
        store.clear()
    store[key] = value


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

    def get_validated_token(self, raw_token):
        key = (bytes(raw_token), api_settings.SIGNING_KEY)
        found = _verified_tokens.get(key)
        if found is not None and time.time() < found[0]:
            return found[1]
        token = super().get_validated_token(raw_token)
        expires = token.payload.get("exp")
        if isinstance(expires, int | float):  # kept until its expiry, never beyond
            _remember(_verified_tokens, key, (float(expires), token))
        return token

    def get_user(self, validated_token):
        user_id = validated_token.get(api_settings.USER_ID_CLAIM)
        values = shared_cache.MISSING
        if user_id is not None:
            local = _local_users.get(str(user_id))
            if local is not None and time.monotonic() < local[0] and shared_cache.enabled():
                values = local[1]
            else:
                values = shared_cache.get(user_cache_key(user_id))
                if values is not shared_cache.MISSING:
                    _remember(
                        _local_users,
                        str(user_id),
                        (time.monotonic() + LOCAL_USER_SECONDS, values),
                    )
        if values is not shared_cache.MISSING:
            user = User.from_db(DEFAULT_DB_ALIAS, CACHED_FIELDS, values)
            access = _access_row_of(user_id)
            if access is None or not access[1]:
                return super().get_user(validated_token)  # user_not_found, user_inactive
            if tuple(getattr(user, name) for name in _ACCESS_FIELDS) == tuple(access):
                _check_version(validated_token, user)
                return user
            local_user_forget(user_id)
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
