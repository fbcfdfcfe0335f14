"""Invoices are legal documents: once issued they never change (ARCHITECTURE.md 3-5)."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from common import counts
from common.fields import FastJSONField
from common.models import TimeStampedModel
from invoices.errors import InvoiceNotEditable
from settings_app.calendar import company_today
from settings_app.models import TAX_CATEGORIES

ZERO = Decimal("0")


def _money(**kwargs) -> models.DecimalField:
    # 4 decimals hold every ISO 4217 minor unit we accept (KWD 3); values are stored rounded.
    return models.DecimalField(max_digits=19, decimal_places=4, default=ZERO, **kwargs)


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", "Invoice"
    CREDIT_NOTE = "credit_note", "Credit note"


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ISSUED = "issued", "Issued"
    PARTIALLY_PAID = "partially_paid", "Partially paid"
    PAID = "paid", "Paid"
    CREDITED = "credited", "Credited"
    VOID = "void", "Void"


# Every issued document (void ones included: a void invoice is settled by its
# cancellation credit note, and both stay in the figures).
ISSUED_STATUSES = (
    InvoiceStatus.ISSUED,
    InvoiceStatus.PARTIALLY_PAID,
    InvoiceStatus.PAID,
    InvoiceStatus.CREDITED,
    InvoiceStatus.VOID,
)
# Documents with something left to settle: invoices with an amount due, credit notes
# with a refund due.
OPEN_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID)

# Fields that still move after issue: payment state, voiding, the public link.
MUTABLE_AFTER_ISSUE = frozenset(
    {
        "status",
        "paid_total",
        "credited_total",
        "amount_due",
        "refund_due",
        "payments_json",
        "credit_notes_json",
        "void_reason",
        "voided_at",
        "voided_by",
        "public_token",
        "pdf_file",
        "reminders_paused",
        "reminder_level",
        "version",
        "updated_at",
    }
)


# The writable fields of a line and of a document allowance/charge (API, admin, copies).
ITEM_FIELDS = (
    "description",
    "quantity",
    "unit_code",
    "unit_price",
    "price_base_quantity",
    "discount_amount",
    "charge_amount",
    "tax_category",
    "tax_rate",
)
ALLOWANCE_CHARGE_FIELDS = ("is_charge", "amount", "reason", "tax_category", "tax_rate")
# What a line or a document allowance/charge holds when a field is left out: the one home
# of these defaults (columns, API fields, services). `tax_rate` has none of its own: S
# lines take the company's default rate, the other categories 0.
ITEM_DEFAULTS = {
    "unit_code": "C62",
    "price_base_quantity": Decimal("1"),
    "discount_amount": ZERO,
    "charge_amount": ZERO,
    "tax_category": "S",
}
ALLOWANCE_CHARGE_DEFAULTS = {"is_charge": False, "reason": "", "tax_category": "S"}


def new_public_token() -> str:
    return secrets.token_urlsafe(32)


class NumberSequence(models.Model):
    """The counter of one series and year; its row is locked while a number is drawn."""

    series = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)
    # The latest issue date used in the series and year: numbers stay chronological
    # (ARCHITECTURE.md invariant 4), checked by the same statement that draws a number.
    last_issue_date = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["series", "year"], name="number_sequence_series_year")
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.year}: {self.last_value}"


class InvoiceQuerySet(models.QuerySet):
    def update(self, **fields):
        """Every UPDATE moves the version (unless it sets one): a rendered copy of an
        invoice (invoices.representation) can never outlive the row it was built from."""
        fields.setdefault("version", models.F("version") + 1)
        counts.tables_changed()  # no post_save: the list's remembered ETags go too
        return super().update(**fields)


class Invoice(TimeStampedModel):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invoices"
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="invoices"
    )
    kind = models.CharField(max_length=16, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE)
    status = models.CharField(
        max_length=16, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT
    )
    series = models.CharField(max_length=20)
    number = models.CharField(max_length=64, null=True, blank=True, editable=False)  # noqa: DJ001 - NULL keeps drafts out of the unique index
    number_year = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    sequence = models.PositiveIntegerField(null=True, blank=True, editable=False)

    issue_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    currency = models.CharField(max_length=3)
    language = models.CharField(max_length=5, default="en")
    buyer_reference = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True)
    # EN 16931 business terms a receiver may require (documents.einvoice).
    order_reference = models.CharField(max_length=200, blank=True)  # BT-13
    delivery_date = models.DateField(null=True, blank=True)  # BT-72
    period_start = models.DateField(null=True, blank=True)  # BG-14, BT-73
    period_end = models.DateField(null=True, blank=True)  # BG-14, BT-74
    payment_terms = models.TextField(blank=True)  # BT-20
    # [{tax_category, code, reason}]: VATEX code (BT-121) and text (BT-120) per category.
    vat_exemptions = FastJSONField(default=list, blank=True)
    # Payment reminders stopped for this invoice (state, not content: writable after issue).
    reminders_paused = models.BooleanField(default=False)
    # The highest payment reminder level sent (0: none), kept by the reminders service in
    # the transaction that records the reminder: the aging report reads it per invoice.
    reminder_level = models.PositiveSmallIntegerField(default=0, editable=False)
    credited_invoice = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_notes"
    )
    # The schedule that generated it (recurring/): PROTECT, a schedule with invoices is
    # cancelled, never deleted.
    recurring_invoice = models.ForeignKey(
        "recurring.RecurringInvoice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices",
        editable=False,
    )

    # Totals (EN 16931 BG-22), stored from invoices.calculation on every draft write.
    line_total = _money()
    allowance_total = _money()
    charge_total = _money()
    net_total = _money()
    tax_total = _money()
    gross_total = _money()
    paid_total = _money()
    # The live settlement (invoices.settlement): credit notes issued against an invoice
    # lower its amount due; what payments and credits give beyond the gross is owed
    # back and shown on the credit notes as `refund_due`.
    credited_total = _money()
    amount_due = _money()
    refund_due = _money()
    tax_breakdown = FastJSONField(default=list, blank=True, editable=False)
    # Read copies of the invoice's allowances/charges and payments, in the API's shape,
    # rewritten by the same service functions that write those rows: a list page then
    # needs no query per kind of child row (invoices.representation).
    allowances_charges_json = FastJSONField(default=list, blank=True, editable=False)
    payments_json = FastJSONField(default=list, blank=True, editable=False)
    credit_notes_json = FastJSONField(default=list, blank=True, editable=False)

    # Snapshots taken at issue (invariant 5): later edits elsewhere never change them.
    seller = FastJSONField(null=True, blank=True, editable=False)
    buyer = FastJSONField(null=True, blank=True, editable=False)

    issued_at = models.DateTimeField(null=True, blank=True, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    voided_at = models.DateTimeField(null=True, blank=True, editable=False)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    void_reason = models.TextField(blank=True, editable=False)
    public_token = models.CharField(max_length=64, null=True, blank=True, editable=False)  # noqa: DJ001
    pdf_file = models.FileField(upload_to="invoices/pdf/", blank=True, editable=False)

    # Moved by every save and every queryset update: the key of rendered copies.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        constraints = [
            # The last guard of gap-free numbering: a number is never drawn twice.
            models.UniqueConstraint(
                fields=["series", "number_year", "sequence"], name="invoice_unique_sequence"
            ),
            models.UniqueConstraint(fields=["number"], name="invoice_unique_number"),
            models.UniqueConstraint(fields=["public_token"], name="invoice_unique_public_token"),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(number__isnull=False),
                name="invoice_issued_has_number",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "-id"], name="invoice_owner_id"),
            models.Index(fields=["status", "due_date"], name="invoice_status_due"),
            models.Index(fields=["customer", "status"], name="invoice_customer_status"),
            models.Index(fields=["issue_date"], name="invoice_issue_date"),
            # Reports (invoices.selectors): partial covering indexes, so the aging report
            # reads only open invoices and the summary only issued ones, from the index
            # alone on PostgreSQL (`include` is ignored elsewhere).
            models.Index(
                fields=["due_date"],
                include=["owner", "amount_due", "currency"],
                condition=models.Q(kind="invoice", status__in=["issued", "partially_paid"]),
                name="invoice_open_due",
            ),
            models.Index(
                fields=["issue_date"],
                include=[
                    "owner",
                    "status",
                    "kind",
                    "currency",
                    "due_date",
                    "gross_total",
                    "net_total",
                    "tax_total",
                    "paid_total",
                    "credited_total",
                    "amount_due",
                    "refund_due",
                ],
                condition=~models.Q(status="draft"),
                name="invoice_issued_date",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"Draft #{self.pk}"

    @property
    def is_credit_note(self) -> bool:
        return self.kind == InvoiceKind.CREDIT_NOTE

    @property
    def is_overdue(self) -> bool:
        return (
            self.kind == InvoiceKind.INVOICE
            and self.status in OPEN_STATUSES
            and self.due_date is not None
            and self.due_date < company_today()
        )

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._remember(dict(zip(field_names, values, strict=True)))
        return instance

    def _remember(self, values: dict) -> None:
        """Note what the database holds for the frozen fields and the status (by
        column name). Only those: the check needs nothing else, and a copy of every
        field (django-model-utils' FieldTracker, with a descriptor on each of them)
        cost more than most writes."""
        saved = dict(getattr(self, "_saved", None) or {})
        for attname, value in values.items():
            if attname in _WATCHED:
                saved[attname] = _copy(value)
        self._saved = saved

    def _loaded_status(self) -> str | None:
        """The status as read from the database (None for a row not saved yet)."""
        saved = getattr(self, "_saved", None)
        if self.pk is None or saved is None:
            return None
        if "status" not in saved:  # deferred when read: ask the database
            saved["status"] = (
                type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
            )
        return saved["status"]

    def _frozen_changes(self) -> set[str]:
        """Frozen fields whose value differs from the database's (by field name)."""
        saved = self._saved
        loaded = self.__dict__
        # Deferred when read and assigned since: compare with the database.
        unknown = [name for name in _FROZEN if name not in saved and name in loaded]
        if unknown:
            row = type(self).objects.filter(pk=self.pk).values(*unknown).first() or {}
            saved.update({name: _copy(row.get(name)) for name in unknown})
        return {
            _FIELD_NAMES[name]
            for name, value in saved.items()
            if name in _FROZEN and name in loaded and loaded[name] != value
        }

    def save(self, *args, **kwargs) -> None:
        # Immutability whatever the path (API, admin, shell): once issued, only the payment
        # state, voiding and the public link may move.
        if self._loaded_status() not in (None, InvoiceStatus.DRAFT):
            frozen = self._frozen_changes()
            if frozen:
                raise InvoiceNotEditable(details={"fields": sorted(frozen)})
        if self.pk is not None and not self._state.adding:
            self.version += 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = [*kwargs["update_fields"], "version"]
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            # By column name (`issued_by_id`), as the saved state keeps them.
            kwargs["update_fields"] = [_ATTNAMES.get(name, name) for name in update_fields]
        super().save(*args, **kwargs)
        saved = _WATCHED if update_fields is None else kwargs["update_fields"]
        self._remember({name: self.__dict__[name] for name in saved if name in self.__dict__})

    def refresh_from_db(self, using=None, fields=None, from_queryset=None) -> None:
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        # What was read again (all loaded fields when none are named), nothing else: a
        # field changed in memory and not reloaded keeps its saved value.
        names = _WATCHED if fields is None else {_ATTNAMES.get(name, name) for name in fields}
        self._remember({name: self.__dict__[name] for name in names if name in self.__dict__})

    def delete(self, *args, **kwargs):
        if (self._loaded_status() or self.status) != InvoiceStatus.DRAFT:
            raise InvoiceNotEditable("Issued invoices cannot be deleted; void them instead.")
        return super().delete(*args, **kwargs)


# The immutability check's view of an Invoice (Invoice._remember): the fields frozen at
# issue, by column name, and the status that says whether they are.
_ATTNAMES = {field.name: field.attname for field in Invoice._meta.concrete_fields}
_FIELD_NAMES = {field.attname: field.name for field in Invoice._meta.concrete_fields}
_FROZEN = frozenset(
    field.attname
    for field in Invoice._meta.concrete_fields
    if field.name not in MUTABLE_AFTER_ISSUE
)
_WATCHED = _FROZEN | {"status"}


def _copy(value):
    """A copy a later in-place change of a JSON value cannot reach (the rest is immutable)."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


class _DraftChild(models.Model):
    """A row of a draft: created, changed and deleted only while its invoice is a draft."""

    class Meta:
        abstract = True

    def _check_editable(self) -> None:
        status = Invoice.objects.filter(pk=self.invoice_id).values_list("status", flat=True).first()
        if status is not None and status != InvoiceStatus.DRAFT:
            raise InvoiceNotEditable()

    def save(self, *args, **kwargs) -> None:
        self._check_editable()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._check_editable()
        return super().delete(*args, **kwargs)


class InvoiceItem(_DraftChild):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(default=0)
    description = models.CharField(max_length=1000)
    quantity = models.DecimalField(max_digits=19, decimal_places=4)
    unit_code = models.CharField(max_length=3, default=ITEM_DEFAULTS["unit_code"])
    unit_price = models.DecimalField(
        max_digits=19, decimal_places=4, validators=[MinValueValidator(ZERO)]
    )
    price_base_quantity = models.DecimalField(
        max_digits=19, decimal_places=4, default=ITEM_DEFAULTS["price_base_quantity"]
    )
    discount_amount = _money(validators=[MinValueValidator(ZERO)])
    charge_amount = _money(validators=[MinValueValidator(ZERO)])
    tax_category = models.CharField(
        max_length=2, choices=TAX_CATEGORIES, default=ITEM_DEFAULTS["tax_category"]
    )
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, default=ZERO)
    net_amount = _money(editable=False)
    # The catalogue entry the line's values were copied from (a reference, not a link:
    # editing the product never changes the line; a used product cannot be deleted).
    product = models.ForeignKey(
        "products.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.description


class InvoiceAllowanceCharge(_DraftChild):
    """A document level allowance (BG-20) or charge (BG-21)."""

    invoice = models.ForeignKey(
        Invoice, on_delete=models.CASCADE, related_name="allowances_charges"
    )
    position = models.PositiveIntegerField(default=0)
    is_charge = models.BooleanField(default=ALLOWANCE_CHARGE_DEFAULTS["is_charge"])
    amount = _money(validators=[MinValueValidator(ZERO)])
    reason = models.CharField(max_length=200, blank=True)
    tax_category = models.CharField(
        max_length=2, choices=TAX_CATEGORIES, default=ALLOWANCE_CHARGE_DEFAULTS["tax_category"]
    )
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, default=ZERO)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{'Charge' if self.is_charge else 'Allowance'} {self.amount}"


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    CARD = "card", "Card"
    CASH = "cash", "Cash"
    CHEQUE = "cheque", "Cheque"
    OTHER = "other", "Other"


class Payment(TimeStampedModel):
    """Money received for an invoice (or refunded for a credit note)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(max_digits=19, decimal_places=4)
    date = models.DateField()
    method = models.CharField(
        max_length=20, choices=PaymentMethod.choices, default=PaymentMethod.BANK_TRANSFER
    )
    reference = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_amount_positive")
        ]

    def __str__(self) -> str:
        return f"{self.amount} on {self.date}"


class ReportRollup(models.Model):
    """Sums of the issued documents of one (owner, issue day, due day, currency, kind,
    status): what the aging and summary reports add up (invoices.rollups).

    Kept by the invoice services in the transaction that changes a document's figures
    (one upsert of differences per write: invoices.services._rollups), so a rollback
    leaves them right; `manage.py rebuild_report_rollups` recomputes them from the
    invoices. Keyed by the dates, not by an age: the aging buckets and the overdue
    split are ranges of `due_date` chosen at read time, so any "as of" day reads right.
    Drafts are never in it. A row whose documents all moved on keeps `count` 0.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    issue_date = models.DateField()
    due_date = models.DateField()
    currency = models.CharField(max_length=3)
    kind = models.CharField(max_length=16, choices=InvoiceKind.choices)
    status = models.CharField(max_length=16, choices=InvoiceStatus.choices)
    count = models.IntegerField(default=0)
    gross_total = _money()
    net_total = _money()
    tax_total = _money()
    paid_total = _money()
    amount_due = _money()
    refund_due = _money()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "issue_date", "due_date", "currency", "kind", "status"],
                name="report_rollup_key",
            )
        ]
        indexes = [models.Index(fields=["issue_date"], name="report_rollup_issue_date")]

    def __str__(self) -> str:
        return f"{self.owner_id} {self.issue_date} {self.kind} {self.status}: {self.count}"


class PaymentRollup(models.Model):
    """Sums of the payments of one (owner, payment day, currency, kind) of the documents
    they were recorded on: the money collected per month of the dashboard (refunds are
    the credit notes' rows).

    Kept like `ReportRollup`, in the same statement (invoices.services._rollups: the
    payment services add or take away the payment); `manage.py rebuild_report_rollups`
    recomputes them from the payments. Owner, currency and kind of an issued document
    never change, nor does a payment: no other write moves these sums.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    date = models.DateField()
    currency = models.CharField(max_length=3)
    kind = models.CharField(max_length=16, choices=InvoiceKind.choices)
    count = models.IntegerField(default=0)
    amount = _money()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "date", "currency", "kind"], name="payment_rollup_key"
            )
        ]
        indexes = [models.Index(fields=["date"], name="payment_rollup_date")]

    def __str__(self) -> str:
        return f"{self.owner_id} {self.date} {self.kind}: {self.amount}"
