from django.conf import settings
from django.db import models

from common.models import TimeStampedModel


class SendingStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class InvoiceSending(TimeStampedModel):
    """One request to e-mail an invoice: who, when, to whom, and how it went."""

    invoice = models.ForeignKey(
        "invoices.Invoice", on_delete=models.PROTECT, related_name="sendings"
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    to = models.JSONField(default=list)
    cc = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=300)
    message = models.TextField(blank=True)
    attach_ubl = models.BooleanField(default=False)
    pdf_format = models.CharField(max_length=10, default="pdf")  # pdf | facturx
    status = models.CharField(
        max_length=10, choices=SendingStatus.choices, default=SendingStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.invoice} to {', '.join(self.to)} ({self.status})"
