"""Operational endpoints."""

import hmac
import ipaddress
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_prometheus.exports import ExportToDjangoView

from common.handlers import envelope

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


def _metrics_allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    address = request.META.get("REMOTE_ADDR", "")
    try:
        client = ipaddress.ip_address(address)
    except ValueError:
        return False
    for allowed in settings.METRICS_ALLOWED_IPS:
        try:
            if client in ipaddress.ip_network(allowed, strict=False):
                return True
        except ValueError:
            logger.warning("METRICS_ALLOWED_IPS: %r is no address or network", allowed)
    return False


@never_cache
@require_GET
def metrics(request) -> HttpResponse:
    """Prometheus metrics, only with METRICS_TOKEN or from METRICS_ALLOWED_IPS (else 404,
    as if there were none)."""
    if not _metrics_allowed(request):
        return JsonResponse(envelope("not_found", "Not found."), status=404)
    return ExportToDjangoView(request)
