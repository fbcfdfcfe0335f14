"""Error codes of the documents domain (documents of an invoice reuse its codes)."""

from common.exceptions import BusinessException
from invoices.errors import DOCUMENT_NOT_AVAILABLE, DocumentNotAvailable, InvoiceException

EINVOICE_INVALID = "einvoice_invalid"

__all__ = [
    "DOCUMENT_NOT_AVAILABLE",
    "EINVOICE_INVALID",
    "DocumentNotAvailable",
    "EInvoiceInvalid",
    "NoRecipient",
    "StoredDocumentCorrupt",
]


class EInvoiceInvalid(InvoiceException):
    default_code = EINVOICE_INVALID
    default_message = "The e-invoice would not pass the EN 16931 validation."


class NoRecipient(BusinessException):
    status_code = 400
    default_code = "validation_error"
    default_message = "The customer has no e-mail address; give one in `to`."


class StoredDocumentCorrupt(BusinessException):
    """A stored document is missing or no longer matches its recorded SHA-256.

    Never answered with other bytes: an issued document is only ever served as stored.
    """

    status_code = 500
    default_code = "document_corrupt"
    default_message = (
        "The stored document failed its integrity check and is not served; "
        "it must be restored from a backup."
    )
