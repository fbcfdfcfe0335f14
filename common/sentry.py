"""Sentry, when SENTRY_DSN is set: errors of Django, Celery and logging, no personal data.

`send_default_pii` stays off (no user, no IP, no cookies), request bodies are never
sent, and `before_send` drops what could still name a person or carry a secret: the
Authorization and Cookie headers, the query string, and the values of local variables.
"""

from __future__ import annotations

from typing import Any

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration

_DROPPED_HEADERS = {"authorization", "cookie", "x-forwarded-for", "x-real-ip"}


def scrub(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    request = event.get("request") or {}
    headers = request.get("headers") or {}
    request["headers"] = {k: v for k, v in headers.items() if k.lower() not in _DROPPED_HEADERS}
    for key in ("cookies", "data", "query_string", "env"):
        request.pop(key, None)
    if request:
        event["request"] = request
    event.pop("user", None)
    for exception in (event.get("exception") or {}).get("values") or []:
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    return event


def sentry_init(*, dsn: str, environment: str, release: str | None = None) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        before_send=scrub,
        traces_sample_rate=0.0,
    )
