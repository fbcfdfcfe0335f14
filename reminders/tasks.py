"""Background work of payment reminders (Celery beat, daily)."""

from __future__ import annotations

import logging

from celery import shared_task

from reminders.services import payment_reminders_run

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def payment_reminders_send() -> dict:
    """Send the due reminders (reminders.services.payment_reminders_run). Delivered
    twice, fired twice or run beside the command, it sends each level once: the invoice
    is locked and the level claimed by a unique row."""
    summary = payment_reminders_run().summary()
    logger.info("Payment reminders run: %s", summary)
    return summary
