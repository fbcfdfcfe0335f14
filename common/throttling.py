"""Throttles that degrade gracefully: a cache outage must not take the API down."""

import logging
import uuid

from django.core.cache import cache as default_cache
from django.core.cache import caches
from django_redis.cache import RedisCache
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

logger = logging.getLogger(__name__)


class _ResilientMixin:
    """DRF's sliding window, kept in a Redis sorted set when the cache is our Redis.

    DRF stores each client's whole history as one pickled list, read and written back
    at every request (up to 2,000 timestamps at the default user rate): on Redis, one
    pipelined round trip adds the request, drops what left the window and counts,
    whatever the rate. Same rules: a request is refused when the window already holds
    `num_requests`, and a refused request does not count. Other caches use DRF's way.
    """

    def allow_request(self, request, view) -> bool:
        try:
            # `cache` is Django's default-cache proxy unless a subclass (or test) sets another
            backend = caches["default"] if self.cache is default_cache else self.cache
            if isinstance(backend, RedisCache) and self.rate is not None:
                return self._allow_in_redis(backend, request, view)
            return super().allow_request(request, view)
        except Exception:  # the cache backend is down: serve rather than fail
            logger.warning("Throttle cache unavailable; request allowed", exc_info=True)
            return True

    def _allow_in_redis(self, backend, request, view) -> bool:
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        key = backend.make_and_validate_key(self.key)
        client = backend.client.get_client(write=True)
        self.now = self.timer()
        member = f"{self.now!r}:{uuid.uuid4().hex}"
        pipe = client.pipeline(transaction=True)
        pipe.zremrangebyscore(key, "-inf", self.now - self.duration)
        pipe.zadd(key, {member: self.now})
        pipe.zcard(key)
        pipe.zrange(key, 0, 0, withscores=True)
        pipe.expire(key, self.duration + 1)
        _, _, count, oldest, _ = pipe.execute()
        if count <= self.num_requests:
            return True
        client.zrem(key, member)
        # what DRF's wait() reads: the window as it was, and its oldest request
        self.history = [oldest[0][1]] * (count - 1)
        return self.throttle_failure()


class ResilientAnonRateThrottle(_ResilientMixin, AnonRateThrottle):
    pass


class ResilientUserRateThrottle(_ResilientMixin, UserRateThrottle):
    pass


class LoginRateThrottle(_ResilientMixin, AnonRateThrottle):
    """Per client address, whoever they claim to be: brute force costs time."""

    scope = "login"
