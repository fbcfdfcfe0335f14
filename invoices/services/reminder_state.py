"""Whether payment reminders go out for one invoice: state, not content."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from invoices.models import Invoice


@transaction.atomic
def invoice_reminders_pause(*, invoice: Invoice, paused: bool) -> Invoice:
    """Stop (or restart) the reminders of one invoice, whatever its status.

    Under the invoice's row lock, like a reminder (reminders.services): a run either
    sent its level before the pause committed or sees the pause. Restarting sends the
    highest level then due, once.
    """
    locked = Invoice.objects.select_for_update(of=("self",)).get(pk=invoice.pk)
    if locked.reminders_paused != paused:
        # A queryset update moves `version` (the read cache and ETags follow).
        Invoice.objects.filter(pk=locked.pk).update(
            reminders_paused=paused, updated_at=timezone.now()
        )
        locked.refresh_from_db()
    return locked
