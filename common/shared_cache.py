"""Cross-request copies of database rows, kept only in a cache every process shares.

A per-process cache (LocMemCache) cannot be invalidated from the other workers, so a
copy kept there could serve a deactivated user or an old seller address: with it,
`enabled()` is false and every read goes to the database. With Redis the copies are
dropped on save (after commit) and expire on their own as a safety net. A cache
outage is logged and read through, never an error.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

_PER_PROCESS = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)
MISSING = object()


def enabled() -> bool:
    return settings.CACHES["default"]["BACKEND"] not in _PER_PROCESS


def get(key: str) -> Any:
    """The cached value, or MISSING (also when caching is off or the cache is down)."""
    if not enabled():
        return MISSING
    try:
        return cache.get(key, MISSING)
    except Exception:
        logger.warning("Cache unavailable; read from the database", exc_info=True)
        return MISSING


def get_many(keys: list[str]) -> dict[str, Any]:
    """The cached values found (none when caching is off or the cache is down)."""
    if not enabled():
        return {}
    try:
        return cache.get_many(keys)
    except Exception:
        logger.warning("Cache unavailable; read from the database", exc_info=True)
        return {}


def put(key: str, value: Any, timeout: int) -> None:
    if not enabled():
        return
    try:
        cache.set(key, value, timeout)
    except Exception:
        logger.warning("Cache unavailable; %s not cached", key, exc_info=True)


def forget(*keys: str) -> None:
    if not enabled():
        return
    try:
        cache.delete_many(keys)
    except Exception:
        logger.warning("Cache unavailable; %s not dropped", keys, exc_info=True)
