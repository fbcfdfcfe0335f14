"""Error codes of the documents domain (documents of an invoice reuse its codes)."""

from common.exceptions import BusinessException, InvoiceException
from invoices.errors import DOCUMENT_NOT_AVAILABLE, DocumentNotAvailable

EINVOICE_INVALID = "einvoice_invalid"

__all__ = [
    "DOCUMENT_NOT_AVAILABLE",
    "EINVOICE_INVALID",
    "DocumentNotAvailable",
    "EInvoiceInvalid",
    "NoRecipient",
]


class EInvoiceInvalid(InvoiceException):
    default_code = EINVOICE_INVALID
    default_message = "The e-invoice would not pass the EN 16931 validation."


class NoRecipient(BusinessException):
    status_code = 400
    default_code = "validation_error"
    default_message = "The customer has no e-mail address; give one in `to`."
