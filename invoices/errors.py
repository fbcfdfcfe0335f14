"""Stable error codes of the invoice domain: clients branch on these."""

from common.exceptions import BusinessException

INVOICE_ERROR = "invoice_error"
INVOICE_NOT_EDITABLE = "invoice_not_editable"
INVOICE_NOT_ISSUABLE = "invoice_not_issuable"
INVOICE_NOT_VOIDABLE = "invoice_not_voidable"
INVOICE_NOT_CREDITABLE = "invoice_not_creditable"
CREDIT_EXCEEDS_INVOICE = "credit_exceeds_invoice"
INVOICE_NOT_PAYABLE = "invoice_not_payable"
PAYMENT_EXCEEDS_AMOUNT_DUE = "payment_exceeds_amount_due"
PAYMENT_EXCEEDS_REFUND_DUE = "payment_exceeds_refund_due"
DOCUMENT_NOT_AVAILABLE = "document_not_available"
INVOICE_NOT_DUPLICABLE = "invoice_not_duplicable"


class InvoiceException(BusinessException):
    default_code = INVOICE_ERROR
    default_message = "The invoice cannot be changed that way."


class InvoiceNotEditable(InvoiceException):
    default_code = INVOICE_NOT_EDITABLE
    default_message = "Issued invoices cannot be changed; correct them with a credit note."


class InvoiceNotIssuable(InvoiceException):
    default_code = INVOICE_NOT_ISSUABLE
    default_message = "The invoice cannot be issued."


class InvoiceNotVoidable(InvoiceException):
    default_code = INVOICE_NOT_VOIDABLE
    default_message = "Only issued invoices without payments can be voided."


class InvoiceNotCreditable(InvoiceException):
    default_code = INVOICE_NOT_CREDITABLE
    default_message = "A credit note can only refer to an issued invoice."


class CreditExceedsInvoice(InvoiceException):
    default_code = CREDIT_EXCEEDS_INVOICE
    default_message = "Credited amounts cannot exceed the original invoice."


class InvoiceNotPayable(InvoiceException):
    default_code = INVOICE_NOT_PAYABLE
    default_message = "Payments can only be recorded on issued, unpaid invoices."


class PaymentExceedsAmountDue(InvoiceException):
    default_code = PAYMENT_EXCEEDS_AMOUNT_DUE
    default_message = "The payment is larger than the amount due."


class DocumentNotAvailable(InvoiceException):
    default_code = DOCUMENT_NOT_AVAILABLE
    default_message = "Only issued invoices have documents."


class PaymentExceedsRefundDue(InvoiceException):
    default_code = PAYMENT_EXCEEDS_REFUND_DUE
    default_message = "The refund is larger than what is owed back on the credit note."


class InvoiceNotDuplicable(InvoiceException):
    default_code = INVOICE_NOT_DUPLICABLE
    default_message = (
        "A credit note corrects one invoice and is not duplicated; "
        "create a new one from the invoice (credit-note/)."
    )
