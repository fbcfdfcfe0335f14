"""Payment reminders: one row per invoice and level, the claim that it was sent once."""

from __future__ import annotations

from django.db import models

from common.fields import FastJSONField


class PaymentReminder(models.Model):
    """Level `level` (1-based) of the company's policy, sent for `invoice` once.

    The unique (invoice, level) row is written first in the reminder's transaction: a
    second runner, a retried task or the beat firing twice cannot send a level again.
    """

    invoice = models.ForeignKey(
        "invoices.Invoice", on_delete=models.PROTECT, related_name="reminders"
    )
    level = models.PositiveSmallIntegerField()
    # The day whose eligibility was checked (the company's day, or the command's --date).
    run_date = models.DateField()
    sent_at = models.DateTimeField()
    days_overdue = models.PositiveIntegerField(default=0)
    amount_due = models.DecimalField(max_digits=19, decimal_places=4)
    sending = models.ForeignKey(
        "documents.InvoiceSending",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    fee_amount = models.DecimalField(max_digits=19, decimal_places=4, null=True, blank=True)
    fee_invoice = models.OneToOneField(
        "invoices.Invoice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fee_for_reminder",
    )
    # Statutory default interest (settings `late_interest`): how it was computed, or null.
    interest = FastJSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["invoice_id", "level"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "level"], name="reminder_once_per_level"),
            models.CheckConstraint(condition=models.Q(level__gte=1), name="reminder_level_from_1"),
        ]

    def __str__(self) -> str:
        return f"Reminder {self.level} of {self.invoice}"

    @property
    def currency(self) -> str:
        return self.invoice.currency
