"""Redis faults degrade quickly: short timeouts, no retries, and a circuit breaker.

A hung Redis (it accepts connections and never answers) costs every call its socket
timeout, and a stopped one a refused connection per call: a list request makes several
cache calls, so either adds up. After one failure the breaker of that use (`cache`,
`broker`) stays open for `REDIS_BREAKER_SECONDS`: calls fail at once, without touching
the network, and the callers' fallbacks run (read from the database, a per-process
throttle, work recorded in the database for the beat). When the time is up, the next
call tries Redis again; a success closes the breaker, a failure opens it anew.

The breaker is per process: each gunicorn or Celery worker finds out for itself, at the
cost of one timeout.
"""

from __future__ import annotations

import logging
import threading
import time

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

_ERRORS = (redis.ConnectionError, redis.TimeoutError, OSError)


class CircuitOpen(redis.ConnectionError):
    """Raised instead of calling Redis while its breaker is open."""


class Breaker:
    def __init__(self, name: str) -> None:
        self.name = name
        self._open_until = 0.0
        self._lock = threading.Lock()

    @staticmethod
    def seconds() -> float:
        return float(getattr(settings, "REDIS_BREAKER_SECONDS", 5))

    def is_open(self) -> bool:
        return time.monotonic() < self._open_until

    def trip(self, error: BaseException | None = None) -> None:
        with self._lock:
            was_open = self.is_open()
            self._open_until = time.monotonic() + self.seconds()
        if not was_open:
            logger.warning(
                "Redis (%s) failed (%s); not tried again for %s s",
                self.name,
                error,
                self.seconds(),
            )

    def close(self) -> None:
        self._open_until = 0.0

    def check(self) -> None:
        if self.is_open():
            raise CircuitOpen(f"Redis ({self.name}) circuit open")


cache_breaker = Breaker("cache")
broker_breaker = Breaker("broker")


class GuardedConnection(redis.Connection):
    """redis-py's connection behind `cache_breaker` (django-redis's pools use it)."""

    breaker = cache_breaker

    def connect(self):
        self.breaker.check()
        try:
            return super().connect()
        except _ERRORS as exc:
            self.breaker.trip(exc)
            raise

    def send_packed_command(self, command, check_health=True):
        if self.breaker.is_open():
            self.disconnect()
            raise CircuitOpen(f"Redis ({self.breaker.name}) circuit open")
        try:
            return super().send_packed_command(command, check_health)
        except _ERRORS as exc:
            self.breaker.trip(exc)
            raise

    def read_response(self, *args, **kwargs):
        try:
            return super().read_response(*args, **kwargs)
        except _ERRORS as exc:
            self.breaker.trip(exc)
            raise


def cache_pool_kwargs() -> dict:
    """django-redis CONNECTION_POOL_KWARGS: the guarded connection, never a retry."""
    return {
        "connection_class": GuardedConnection,
        "retry": redis.retry.Retry(redis.backoff.NoBackoff(), 0),
        "retry_on_timeout": False,
        "health_check_interval": 0,
    }
