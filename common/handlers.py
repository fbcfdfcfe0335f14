"""Turns every error into one JSON envelope: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError, InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from common.exceptions import BusinessException

logger = logging.getLogger(__name__)

# DRF's own codes where they read well, stable names where they do not.
_DRF_CODES: dict[type[exceptions.APIException], str] = {
    exceptions.ParseError: "parse_error",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


def envelope(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def _validation_details(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        return detail
    if isinstance(detail, list):
        return {"non_field_errors": detail}
    return {"non_field_errors": [detail]}


def _first_message(detail: Any) -> str:
    """A human sentence for the envelope's message: the first leaf error."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            inner = _first_message(value)
            if inner:
                return inner if key == "non_field_errors" else f"{key}: {inner}"
    elif isinstance(detail, list):
        for value in detail:
            inner = _first_message(value)
            if inner:
                return inner
    elif detail:
        return str(detail)
    return ""


def _drf_response(exc: exceptions.APIException) -> Response:
    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))

    if isinstance(exc, exceptions.ValidationError):
        details = _validation_details(exc.detail)
        message = _first_message(details) or "Invalid input."
        body = envelope("validation_error", message, details)
    else:
        code = _DRF_CODES.get(type(exc))
        if code is None:
            codes = exc.get_codes()
            code = codes if isinstance(codes, str) else exc.default_code
            # simplejwt's InvalidToken carries a dict detail; keep its code.
            if isinstance(exc.detail, dict) and "code" in exc.detail:
                code = str(exc.detail["code"])
        detail = exc.detail
        message = str(detail.get("detail", "")) if isinstance(detail, dict) else str(detail)
        details: dict[str, Any] = {}
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            details = {"retry_after_seconds": int(exc.wait)}
        body = envelope(str(code), message or exc.default_detail, details)
    return Response(body, status=exc.status_code, headers=headers)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, BusinessException):
        set_rollback()
        return Response(envelope(exc.code, exc.message, exc.details), status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, DataError):
        # e.g. a number too large for its column on PostgreSQL: bad input, not a crash.
        exc = exceptions.ValidationError({"non_field_errors": ["A value is out of range."]})
    elif isinstance(exc, IntegrityError):
        set_rollback()
        logger.warning("Integrity error answered as 409: %s", exc)
        return Response(
            envelope("conflict", "The change conflicts with existing data."),
            status=status.HTTP_409_CONFLICT,
        )
    elif isinstance(exc, OperationalError | InterfaceError):
        # The database went away (restart, failover, a killed backend) or refused for a
        # moment (lock timeout, serialization failure): transient, worth a retry.
        logger.exception("Database unavailable in %s", context.get("view").__class__.__name__)
        set_rollback()
        return Response(
            envelope("database_unavailable", "The database is unavailable; try again shortly."),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "5"},
        )
    elif isinstance(exc, RequestDataTooBig):
        # Body over DATA_UPLOAD_MAX_MEMORY_SIZE: Django refuses to read it; so do we.
        set_rollback()
        return Response(
            envelope("payload_too_large", "The request body is too large."),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    elif isinstance(exc, SuspiciousOperation):
        # e.g. TooManyFieldsSent: hostile input is a 400, as Django itself answers it.
        set_rollback()
        logger.warning("Suspicious request answered as 400: %s", exc)
        return Response(envelope("bad_request", "Bad request."), status=status.HTTP_400_BAD_REQUEST)

    if isinstance(exc, exceptions.APIException):
        set_rollback()
        return _drf_response(exc)

    logger.exception("Unhandled error in %s", context.get("view").__class__.__name__)
    set_rollback()
    return Response(
        envelope("server_error", "An unexpected error occurred."),
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


def json_not_found(request, exception=None) -> JsonResponse:
    """handler404: unknown URLs answer the envelope too."""
    return JsonResponse(envelope("not_found", "Not found."), status=404)


def json_server_error(request) -> JsonResponse:
    return JsonResponse(envelope("server_error", "An unexpected error occurred."), status=500)


def json_bad_request(request, exception=None) -> JsonResponse:
    return JsonResponse(envelope("bad_request", "Bad request."), status=400)


def json_permission_denied(request, exception=None) -> JsonResponse:
    return JsonResponse(envelope("permission_denied", "Permission denied."), status=403)
