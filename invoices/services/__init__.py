"""Every write on invoices with business rules, by lifecycle (one module each).

Each public service is a keyword-only function and one transaction; the API, the
admin, management commands and tasks all call these.
"""

from invoices.services.credit_notes import invoice_credit_note_create, invoice_void
from invoices.services.drafts import (
    invoice_create_draft,
    invoice_delete_draft,
    invoice_update_draft,
)
from invoices.services.duplicates import invoice_duplicate
from invoices.services.issuing import invoice_issue
from invoices.services.links import invoice_public_token_revoke
from invoices.services.payments import payment_delete, payment_record
from invoices.services.reminder_state import invoice_reminders_pause

__all__ = [
    "invoice_create_draft",
    "invoice_credit_note_create",
    "invoice_delete_draft",
    "invoice_duplicate",
    "invoice_issue",
    "invoice_public_token_revoke",
    "invoice_reminders_pause",
    "invoice_update_draft",
    "invoice_void",
    "payment_delete",
    "payment_record",
]
