"""Throttles that degrade gracefully: a cache outage must not take the API down."""

import logging

from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle

logger = logging.getLogger(__name__)


class _ResilientMixin:
    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception:  # the cache backend is down: serve rather than fail
            logger.warning("Throttle cache unavailable; request allowed", exc_info=True)
            return True


class ResilientAnonRateThrottle(_ResilientMixin, AnonRateThrottle):
    pass


class ResilientUserRateThrottle(_ResilientMixin, UserRateThrottle):
    pass


class ResilientScopedRateThrottle(_ResilientMixin, ScopedRateThrottle):
    pass


class LoginRateThrottle(_ResilientMixin, AnonRateThrottle):
    """Per client address, whoever they claim to be: brute force costs time."""

    scope = "login"
