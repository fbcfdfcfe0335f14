from __future__ import annotations

from django.conf import settings
from django.db import models

from common.models import TimeStampedModel


class SendingStatus(models.TextChoices):
    """queued → sending (claimed by one worker) → sent | queued (retry) | failed."""

    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class SendingPurpose(models.TextChoices):
    INVOICE = "invoice", "Invoice or credit note"
    REMINDER = "reminder", "Payment reminder"


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
    # Addressed beyond the customer's own addresses (counted by SEND_LIMIT_PER_USER_DAY).
    other_recipients = models.BooleanField(default=False)
    pdf_format = models.CharField(max_length=10, default="pdf")  # pdf | facturx
    # What the e-mail is: the invoice (or credit note) itself, or a payment reminder of
    # `reminder_level` (1-based) with its fee invoice attached when the level bills one.
    purpose = models.CharField(
        max_length=10, choices=SendingPurpose.choices, default=SendingPurpose.INVOICE
    )
    reminder_level = models.PositiveSmallIntegerField(null=True, blank=True)
    fee_invoice = models.ForeignKey(
        "invoices.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=SendingStatus.choices, default=SendingStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    # When a worker last claimed it (queued → sending): a sending left in `sending` long
    # after this was abandoned mid-attempt (documents.sending.sendings_redispatch).
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.invoice} to {', '.join(self.to)} ({self.status})"


class DocumentFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    UBL = "ubl", "UBL 2.1 XML"
    CII = "cii", "CII XML"
    FACTURX = "facturx", "Factur-X PDF"


def stored_document_path(instance: StoredDocument, filename: str) -> str:
    return f"documents/{instance.invoice_id}/{filename}"


class StoredDocument(models.Model):
    """One file of an issued invoice, built once from its issue snapshot and kept.

    Every later download serves these bytes, whatever happens to the invoice afterwards
    (payments, credit notes, void) or to the company settings; `sha256` is checked on
    every read, so a changed or damaged file is refused, never served.
    """

    invoice = models.ForeignKey(
        "invoices.Invoice", on_delete=models.PROTECT, related_name="stored_documents"
    )
    format = models.CharField(max_length=10, choices=DocumentFormat.choices)
    file = models.FileField(upload_to=stored_document_path, max_length=255)
    sha256 = models.CharField(max_length=64)  # hex digest of the file's bytes
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["invoice_id", "format"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "format"], name="stored_document_invoice_format"
            )
        ]

    def __str__(self) -> str:
        return f"{self.invoice} {self.format} ({self.sha256[:12]})"


class DocumentsStatus(models.TextChoices):
    """pending (queued or being built) → stored | pending again (retry) | failed."""

    PENDING = "pending", "Pending"
    STORED = "stored", "Stored"
    FAILED = "failed", "Failed"


class DocumentsBuild(models.Model):
    """The build of an issued invoice's documents by the Celery task, as the API shows it.

    Created by the first attempt (or the beat's sweep, for an invoice whose task never
    reached a worker); `attempts` counts the tries started, so an attempt killed by the
    time or memory limit still counts, and after the last one the build is `failed` with
    the reason, for a person to see (`GET /api/invoices/{id}/documents/`).
    """

    invoice = models.OneToOneField(
        "invoices.Invoice", on_delete=models.CASCADE, related_name="documents_build"
    )
    status = models.CharField(
        max_length=10, choices=DocumentsStatus.choices, default=DocumentsStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.invoice_id} documents ({self.status})"
