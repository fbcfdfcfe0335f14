"""Explicit URL patterns for viewset actions: every path is written in an app's urls.py,
so a grep for `issue/` lands on its view (no router writes them out of sight)."""

from __future__ import annotations

import re
from typing import Any

from django.urls import URLPattern, re_path
from rest_framework.viewsets import ViewSetMixin


def viewset_path(
    route: str,
    viewset: type[ViewSetMixin],
    actions: dict[str, str],
    *,
    name: str,
    basename: str,
    detail: bool,
) -> URLPattern:
    """The pattern DRF's router would build for these methods → actions (with an
    @action's own options, e.g. its permission classes)."""
    initkwargs: dict[str, Any] = {"basename": basename, "detail": detail}
    for action_name in set(actions.values()):
        method = getattr(viewset, action_name)
        if hasattr(method, "mapping"):  # an @action: the router applies its options
            initkwargs.update(method.kwargs)
    return re_path(_regex(route), viewset.as_view(actions, **initkwargs), name=name)


def _regex(route: str) -> str:
    """`invoices/<pk>/issue/` as the router writes it, but the id is ASCII digits only:
    U+0661 (an Arabic-Indic one) or `11.9` is no id (404), where Django's int lookup would
    have read it as 1. Typed by the model for OpenAPI."""
    if not re.fullmatch(r"[a-z/<>_-]+", route):  # plain words only: nothing to escape
        raise ValueError(f"unexpected route {route!r}")
    pattern = route.replace("<pk>", r"(?P<pk>[0-9]+)")
    pattern = pattern.replace("<payment_id>", r"(?P<payment_id>[0-9]+)")
    return f"^{pattern}$"
