"""One exception hierarchy; each carries a stable machine code and an HTTP status.

Clients branch on `code`; people read `message`. Each domain's codes and exception
classes live together (`invoices.errors`, `documents.errors`).
"""

from __future__ import annotations

from typing import Any


class BusinessException(Exception):
    status_code = 409
    default_code = "business_rule_violated"
    default_message = "The request breaks a business rule."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        details: dict[str, Any] | None = None,
        status_code: int | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.code = code or self.default_code
        self.details = details or {}
        if status_code is not None:
            self.status_code = status_code
        super().__init__(self.message)


class ValidationException(BusinessException):
    status_code = 400
    default_code = "validation_error"
    default_message = "Invalid input."
