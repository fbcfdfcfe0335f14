"""The access row (`token_version`, `is_active`, `role`: what decides whether a token
is still good and what its user may do), kept in the shared cache (Redis) so a request
that needs nothing else from the database makes no query at all.

Exact, not eventually right: every write of those columns invalidates the copy
(accounts.signals for saves and deletes, `UserQuerySet.update`/`bulk_update` for queryset
writes: logout, password change, deactivation, role change all go through one of them).
The invalidation marks the key invalid inside the writing transaction (a tombstone:
readers go to the database and keep nothing) and deletes it once committed, before the
writer's answer leaves, so the very next request on any worker reads the new row.

A reader that misses takes a lease first (`SET NX` of a marker), reads the row, and keeps
it only if its lease is still there (compare-and-set): a write committed meanwhile
replaced the lease with a tombstone or deleted it, so an old row read before that commit
is never kept. Without Redis (a per-process cache, the breaker open, an error) the row
is read from the database at every request, as before.

If Redis became unreachable exactly while a write invalidated (tombstone and delete both
failed), a copy kept before may outlive the write by at most `CACHE_SECONDS`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db import connection, transaction
from django_redis.cache import RedisCache

from common.filters import MAX_ID
from common.redis_guard import cache_breaker

logger = logging.getLogger(__name__)

FIELDS = ("token_version", "is_active", "role")
CACHE_SECONDS = 300
# A tombstone outlives any transaction that sets it (it is deleted at commit anyway).
TOMBSTONE_SECONDS = 120
LEASE_MS = 5000
_ROW, _LEASE, _TOMBSTONE = "row", "lease", "tombstone"
_SQL = "SELECT token_version, is_active, role FROM {table} WHERE {pk} = %s"
# Keep the row only if this reader's lease is still the key's value.
_KEEP_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', tonumber(ARGV[3]))
  return 1
end
return 0
"""


def cache_key(user_id: object) -> str:
    return f"auth-access:v1:{user_id}"


def user_pk(user_id: object) -> int | None:
    """A token's user claim as a row id, or None (never a query for garbage)."""
    text = str(user_id)
    if not (text.isascii() and text.isdigit()):
        return None
    pk = int(text)
    return pk if 0 < pk <= MAX_ID else None


def _redis() -> RedisCache | None:
    """The shared Redis cache, or None: leases need Redis itself (a per-process cache
    could not be invalidated from the other workers)."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache) or cache_breaker.is_open():
        return None
    return backend


def cache_usable() -> bool:
    """Whether the access row may come from the shared cache now (not inside a
    transaction: it may see its own uncommitted rows)."""
    return _redis() is not None and not connection.in_atomic_block


def row_from(value: Any) -> tuple | None:
    """The access row in a cached value, or None (missing, a lease, a tombstone)."""
    if isinstance(value, tuple) and len(value) == 4 and value[0] == _ROW:
        return tuple(value[1:])
    return None


def _read_row(pk: int) -> tuple | None:
    # The model by name: accounts.models imports this module for its invalidation.
    User = get_user_model()
    sql = _SQL.format(
        table=connection.ops.quote_name(User._meta.db_table),
        pk=connection.ops.quote_name(User._meta.pk.column),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        row = cursor.fetchone()
    return tuple(row) if row is not None else None


def access_row(user_id: object, prefetched: Mapping[str, Any] | None = None) -> tuple | None:
    """(token_version, is_active, role) of the user, None when there is no such user.

    `prefetched`: what a Redis round trip of this request already read
    ({key: value} of the keys found; a key it asked for and did not find is a miss)."""
    pk = user_pk(user_id)
    if pk is None:
        return None
    key = cache_key(pk)
    backend = _redis()
    if backend is None or connection.in_atomic_block:
        return _read_row(pk)
    try:
        value = prefetched.get(key) if prefetched is not None else backend.get(key)
        row = row_from(value)
        if row is not None:
            return row
        if value is not None:  # another reader's lease, or a write in progress
            return _read_row(pk)
        lease = (_LEASE, uuid.uuid4().hex)
        if not backend.set(key, lease, timeout=LEASE_MS / 1000, nx=True):
            return _read_row(pk)
    except Exception:
        logger.warning("Cache unavailable; access read from the database", exc_info=True)
        return _read_row(pk)
    row = _read_row(pk)
    if row is not None:
        _keep(backend, key, lease, row)
    return row


def _keep(backend: RedisCache, key: str, lease: tuple, row: tuple) -> None:
    try:
        client = backend.client.get_client(write=True)
        client.eval(
            _KEEP_LUA,
            1,
            backend.make_and_validate_key(key),
            backend.client.encode(lease),
            backend.client.encode((_ROW, *row)),
            CACHE_SECONDS,
        )
    except Exception:
        logger.warning("Cache unavailable; access row not kept", exc_info=True)


def invalidate(user_ids: Iterable[object]) -> None:
    """Call inside the transaction that writes the users' access columns (or right after
    an autocommitted write): a tombstone now, the key deleted once committed."""
    keys = [cache_key(pk) for pk in user_ids]
    if not keys:
        return
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return  # nothing kept: access is read from the database
    try:
        backend.set_many({key: (_TOMBSTONE,) for key in keys}, timeout=TOMBSTONE_SECONDS)
    except Exception:
        logger.warning("Cache unavailable; access tombstones not set", exc_info=True)
    transaction.on_commit(lambda: _delete(backend, keys), robust=True)


def _delete(backend: RedisCache, keys: list[str]) -> None:
    try:
        backend.delete_many(keys)
    except Exception:  # the tombstones stay until they expire: readers use the database
        logger.warning("Cache unavailable; access keys not deleted", exc_info=True)
