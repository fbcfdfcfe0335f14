import time

from django.db import DEFAULT_DB_ALIAS
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication as _JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed
from rest_framework_simplejwt.settings import api_settings

from accounts import access
from accounts.models import User
from accounts.tokens import token_version_of
from common import shared_cache
from common.throttling import PREFETCHED_ATTR

# Every column but the password hash (a cache is no place for it): a cached user loads
# it from the database only if a request reads it (change-password).
CACHED_FIELDS = [f.attname for f in User._meta.concrete_fields if f.attname != "password"]
CACHE_SECONDS = 300


def user_cache_key(user_id: object) -> str:
    return f"auth-user:v2:{user_id}"


# Per process, for a very short time: the shared cache's copy of a user (saves reading
# it from Redis at most requests) and tokens already verified (signature and claims
# checked once per token; its expiry at every use). Neither decides access: the access
# row (accounts.access: kept exact in Redis, else read from the database) is read at
# every request, and a copy is used only while it agrees, so revocations apply at once.
# A save or delete of the user drops the process's copy (accounts.signals); other workers
# keep theirs at most LOCAL_USER_SECONDS, for the columns that decide nothing (names).
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


class JWTAuthentication(_JWTAuthentication):
    """simplejwt's authentication, with the user's row cached between requests.

    The row is read at every request otherwise (docs/PERFORMANCE.md: ~18% of a list
    request); with a cached copy only the access row (accounts.access: the three columns
    that decide access, from Redis, kept exact) is read, and the copy is used only while
    they agree. Saving or deleting a
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

    def authenticate(self, request):
        # What a Redis round trip of this request already read (common.conditional's
        # one-round-trip revalidation): {key: value or None} of the keys it asked for.
        self._prefetched = getattr(request, PREFETCHED_ATTR, None)
        return super().authenticate(request)

    def get_user(self, validated_token):
        user_id = validated_token.get(api_settings.USER_ID_CLAIM)
        pk = access.user_pk(user_id) if user_id is not None else None
        if pk is None:
            return super().get_user(validated_token)  # its own answer (user_not_found)
        local = _local_copy(pk)
        found = self._cached(pk, has_local=local is not None)
        values = local if local is not None else _shared_copy(pk, found)
        if values is not None:  # a copy: used if the access row agrees (no copy: the row)
            row = access.access_row(pk, found)
            if row is None or not row[1]:
                return super().get_user(validated_token)  # user_not_found, user_inactive
            user = User.from_db(DEFAULT_DB_ALIAS, CACHED_FIELDS, values)
            if tuple(getattr(user, name) for name in access.FIELDS) == row:
                _check_version(validated_token, user)
                return user
            local_user_forget(pk)
            shared_cache.forget(user_cache_key(pk))  # stale: read the row anew
        user = super().get_user(validated_token)
        _check_version(validated_token, user)
        shared_cache.put(
            user_cache_key(user.pk), [getattr(user, name) for name in CACHED_FIELDS], CACHE_SECONDS
        )
        return user

    def _cached(self, pk: int, *, has_local: bool) -> dict | None:
        """{key: value or None} for the access row and the user's copy: prefetched, or
        read in one round trip; None without a usable shared cache."""
        found = getattr(self, "_prefetched", None)
        if found is not None and access.cache_key(pk) in found:
            return found
        if not access.cache_usable():
            return None
        keys = prefetch_keys(pk, local=has_local)
        got = shared_cache.get_many(keys)
        return {key: got.get(key) for key in keys}


def _local_copy(pk: int) -> list | None:
    local = _local_users.get(str(pk))
    if local is None or time.monotonic() >= local[0] or not shared_cache.enabled():
        return None
    return local[1]


def _shared_copy(pk: int, found: dict | None) -> list | None:
    key = user_cache_key(pk)
    if found is not None and key in found:
        value = found[key]
    else:
        value = shared_cache.get(key)
        value = None if value is shared_cache.MISSING else value
    if value is not None:
        _remember(_local_users, str(pk), (time.monotonic() + LOCAL_USER_SECONDS, value))
    return value


def prefetch_keys(pk: int, *, local: bool = False) -> list[str]:
    """The cache keys authentication reads: the access row, and the user's copy unless
    this process holds a fresh one."""
    if local:
        return [access.cache_key(pk)]
    return [access.cache_key(pk), user_cache_key(pk)]


def has_local_copy(pk: int) -> bool:
    return _local_copy(pk) is not None


class ClaimedUser:
    """A stand-in with the token's user id, for what keys on it before authentication
    has run (the user throttle's window); never a request's user."""

    is_authenticated = True

    def __init__(self, pk: int) -> None:
        self.pk = self.id = pk


def claimed_user(pk: int) -> ClaimedUser:
    return ClaimedUser(pk)


def claimed_user_id(request) -> int | None:
    """The user id the request's bearer token names, the token verified (signature,
    expiry, type; verified tokens are kept in-process: no I/O), when this class is the
    request's only authenticator; else None. Decides nothing: authentication still runs."""
    authenticators = getattr(request, "authenticators", ())
    if len(authenticators) != 1 or type(authenticators[0]) is not JWTAuthentication:
        return None
    authenticator = authenticators[0]
    header = authenticator.get_header(request)
    try:
        raw = authenticator.get_raw_token(header) if header is not None else None
        token = authenticator.get_validated_token(raw) if raw is not None else None
    except AuthenticationFailed:  # a malformed header or a bad token: DRF's own answer
        return None
    if token is None:
        return None
    return access.user_pk(token.get(api_settings.USER_ID_CLAIM))


def _check_version(token, user: User) -> None:
    if token_version_of(token) < user.token_version:
        raise TokenRevoked()


class JWTAuthenticationScheme(SimpleJWTScheme):
    """OpenAPI: our subclass is the same bearer JWT scheme as simplejwt's."""

    target_class = "accounts.authentication.JWTAuthentication"
