"""Throttles that degrade, never open: a cache outage must neither take the API down
nor lift the limits.

With the shared cache unreachable (or its circuit breaker open, common.redis_guard),
each process counts on its own, at the same rate: a client spread over N workers gets at
most N times its budget for the length of the outage, never an unlimited one.
"""

import hashlib
import logging
import unicodedata
import uuid

from django.core.cache import cache as default_cache
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django_redis.cache import RedisCache
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from common.redis_guard import cache_breaker

logger = logging.getLogger(__name__)

# The per-process windows used while the shared cache is out of reach.
_IN_PROCESS = LocMemCache("throttle-fallback", {"OPTIONS": {"MAX_ENTRIES": 20_000}})


def in_process_throttles_reset() -> None:
    _IN_PROCESS.clear()


# The window's whole update, atomic and one round trip (EVALSHA): drop what left the
# window, add this request, count; a refused request is taken out again. Answers the
# count with this request and the oldest entry's time (what DRF's wait() needs).
_WINDOW_LUA = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[3])
local count = redis.call('ZCARD', KEYS[1])
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]) + 1)
if count > tonumber(ARGV[4]) then
  redis.call('ZREM', KEYS[1], ARGV[3])
end
if #KEYS > 1 then
  return {count, oldest[2], redis.call('MGET', unpack(KEYS, 2))}
end
return {count, oldest[2]}
"""
# Cache keys a view will read once the throttle passed (`request.cache_prefetch`, plain
# keys as for Django's cache): read by the same script, in the same round trip, and left
# in `request.cache_prefetched` ({key: value}, None for a key not found).
PREFETCH_ATTR = "cache_prefetch"
PREFETCHED_ATTR = "cache_prefetched"
_scripts: dict[int, object] = {}


def _window_script(client):
    """redis-py's Script (EVALSHA, loaded again after a NOSCRIPT), one per client."""
    script = _scripts.get(id(client))
    if script is None or script.registered_client is not client:
        script = _scripts[id(client)] = client.register_script(_WINDOW_LUA)
    return script


class _ResilientMixin:
    """DRF's sliding window, kept in a Redis sorted set when the cache is our Redis.

    DRF stores each client's whole history as one pickled list, read and written back
    at every request (up to 2,000 timestamps at the default user rate): on Redis, one
    script (one round trip) adds the request, drops what left the window and counts,
    whatever the rate. Same rules: a request is refused when the window already holds
    `num_requests`, and a refused request does not count. Other caches use DRF's way.
    """

    def allow_request(self, request, view) -> bool:
        # `cache` is Django's default-cache proxy unless a subclass (or test) sets another
        backend = caches["default"] if self.cache is default_cache else self.cache
        redis = isinstance(backend, RedisCache)
        if not (redis and cache_breaker.is_open()):
            try:
                if redis and self.rate is not None:
                    return self._allow_in_redis(backend, request, view)
                return super().allow_request(request, view)
            except Exception:  # the cache is down: count in this process instead
                logger.warning("Throttle cache unavailable; per-process limit", exc_info=True)
        self.cache = _IN_PROCESS
        return super().allow_request(request, view)

    def _allow_in_redis(self, backend, request, view) -> bool:
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        key = backend.make_and_validate_key(self.key)
        client = backend.client.get_client(write=True)
        self.now = self.timer()
        member = f"{self.now!r}:{uuid.uuid4().hex}"
        wanted = getattr(request, PREFETCH_ATTR, None) or []
        setattr(request, PREFETCH_ATTR, None)  # one throttle reads them
        extra = [backend.make_and_validate_key(name) for name in wanted]
        count, oldest, *values = _window_script(client)(
            keys=[key, *extra], args=[self.now, self.duration, member, self.num_requests]
        )
        if wanted:
            found = values[0] if values else [None] * len(wanted)
            setattr(
                request,
                PREFETCHED_ATTR,
                {
                    name: None if value is None else backend.client.decode(value)
                    for name, value in zip(wanted, found, strict=True)
                },
            )
        if count <= self.num_requests:
            self._entry = (client, key, member)
            return True
        # what DRF's wait() reads: the window as it was, and its oldest request
        self.history = [float(oldest)] * (count - 1)
        return self.throttle_failure()

    def refund(self) -> None:
        """Take this request out of the window again (a request counted before it was
        refused for another reason; a successful login)."""
        entry = getattr(self, "_entry", None)
        try:
            if entry is not None:
                client, key, member = entry
                client.zrem(key, member)
            elif getattr(self, "key", None) and hasattr(self, "now"):
                history = list(self.cache.get(self.key, []))
                if self.now in history:
                    history.remove(self.now)
                    self.cache.set(self.key, history, self.duration)
        except Exception:  # the cache went away meanwhile: the attempt stays counted
            logger.warning("Could not refund a throttle entry", exc_info=True)


class ResilientAnonRateThrottle(_ResilientMixin, AnonRateThrottle):
    pass


class ResilientUserRateThrottle(_ResilientMixin, UserRateThrottle):
    pass


class LoginRateThrottle(_ResilientMixin, AnonRateThrottle):
    """Per client address, whoever they claim to be: brute force costs time."""

    scope = "login"


class LoginUsernameRateThrottle(_ResilientMixin, AnonRateThrottle):
    """Per username tried, from whatever address: a spread-out guess at one account waits.

    The name is read as the login will read it (NFKC, any case), from a JSON body (API)
    or a form (the admin); a request naming none is left to the per-address throttle.
    """

    scope = "login_username"

    def get_cache_key(self, request, view):
        data = getattr(request, "data", None)
        if data is None:
            data = request.POST
        username = data.get("username") if hasattr(data, "get") else None
        if not isinstance(username, str) or not username:
            return None
        name = unicodedata.normalize("NFKC", username).casefold()
        digest = hashlib.sha256(name.encode()).hexdigest()[:32]
        return self.cache_format % {"scope": self.scope, "ident": digest}


class PublicInvoiceRateThrottle(_ResilientMixin, AnonRateThrottle):
    """The customer's invoice page and its downloads, per client address, logged in or not."""

    scope = "public_invoice"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
