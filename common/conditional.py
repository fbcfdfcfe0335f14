"""Conditional requests for the API's views: `ETag` on reads, `304 Not Modified` for an
`If-None-Match` that still holds, `412 precondition_failed` for a write whose `If-Match`
no longer does (optimistic locking: a draft edited in two tabs).

An ETag is a digest of what the answer is built from, never of the answer itself, so a
304 costs at most one narrow query and no rendering (a remembered list tag: one Redis
round trip, no query):
- the view's `etag_fields` of each row shown (columns that move with every change of
  what the row shows: `Invoice.version` moves with every save and queryset update);
- for a list, the page's rows in order, the total count, the path with its query string,
  the host (the next/previous links) and the caller's scope (staff: own rows);
- `etag_context()`: what else the answer depends on (an invoice's `is_overdue` depends
  on the day, its `public_url` on `PUBLIC_BASE_URL`);
- the negotiated renderer and the deployed code (`code_digest`): a new release that
  changes a representation answers 200 to every old tag.

ETags are strong (the same tag means the same bytes: the inputs above determine the
body), as If-Match requires (RFC 9110 13.1.1). A `W/` prefix added by a compressing
proxy (nginx's gzip weakens strong tags) is ignored when comparing, for If-Match too:
only our own strong tag can have become that weak one.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile
from django.utils.http import http_date, parse_etags
from rest_framework import status
from rest_framework.response import Response

from accounts import authentication
from common import counts, shared_cache, throttling
from common.exceptions import BusinessException
from common.filters import MAX_ID
from common.permissions import is_admin

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Revalidate at every use: without it, a browser may reuse an answer with a
# Last-Modified heuristically, and shared caches must not keep a user's rows.
CACHE_CONTROL = "private, no-cache"


class PreconditionFailed(BusinessException):
    status_code = 412
    default_code = "precondition_failed"
    default_message = (
        "The resource changed since it was read (If-Match does not match its ETag): "
        "read it again and retry."
    )


@functools.cache
def code_digest() -> str:
    """The project's own Python sources (tests and migrations aside), once per process."""
    digest = hashlib.blake2b(digest_size=8)
    base = Path(settings.BASE_DIR).resolve()
    for config in sorted(apps.get_app_configs(), key=lambda c: c.label):
        root = Path(config.path).resolve()
        if base not in root.parents:
            continue  # Django's and the libraries' apps move with the lock file
        for source in sorted(root.rglob("*.py")):
            if not {"tests", "migrations"} & set(source.relative_to(root).parts):
                digest.update(source.read_bytes())
    return digest.hexdigest()


def make_etag(parts: Any) -> str:
    text = repr((code_digest(), parts))
    return f'"{hashlib.blake2b(text.encode(), digest_size=16).hexdigest()}"'


def _opaque(tags: Iterable[str]) -> set[str]:
    return {tag.removeprefix("W/") for tag in tags}


def if_none_match(request) -> set[str] | None:
    header = request.headers.get("If-None-Match")
    return _opaque(parse_etags(header)) if header else None


def if_match(request) -> set[str] | None:
    header = request.headers.get("If-Match")
    return _opaque(parse_etags(header)) if header else None


def matches(etag: str, tags: set[str]) -> bool:
    return "*" in tags or etag in tags


def _value(source: Any, field: str) -> Any:
    if isinstance(source, Mapping):
        return source[field]
    for name in field.split("__"):  # `customer__name` on an instance: its customer's name
        if source is None:
            return None  # a null relation, as `.values()` reads it
        source = getattr(source, name)
    # As `.values()` reads it, so an instance and its row give the same tag.
    return source.name if isinstance(source, FieldFile) else source


def with_validators(response: Response, etag: str, last_modified: Any = None) -> Response:
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    return response


def not_modified(etag: str, last_modified: Any = None) -> Response:
    return with_validators(Response(status=status.HTTP_304_NOT_MODIFIED), etag, last_modified)


_MODEL_LABELS: dict[type, str] = {}


def _scope(user) -> Any:
    return "all" if is_admin(user) else user.id


def _same_rows(rows: QuerySet) -> QuerySet:
    return rows


class ConditionalMixin:
    """For DRF views over one model. Views call `conditional_retrieve`,
    `conditional_list` and `etag_of`; unsafe requests on one object with `If-Match` are
    checked here (the object's row locked, in a transaction around the whole handler,
    so two tabs writing at once cannot both pass)."""

    # Columns that change whenever the row's representation does; `id` first.
    etag_fields: Sequence[str] = ("id", "updated_at")
    # A column to send as Last-Modified on single objects (informational: the ETag is
    # the validator, If-Modified-Since is not evaluated: one-second resolution).
    last_modified_field: str | None = "updated_at"
    # Lists whose every change replaces common.counts' version (saves and deletes of its
    # rows and of what they show, InvoiceQuerySet.update): their ETag per query is kept
    # under that version, so a revalidation reads no row (`remembered_not_modified`).
    etag_memo: bool = False
    # The GET actions that answer ETag and 304 (None: a view without actions, a
    # singleton's); the schema declares If-None-Match on those alone (common.openapi).
    conditional_reads: frozenset = frozenset({"list", "retrieve", None})
    _memo: tuple[str, Any] | None = None

    def etag_context(self) -> tuple[Any, ...]:
        return ()

    def _model_label(self) -> str:
        # The model of a view's queryset is fixed per class: built once (building an
        # invoice queryset costs about as much as the rest of a 304).
        cls = type(self)
        label = _MODEL_LABELS.get(cls)
        if label is None:
            label = _MODEL_LABELS[cls] = self.get_queryset().model._meta.label
        return label

    def _base_parts(self) -> tuple[Any, ...]:
        renderer = getattr(self.request, "accepted_renderer", None)
        return (
            self._model_label(),
            getattr(renderer, "format", None),
            self.etag_context(),
        )

    def etag_of(self, obj: Any) -> str:
        """The ETag of one object's representation (detail and write answers)."""
        return make_etag((self._base_parts(), tuple(_value(obj, f) for f in self.etag_fields)))

    def _last_modified(self, obj: Any) -> Any:
        if self.last_modified_field is None:
            return None
        return _value(obj, self.last_modified_field)

    def respond_with_etag(self, response: Response, obj: Any, *, reread: bool = False) -> Response:
        """A write's answer with the tag of what was stored. `reread`: the instance holds
        values as the request gave them (`Decimal("19")` for a stored 19.00), so the tag
        is taken from the row (one small query)."""
        if reread:
            obj = self.get_queryset().filter(pk=obj.pk).values(*self.etag_fields).first() or obj
        return with_validators(response, self.etag_of(obj), self._last_modified(obj))

    def conditional_retrieve(
        self, obj: Any, render: Callable[[Any], Any] | None = None
    ) -> Response:
        """`obj` answered with its ETag; `render` defaults to the view's serializer."""
        if render is None:
            render = self._serialize_one
        etag = self.etag_of(obj)
        wanted = if_none_match(self.request)
        if wanted is not None and matches(etag, wanted):
            return not_modified(etag, self._last_modified(obj))
        return with_validators(Response(render(obj)), etag, self._last_modified(obj))

    def _serialize_one(self, obj: Any) -> Any:
        return self.get_serializer(obj).data

    def _serialize_many(self, rows: list[Any]) -> Any:
        return self.get_serializer(rows, many=True).data

    # --- lists ----------------------------------------------------------------------

    def _list_parts(self, scope: Any = None) -> tuple[Any, ...]:
        """What a list answer depends on besides its rows: the query (page, filters) and
        the host (the next/previous links), and the caller's scope (staff: own rows)."""
        request = self.request
        if scope is None:
            scope = _scope(request.user)
        common = self.__dict__.get("_list_common")
        if common is None:  # per request (a view instance serves one)
            common = self._list_common = (
                self._base_parts(),
                request.get_host(),
                request.get_full_path(),
            )
        return (*common, scope)

    def _list_etag(self, rows: Iterable[Any]) -> str:
        rows_parts = tuple(tuple(_value(row, f) for f in self.etag_fields) for row in rows)
        return make_etag((self._list_parts(), self.paginator.page.paginator.count, rows_parts))

    def _memo_key(self, scope: Any = None) -> str:
        if scope is None:
            scope = _scope(self.request.user)
        keys = self.__dict__.setdefault("_memo_keys", {})
        if scope not in keys:
            # The code's digest too: a new release must not answer 304 to an old tag.
            text = repr((code_digest(), self._list_parts(scope)))
            digest = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
            keys[scope] = f"list-etag:{digest}"
        return keys[scope]

    def _revalidates_from_memo(self, request) -> bool:
        return (
            self.etag_memo
            and getattr(self, "action", None) == "list"
            and request.method == "GET"
            and "HTTP_IF_NONE_MATCH" in request.META
            and shared_cache.enabled()
            and not connection.in_atomic_block
        )

    def check_throttles(self, request):
        # A list revalidation reads its remembered ETag in the throttle's round trip
        # (common.throttling: one Redis call instead of two); read alone otherwise.
        if self._revalidates_from_memo(request):
            request._memo_prefetched = key = self._memo_key()
            setattr(request, throttling.PREFETCH_ATTR, [counts.VERSION_KEY, key])
        try:
            super().check_throttles(request)
        finally:
            setattr(request, throttling.PREFETCH_ATTR, None)

    def _initial_in_one_round_trip(self, request, claimed: int, *args, **kwargs) -> None:
        """DRF's `initial()` for a list revalidation, with one Redis round trip: the
        throttles' script also reads the access row and the user's copy (what
        authentication reads: accounts.access) and the remembered ETag for either scope.
        The same classes decide, with DRF's answers: the throttles count first (they key
        on the token's user id) and a request that authentication or the permissions
        then refuse is taken out of their windows again, so 401 and 403 still win over
        429 and a refused request never counts."""
        self.format_kwarg = self.get_format_suffix(**kwargs)
        request.accepted_renderer, request.accepted_media_type = self.perform_content_negotiation(
            request
        )
        request.version, request.versioning_scheme = self.determine_version(
            request, *args, **kwargs
        )
        memo_keys = {True: self._memo_key("all"), False: self._memo_key(claimed)}
        keys = [counts.VERSION_KEY, *memo_keys.values()]
        keys += authentication.prefetch_keys(claimed, local=authentication.has_local_copy(claimed))
        request._user = authentication.claimed_user(claimed)  # what the throttles key on
        setattr(request, throttling.PREFETCH_ATTR, keys)
        throttles = self.get_throttles()
        try:
            passed = [throttle.allow_request(request, self) for throttle in throttles]
        finally:
            setattr(request, throttling.PREFETCH_ATTR, None)
            del request._user
        try:
            request.user  # noqa: B018 - DRF's perform_authentication: the token's user
            self.check_permissions(request)
        except Exception:
            for throttle, counted in zip(throttles, passed, strict=True):
                if counted:
                    throttle.refund()
            raise
        request._memo_prefetched = memo_keys[is_admin(request.user)]
        waits = [t.wait() for t, ok in zip(throttles, passed, strict=True) if not ok]
        if waits:  # as DRF's check_throttles answers
            self.throttled(request, max((w for w in waits if w is not None), default=None))

    def remembered_not_modified(self) -> Response | None:
        """A 304 from the shared cache, before any filter or query runs; else None (and
        the ETag the list computes is kept for the next revalidation)."""
        wanted = if_none_match(self.request)
        if not (wanted and self.etag_memo and shared_cache.enabled()):
            return None
        if connection.in_atomic_block:  # may see its own uncommitted rows
            return None
        key = self._memo_key()
        # The version first: a change committed after this read replaces it, so what
        # this request computes is never kept as current (ETag and count alike).
        found = getattr(self.request, throttling.PREFETCHED_ATTR, None)
        if found is None or getattr(self.request, "_memo_prefetched", None) != key:
            found = shared_cache.get_many([counts.VERSION_KEY, key])
        version = found.get(counts.VERSION_KEY)
        if version is None:
            return None
        taken = found.get(key)
        if taken is not None and taken[0] == version and matches(taken[1], wanted):
            return not_modified(taken[1])
        self._memo = (key, version)
        return None

    def conditional_list(
        self,
        queryset: QuerySet,
        *,
        rows_of: Callable[[QuerySet], QuerySet] = _same_rows,
        render: Callable[[list[Any]], Any] | None = None,
    ) -> Response:
        """A page of `rows_of(queryset)` (default: the model instances), rendered by
        `render` (default: the view's serializer), with its ETag.

        With If-None-Match the page is read as `etag_fields` alone first (one narrow
        query, plus the count: kept in the shared cache), answered 304 if it holds;
        else only those rows are read in full (by id). Without it, the ETag comes from
        the full rows: no extra query."""
        if render is None:
            render = self._serialize_many
        wanted = if_none_match(self.request)
        if wanted is None:
            rows = self.paginate_queryset(rows_of(queryset))
        else:
            fields = list(self.etag_fields)
            validators = self.paginate_queryset(queryset.values(*fields))
            etag = self._list_etag(validators)
            if self._memo is not None:
                shared_cache.put(self._memo[0], (self._memo[1], etag), counts.COUNT_SECONDS)
            if matches(etag, wanted):
                return not_modified(etag)
            ids = [row[fields[0]] for row in validators]
            fetched = {_value(row, fields[0]): row for row in rows_of(queryset.filter(pk__in=ids))}
            rows = [fetched[pk] for pk in ids if pk in fetched]
        response = self.get_paginated_response(render(rows))
        return with_validators(response, self._list_etag(rows))

    def conditional_rows(
        self, queryset: QuerySet, *, render: Callable[[list[Any]], Any], parts: Any = ()
    ) -> Response:
        """A plain (unpaginated) list with its ETag: the rows' `etag_fields` in order and
        `parts` (what else it shows). With If-None-Match those columns are read alone
        first (one narrow query) and nothing is rendered when the tag holds."""

        def etag_of_rows(rows: Iterable[Any]) -> str:
            values = tuple(tuple(_value(row, f) for f in self.etag_fields) for row in rows)
            return make_etag((self._base_parts(), parts, values))

        wanted = if_none_match(self.request)
        if wanted is not None:
            etag = etag_of_rows(queryset.values(*self.etag_fields))
            if matches(etag, wanted):
                return not_modified(etag)
        rows = list(queryset)
        return with_validators(Response(render(rows)), etag_of_rows(rows))

    # --- writes: If-Match -----------------------------------------------------------

    def names_one_object(self) -> bool:
        """Whether If-Match applies: the request names one object (a detail route)."""
        return self.kwargs.get("pk") is not None

    def locked_validators(self) -> Any:
        """The object's `etag_fields`, its row locked until the request's transaction
        ends; None when the caller cannot see it (the handler answers 404)."""
        pk = str(self.kwargs["pk"])
        if not (pk.isascii() and pk.isdigit() and 0 < int(pk) <= MAX_ID):
            return None  # not an id: the handler's 404
        queryset = self.get_queryset().filter(pk=pk)
        return queryset.select_for_update(of=("self",)).values(*self.etag_fields).first()

    def dispatch(self, request, *args, **kwargs):
        if request.method in UNSAFE_METHODS and "HTTP_IF_MATCH" in request.META:
            # The check and the write in one transaction: the lock taken by the check
            # holds until the write commits (a refusal rolls back: set_rollback).
            with transaction.atomic():
                response = super().dispatch(request, *args, **kwargs)
                if response.status_code >= 400:  # the error handler has answered
                    transaction.set_rollback(True)
                return response
        return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        claimed = None
        if self._revalidates_from_memo(request):
            claimed = authentication.claimed_user_id(request)
        if claimed is not None:
            self._initial_in_one_round_trip(request, claimed, *args, **kwargs)
        else:
            super().initial(request, *args, **kwargs)
        wanted = if_match(request) if request.method in UNSAFE_METHODS else None
        if wanted is None or not self.names_one_object():
            return
        current = self.locked_validators()
        if current is None:
            return  # not visible to the caller: the handler's 404, ids don't leak
        etag = self.etag_of(current)
        if not matches(etag, wanted):
            raise PreconditionFailed(details={"etag": etag})
