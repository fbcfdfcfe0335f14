"""Page counts kept in the shared cache until a counted table changes.

A list page costs one COUNT over every row the user may see: it grows with the
data (an index-only scan of 100,000 entries takes several times the page itself),
while the rows of the page do not. The count is kept per query (its SQL) with the
version it was taken under; every committed save or delete of a registered model
replaces the version, so a changed table is recounted at the next request; a day's
change (overdue filters) starts a new key, and entries expire after COUNT_SECONDS
whatever happens. Reads inside a transaction (which may see their own uncommitted
rows) always count.
"""

from __future__ import annotations

import hashlib
import uuid

from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.functional import cached_property

from common import shared_cache

VERSION_KEY = "list-counts:version"
COUNT_SECONDS = 300
# Expiring starts a new version: the counts are taken again, nothing goes wrong.
VERSION_SECONDS = 24 * 3600


def _new_version() -> None:
    shared_cache.put(VERSION_KEY, uuid.uuid4().hex, VERSION_SECONDS)


def _bump(**kwargs) -> None:
    # After commit (at once outside a transaction): until then other requests rightly
    # count the old rows, and reads inside the writing transaction skip the cache.
    transaction.on_commit(_new_version, robust=True)


def tables_changed() -> None:
    """For writes that send no signal (a queryset update()): recount after commit, and
    drop the list ETags remembered under the version (common.conditional)."""
    _bump()


_CACHED_MODELS: set[type] = set()


def cache_counts_of(model, *, changing_with=()) -> None:
    """Cache the page counts of `model`'s lists; saves and deletes of it and of the
    models its lists filter on (`changing_with`) start a new version. Only for models
    written through save() and delete(): a queryset update() sends no signal."""
    _CACHED_MODELS.add(model)
    for changing in (model, *changing_with):
        uid = f"list-counts-{model._meta.label}-{changing._meta.label}"
        post_save.connect(_bump, sender=changing, dispatch_uid=f"{uid}-save")
        post_delete.connect(_bump, sender=changing, dispatch_uid=f"{uid}-delete")


class CachedCountPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        cacheable = getattr(queryset, "model", None) in _CACHED_MODELS
        # Inside a transaction a request may see its own uncommitted rows: count them.
        if not cacheable or not shared_cache.enabled() or connection.in_atomic_block:
            return super().count
        sql, params = queryset.query.sql_with_params()
        text = f"{queryset.db}|{timezone.localdate()}|{sql}|{params!r}"
        key = f"list-counts:{hashlib.sha256(text.encode()).hexdigest()}"
        # One round trip: the current version, and this query's count with the version
        # it was taken under (valid only if that is still the current one).
        found = shared_cache.get_many([VERSION_KEY, key])
        version = found.get(VERSION_KEY)
        if version is None:
            version = uuid.uuid4().hex
            shared_cache.put(VERSION_KEY, version, VERSION_SECONDS)
        taken = found.get(key)
        if taken is not None and taken[0] == version:
            return taken[1]
        count = super().count
        shared_cache.put(key, (version, count), COUNT_SECONDS)
        return count
