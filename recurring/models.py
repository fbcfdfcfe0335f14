"""Recurring invoices: a schedule (template + calendar) and the periods it has billed.

A period is claimed by inserting its `RecurringPeriod` row (unique per schedule and
period start) in the same transaction that writes its invoice: a period can be billed
at most once, whoever runs the generation and however often.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from common.fields import FastJSONField
from common.models import TimeStampedModel
from invoices.models import ALLOWANCE_CHARGE_DEFAULTS, ITEM_DEFAULTS, ZERO
from recurring import periods
from settings_app.models import TAX_CATEGORIES


class Frequency(models.TextChoices):
    WEEKLY = periods.WEEKLY, "Weekly"
    MONTHLY = periods.MONTHLY, "Monthly"
    QUARTERLY = periods.QUARTERLY, "Quarterly"
    YEARLY = periods.YEARLY, "Yearly"


class IssueMode(models.TextChoices):
    DRAFT = "draft", "Draft only"
    ISSUE = "issue", "Issue"
    ISSUE_AND_SEND = "issue_and_send", "Issue and send by e-mail"


class ScheduleStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class PeriodOutcome(models.TextChoices):
    INVOICED = "invoiced", "Invoiced"
    SKIPPED_UNPAID = "skipped_unpaid", "Skipped: an invoice was still open"
    SKIPPED_PAUSED = "skipped_paused", "Skipped: the schedule was paused"


class RecurringInvoice(TimeStampedModel):
    """A schedule: which customer is billed what, how often, from which anchor date."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="recurring_invoices"
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="recurring_invoices"
    )
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    interval = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    # The anchor: period n starts at start_date + n x interval (recurring.periods).
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="The last period start.")
    max_cycles = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)], help_text="Invoices at most."
    )
    issue_mode = models.CharField(max_length=16, choices=IssueMode.choices, default=IssueMode.ISSUE)
    stop_on_unpaid = models.BooleanField(default=False)
    days_until_due = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty: the customer's payment terms."
    )

    # The template of every generated invoice (lines in RecurringItem / RecurringAllowanceCharge).
    currency = models.CharField(max_length=3, blank=True)
    notes = models.TextField(blank=True)
    buyer_reference = models.CharField(max_length=200, blank=True)
    order_reference = models.CharField(max_length=200, blank=True)

    # Where the schedule stands: the next period to bill (index from the anchor, and its
    # start date for queries), written only by recurring.services.
    status = models.CharField(
        max_length=10, choices=ScheduleStatus.choices, default=ScheduleStatus.ACTIVE
    )
    next_index = models.PositiveIntegerField(default=0, editable=False)
    next_period_start = models.DateField(null=True, blank=True, editable=False)
    cycles_done = models.PositiveIntegerField(default=0, editable=False)
    last_run_at = models.DateTimeField(null=True, blank=True, editable=False)
    # {code, message, details, period_start, at} of the last refused period (retried at
    # the next run) or of a catch-up cut short; null once a run went through.
    last_error = FastJSONField(null=True, blank=True, editable=False)
    paused_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(interval__gte=1), name="recurring_interval"),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="recurring_end_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "-id"], name="recurring_owner_id"),
            models.Index(
                fields=["next_period_start"],
                condition=models.Q(status="active"),
                name="recurring_active_due",
            ),
        ]

    def __str__(self) -> str:
        every = f"every {self.interval} " if self.interval > 1 else ""
        return f"#{self.pk} {self.customer} ({every}{self.frequency})"


class _TemplateLine(models.Model):
    schedule = models.ForeignKey(RecurringInvoice, on_delete=models.CASCADE)
    position = models.PositiveIntegerField(default=0)
    tax_category = models.CharField(max_length=2, choices=TAX_CATEGORIES, default="S")
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, default=ZERO)

    class Meta:
        abstract = True
        ordering = ["position", "id"]


class RecurringItem(_TemplateLine):
    """A line of the template; its description may hold {period_start}, {period_end},
    {month} and {year}, filled in (in the customer's language) on generation."""

    schedule = models.ForeignKey(RecurringInvoice, on_delete=models.CASCADE, related_name="items")
    description = models.CharField(max_length=1000)
    quantity = models.DecimalField(max_digits=19, decimal_places=4)
    unit_code = models.CharField(max_length=3, default=ITEM_DEFAULTS["unit_code"])
    unit_price = models.DecimalField(max_digits=19, decimal_places=4)
    price_base_quantity = models.DecimalField(
        max_digits=19, decimal_places=4, default=ITEM_DEFAULTS["price_base_quantity"]
    )
    discount_amount = models.DecimalField(max_digits=19, decimal_places=4, default=ZERO)
    charge_amount = models.DecimalField(max_digits=19, decimal_places=4, default=ZERO)

    class Meta(_TemplateLine.Meta):
        pass

    def __str__(self) -> str:
        return self.description


class RecurringAllowanceCharge(_TemplateLine):
    schedule = models.ForeignKey(
        RecurringInvoice, on_delete=models.CASCADE, related_name="allowances_charges"
    )
    is_charge = models.BooleanField(default=ALLOWANCE_CHARGE_DEFAULTS["is_charge"])
    amount = models.DecimalField(max_digits=19, decimal_places=4)
    reason = models.CharField(max_length=200, blank=True)

    class Meta(_TemplateLine.Meta):
        pass

    def __str__(self) -> str:
        return f"{'Charge' if self.is_charge else 'Allowance'} {self.amount}"


class RecurringPeriod(models.Model):
    """One period of a schedule, billed or skipped: the claim that makes it happen once."""

    schedule = models.ForeignKey(RecurringInvoice, on_delete=models.CASCADE, related_name="periods")
    period_index = models.PositiveIntegerField()
    period_start = models.DateField()
    period_end = models.DateField()
    outcome = models.CharField(max_length=16, choices=PeriodOutcome.choices)
    # SET_NULL: a generated draft may be deleted (it has no legal weight); the period
    # stays billed, so it is not generated again.
    invoice = models.OneToOneField(
        "invoices.Invoice",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recurring_period",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["schedule_id", "period_index"]
        constraints = [
            # Each period at most once, by construction (issue 15, 2).
            models.UniqueConstraint(
                fields=["schedule", "period_start"], name="recurring_period_once"
            ),
            models.UniqueConstraint(
                fields=["schedule", "period_index"], name="recurring_period_index"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period_start}..{self.period_end}: {self.outcome}"
