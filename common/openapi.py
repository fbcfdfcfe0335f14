"""The OpenAPI contract's shared parts, declared once instead of on every view.

`AutoSchema` (REST_FRAMEWORK's DEFAULT_SCHEMA_CLASS) adds to each operation:
- its summary, description and request examples from `common.openapi_texts`, keyed by
  operationId (an `@extend_schema(summary=..., description=...)` on a view wins);
- every error status it can answer, each with the `Error` envelope that
  `common.handlers` really sends, derived from the view (authentication, permissions,
  throttles, path parameters, body);
- the `ordering` values of a list as an enum.
`postprocess_schema` (a POSTPROCESSING_HOOK) gives documents their media types and
keeps request bodies usable by client generators (see `_request_defaults_to_text`).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers
from rest_framework.filters import OrderingFilter
from rest_framework.permissions import AllowAny, IsAuthenticated

from common import openapi_texts
from common.conditional import ConditionalMixin
from common.permissions import IsOwner, IsOwnerOrAdmin


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="Stable machine code to branch on (docs/ERRORS.md lists them all)."
    )
    message = serializers.CharField(help_text="A sentence for people; may change.")
    details = serializers.DictField(
        help_text="For `validation_error`: each field (or `non_field_errors`) with its "
        "messages; for other codes, facts such as `retry_after_seconds` or the limit hit."
    )


class ErrorSerializer(serializers.Serializer):
    """Every 4xx and 5xx answer of the API."""

    error = ErrorBodySerializer()


ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "Invalid input: `validation_error` with each field's messages in `details` "
    "(also `parse_error` for malformed JSON, `bad_request`).",
    401: "No valid access token: `not_authenticated`, `token_not_valid` (expired or "
    "malformed), `token_revoked` (logged out or password changed), `authentication_failed`.",
    403: "Logged in, but the role may not do this: `permission_denied`.",
    404: "No such object, or one that belongs to another user: `not_found`.",
    409: "Refused by a business rule; `code` names it (e.g. `invoice_not_editable`).",
    412: "`If-Match` no longer matches: someone changed the object since it was read.",
    413: "The request body is too large: `payload_too_large`.",
    415: "Unsupported `Content-Type`: `unsupported_media_type` (send application/json).",
    429: "Too many requests: `throttled` (or a daily limit such as `send_limit_reached`); "
    "`Retry-After` says when to try again.",
    500: "An unexpected error: `server_error`.",
    503: "Temporarily unavailable (`database_unavailable`, `busy`): retry after "
    "`Retry-After` seconds.",
}

WRITE_METHODS = {"POST", "PUT", "PATCH"}
# Permission classes that never answer 403: they require a login (401) or scope rows by
# owner, so another user's id is a 404 (ARCHITECTURE.md invariant 7).
_NO_FORBIDDEN = (AllowAny, IsAuthenticated, IsOwner, IsOwnerOrAdmin)
# Writes that change no business data, so no rule can refuse them with a 409.
_NO_CONFLICT = {"auth_login_create", "auth_refresh_create", "auth_logout_create"}


def _header(name: str, description: str) -> dict[str, Any]:
    return {"in": "header", "name": name, "schema": {"type": "string"}, "description": description}


class AutoSchema(SpectacularAutoSchema):
    def get_summary(self) -> str | None:
        return openapi_texts.summary(self.get_operation_id()) or super().get_summary()

    def get_description(self) -> str:
        return openapi_texts.description(self.get_operation_id()) or super().get_description()

    def get_examples(self) -> list[OpenApiExample]:
        return [*openapi_texts.examples(self.get_operation_id()), *super().get_examples()]

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        self._add_ordering_enum(operation)
        self._add_conditional(operation)
        self._add_errors(operation)
        return operation

    # --- conditional requests (common.conditional) ----------------------------------

    def _if_match_applies(self) -> bool:
        """Writes naming one object: a detail route, or a singleton's (no collection)."""
        if self.method in ("PUT", "PATCH", "DELETE"):
            return True
        return self.method == "POST" and "{" in self.path

    def _add_conditional(self, operation: dict[str, Any]) -> None:
        if not isinstance(self.view, ConditionalMixin):
            return
        parameters = operation.setdefault("parameters", [])
        if self.method == "GET":
            if getattr(self.view, "action", None) not in self.view.conditional_reads:
                return  # an action of the view that answers no ETag
            parameters.append(_header("If-None-Match", "ETag(s) of a copy held: 304 if current."))
            operation["responses"].setdefault(
                "304", {"description": "Not modified: the `ETag` sent in If-None-Match holds."}
            )
        elif self._if_match_applies():
            parameters.append(
                _header("If-Match", "The ETag read: 412 `precondition_failed` if it changed.")
            )

    # --- errors -----------------------------------------------------------------------

    def error_statuses(self, operation: dict[str, Any]) -> set[int]:
        """The error statuses this operation can answer, from what its view does."""
        operation_id = operation["operationId"]
        statuses = {503} | openapi_texts.EXTRA_ERRORS.get(operation_id, set())
        is_write = self.method in WRITE_METHODS
        if is_write or any(p["in"] == "query" for p in operation.get("parameters", [])):
            statuses.add(400)
        if self.view.get_authenticators() or operation_id in openapi_texts.ANSWERS_401:
            statuses.add(401)  # also for a bad token sent to a public endpoint
        if any(not isinstance(p, _NO_FORBIDDEN) for p in self.view.get_permissions()):
            statuses.add(403)
        if "{" in self.path:
            statuses.add(404)
        if (is_write or self.method == "DELETE") and operation_id not in _NO_CONFLICT:
            statuses.add(409)
        if is_write:
            statuses |= {413, 415}
        if self.view.get_throttles():
            statuses.add(429)
        if isinstance(self.view, ConditionalMixin) and self._if_match_applies():
            statuses.add(412)
        return statuses

    def _add_errors(self, operation: dict[str, Any]) -> None:
        error = self.resolve_serializer(ErrorSerializer, "response").ref
        responses = operation["responses"]
        for status in self.error_statuses(operation):
            responses.setdefault(str(status), {"description": ERROR_DESCRIPTIONS[status]})
        # Errors a view declared itself (documents: 409, 500, 503) get the envelope too.
        for status, response in responses.items():
            if status.isdigit() and int(status) >= 400:
                response.setdefault("description", ERROR_DESCRIPTIONS.get(int(status), ""))
                response["content"] = {"application/json": {"schema": error}}
        operation["responses"] = dict(sorted(responses.items()))

    # --- ordering ---------------------------------------------------------------------

    def _add_ordering_enum(self, operation: dict[str, Any]) -> None:
        """`?ordering=` takes a comma-separated list of the view's fields, each optionally
        prefixed with `-` (descending): an array of enum values in the form style."""
        fields = self._ordering_fields()
        for parameter in operation.get("parameters", []):
            if parameter["name"] == "ordering" and parameter["in"] == "query" and fields:
                values = [value for name in fields for value in (name, f"-{name}")]
                parameter["schema"] = {"type": "array", "items": {"type": "string", "enum": values}}
                parameter["style"] = "form"
                parameter["explode"] = False
                parameter["description"] = (
                    "Sort order: one or more fields, comma-separated; `-` sorts descending."
                )

    def _ordering_fields(self) -> list[str]:
        for backend in self.get_filter_backends():
            if issubclass(backend, OrderingFilter):
                fields = getattr(self.view, "ordering_fields", None)
                if isinstance(fields, list | tuple):
                    return list(fields)
        return []

    # --- path ids ---------------------------------------------------------------------

    def _resolve_path_parameters(self, variables):
        """`common.routes` matches ids as `[0-9]+`: to a client they are integers (the ids
        of the bodies), not strings with a pattern."""
        parameters = super()._resolve_path_parameters(variables)
        for parameter in parameters:
            if parameter["schema"] == {"type": "string", "pattern": "^[0-9]+$"}:
                parameter["schema"] = {"type": "integer", "minimum": 1}
        return parameters

    # --- fields -----------------------------------------------------------------------

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        # DRF's decimal pattern allows a sign; a field that refuses negatives says so, or
        # generated examples and clients offer "-80919201117524" for a quantity.
        min_value = getattr(field, "min_value", None)
        if (
            isinstance(field, serializers.DecimalField)
            and min_value is not None
            and min_value >= 0
            and schema.get("pattern", "").startswith("^-?")
        ):
            schema["pattern"] = "^" + schema["pattern"][3:]
        return schema


# --- postprocessing hook ----------------------------------------------------------------


def postprocess_schema(result, generator, request, public):
    _document_media_types(result)
    _request_defaults_to_text(result["components"]["schemas"])
    return result


def _document_media_types(schema: dict[str, Any]) -> None:
    """A document's 200 is a binary file of its own media type, not octet-stream."""
    for item in schema["paths"].values():
        for operation in item.values():
            media_type = openapi_texts.DOCUMENT_MEDIA_TYPES.get(operation.get("operationId"))
            ok = operation.get("responses", {}).get("200") if media_type else None
            if ok and "content" in ok:
                ok["content"] = {media_type: {"schema": {"type": "string", "format": "binary"}}}


def _request_defaults_to_text(components: dict[str, Any]) -> None:
    """In request components a `default` moves into the description.

    openapi-typescript (default options) types a property with a `default` as always
    present, so a client would have to send every defaulted field; the server fills them
    in, so a request may leave them out. Responses keep nothing to move: DRF declares
    defaults on writable fields only.
    """
    for name, component in components.items():
        if not name.endswith("Request"):
            continue
        for prop in component.get("properties", {}).values():
            if "default" in prop:
                default = prop.pop("default")
                shown = "empty" if default in ("", None) else f"`{default}`"
                text = prop.get("description", "").rstrip()
                prop["description"] = f"{text} Default: {shown}.".strip()
