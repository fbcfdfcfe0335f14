"""Back office of recurring invoices: schedules with their template lines, next dates,
billed periods and generated invoices; pause / resume. Every write goes through
recurring.services (the form's last validation step, as the invoice admin does)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from common.admin import OwnedModelAdmin, ServiceLinesMixin, ServiceWrittenForm
from common.exceptions import BusinessException
from invoices.models import ALLOWANCE_CHARGE_FIELDS, ITEM_FIELDS
from recurring import services
from recurring.models import (
    RecurringAllowanceCharge,
    RecurringInvoice,
    RecurringItem,
    RecurringPeriod,
)
from recurring.selectors import upcoming_periods

LINE_FIELDS = {"items": ITEM_FIELDS, "allowances_charges": ALLOWANCE_CHARGE_FIELDS}
SCHEDULE_FIELDS = (
    "frequency",
    "interval",
    "start_date",
    "end_date",
    "max_cycles",
    "issue_mode",
    "stop_on_unpaid",
    "days_until_due",
    "currency",
    "notes",
    "buyer_reference",
    "order_reference",
)


class RecurringItemInline(admin.TabularInline):
    model = RecurringItem
    fields = ITEM_FIELDS
    extra = 0


class RecurringAllowanceChargeInline(admin.TabularInline):
    model = RecurringAllowanceCharge
    fields = ALLOWANCE_CHARGE_FIELDS
    extra = 0


class RecurringPeriodInline(admin.TabularInline):
    """The periods billed or skipped, with their invoices (read-only)."""

    model = RecurringPeriod
    fields = ("period_start", "period_end", "outcome", "invoice_link", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-period_index"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Invoice")
    def invoice_link(self, obj: RecurringPeriod) -> str:
        if obj.invoice_id is None:
            return "-"
        url = reverse("admin:invoices_invoice_change", args=[obj.invoice_id])
        return format_html('<a href="{}">{}</a>', url, obj.invoice or f"#{obj.invoice_id}")


class RecurringInvoiceForm(ServiceWrittenForm):
    """The schedule and its template lines, written by recurring.services at once."""


@admin.register(RecurringInvoice)
class RecurringInvoiceAdmin(ServiceLinesMixin, OwnedModelAdmin):
    form = RecurringInvoiceForm
    line_fields = LINE_FIELDS
    list_display = (
        "id",
        "customer",
        "frequency",
        "interval",
        "issue_mode",
        "status",
        "next_period_start",
        "cycles_done",
        "error_code",
    )
    list_filter = ("status", "frequency", "issue_mode")
    search_fields = ("customer__name", "notes")
    list_select_related = ("customer",)
    inlines = [RecurringItemInline, RecurringAllowanceChargeInline, RecurringPeriodInline]
    readonly_fields = (
        "status",
        "next_dates",
        "cycles_done",
        "last_run_at",
        "last_error",
        "generated_invoices",
    )
    fieldsets = [
        (None, {"fields": ["owner", "customer", "status"]}),
        (
            "Calendar",
            {
                "fields": [
                    ("frequency", "interval"),
                    ("start_date", "end_date", "max_cycles"),
                    "next_dates",
                    ("cycles_done", "last_run_at"),
                    "last_error",
                ]
            },
        ),
        (
            "Template",
            {
                "fields": [
                    ("issue_mode", "stop_on_unpaid", "days_until_due"),
                    "currency",
                    ("buyer_reference", "order_reference"),
                    "notes",
                ]
            },
        ),
        ("Generated invoices", {"fields": ["generated_invoices"]}),
    ]
    actions = ["pause_selected", "resume_selected", "resume_with_catch_up"]

    def service_write(self, request, form, lines) -> RecurringInvoice:
        data = form.cleaned_data
        fields = {name: data.get(name) for name in SCHEDULE_FIELDS}
        for name in ("currency", "notes", "buyer_reference", "order_reference"):
            fields[name] = fields[name] or ""
        if form.instance.pk is None:
            return services.recurring_invoice_create(
                owner=data.get("owner") or request.user,
                customer=data["customer"],
                **fields,
                **lines,
            )
        return services.recurring_invoice_update(
            schedule=form.instance, customer=data["customer"], **fields, **lines
        )

    def delete_model(self, request, obj) -> None:
        services.recurring_invoice_delete(schedule=obj)

    def delete_queryset(self, request, queryset) -> None:
        for schedule in queryset:
            services.recurring_invoice_delete(schedule=schedule)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.invoices.exists():
            return False  # cancel it instead
        return super().has_delete_permission(request, obj)

    @admin.display(description="Error")
    def error_code(self, obj: RecurringInvoice) -> str:
        return (obj.last_error or {}).get("code", "")

    @admin.display(description="Next periods")
    def next_dates(self, obj: RecurringInvoice) -> str:
        if obj.pk is None or obj.status in ("cancelled", "completed"):
            return "-"
        upcoming = []
        for period in upcoming_periods(obj):
            upcoming.append(period)
            if len(upcoming) == 3:
                break
        return ", ".join(f"{p.start:%Y-%m-%d}..{p.end:%Y-%m-%d}" for p in upcoming) or "-"

    @admin.display(description="Invoices")
    def generated_invoices(self, obj: RecurringInvoice) -> str:
        if obj.pk is None:
            return "-"
        invoices = obj.invoices.order_by("-period_start", "-id")[:24]
        links = format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            ((reverse("admin:invoices_invoice_change", args=[i.pk]), str(i)) for i in invoices),
        )
        return links or "-"

    def _each(self, request, queryset, call, done: str) -> None:
        changed = 0
        for schedule in queryset:
            try:
                call(schedule)
                changed += 1
            except BusinessException as exc:
                self.message_user(request, f"#{schedule.pk}: {exc.message}", messages.WARNING)
        if changed:
            self.message_user(request, f"{changed} schedule(s) {done}.", messages.SUCCESS)

    @admin.action(description="Pause selected schedules")
    def pause_selected(self, request, queryset) -> None:
        self._each(
            request, queryset, lambda s: services.recurring_invoice_pause(schedule=s), "paused"
        )

    @admin.action(description="Resume selected schedules (skip the paused periods)")
    def resume_selected(self, request, queryset) -> None:
        self._each(
            request, queryset, lambda s: services.recurring_invoice_resume(schedule=s), "resumed"
        )

    @admin.action(description="Resume selected schedules and bill the paused periods")
    def resume_with_catch_up(self, request, queryset) -> None:
        self._each(
            request,
            queryset,
            lambda s: services.recurring_invoice_resume(schedule=s, catch_up=True),
            "resumed",
        )
