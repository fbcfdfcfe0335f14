"""Background work of recurring invoices (Celery beat, daily)."""

from __future__ import annotations

import logging

from celery import shared_task

from recurring.services import recurring_run

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def recurring_invoices_run() -> dict:
    """Bill every due period (recurring.services.recurring_run). Delivered twice, fired
    twice or run beside the command, it bills each period once: periods are claimed."""
    summary = recurring_run().summary()
    logger.info("Recurring invoices run: %s", summary)
    return summary
