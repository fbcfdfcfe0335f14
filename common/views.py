"""Operational endpoints."""

import logging

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True
    except Exception:
        logger.warning("Health check: database unreachable", exc_info=True)
        return False


def _cache_ok() -> bool:
    try:
        cache.set("health-check", "ok", 5)
        return cache.get("health-check") == "ok"
    except Exception:
        logger.warning("Health check: cache unreachable", exc_info=True)
        return False


@never_cache
@require_GET
def health(request) -> JsonResponse:
    """200 when the database answers; 503 when it does not. Cache trouble only degrades."""
    database, cache_status = _database_ok(), _cache_ok()
    body = {
        "status": "ok" if database else "unavailable",
        "database": "ok" if database else "unavailable",
        "cache": "ok" if cache_status else "unavailable",
    }
    return JsonResponse(body, status=200 if database else 503)
