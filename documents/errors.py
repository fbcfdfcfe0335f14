"""Error codes of the documents domain."""

from common.exceptions import BusinessException, InvoiceException

EINVOICE_INVALID = "einvoice_invalid"
DOCUMENT_NOT_AVAILABLE = "document_not_available"
NO_RECIPIENT = "no_recipient"


class DocumentNotAvailable(InvoiceException):
    default_code = DOCUMENT_NOT_AVAILABLE
    default_message = "Only issued invoices have documents."


class EInvoiceInvalid(InvoiceException):
    default_code = EINVOICE_INVALID
    default_message = "The e-invoice would not pass the EN 16931 validation."


class NoRecipient(BusinessException):
    status_code = 400
    default_code = "validation_error"
    default_message = "The customer has no e-mail address; give one in `to`."
