"""The customer's link to an issued invoice's public page."""

from __future__ import annotations

from django.db import transaction

from invoices import errors
from invoices.models import Invoice, InvoiceStatus, new_public_token


@transaction.atomic
def invoice_public_token_revoke(*, invoice: Invoice) -> Invoice:
    """Invalidate the customer's link and hand out a new one."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status == InvoiceStatus.DRAFT:
        raise errors.DocumentNotAvailable()
    invoice.public_token = new_public_token()
    invoice.save(update_fields=["public_token", "updated_at"])
    return invoice
