"""Payment reminders in the back office: read-only (the runner writes them)."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from reminders.models import PaymentReminder


def _invoice_link(invoice) -> str:
    if invoice is None:
        return "-"
    url = reverse("admin:invoices_invoice_change", args=[invoice.pk])
    return format_html('<a href="{}">{}</a>', url, invoice.number or f"#{invoice.pk}")


@admin.register(PaymentReminder)
class PaymentReminderAdmin(admin.ModelAdmin):
    list_display = ["__str__", "invoice_link", "level", "run_date", "sent_at", "email", "fee"]
    list_filter = ["level", "run_date"]
    search_fields = ["invoice__number", "invoice__customer__name"]
    list_select_related = ["invoice", "sending", "fee_invoice"]
    date_hierarchy = "run_date"
    fields = [
        "invoice_link",
        "level",
        "run_date",
        "sent_at",
        "days_overdue",
        "amount_due",
        "email",
        "fee",
        "fee_amount",
        "interest",
    ]
    readonly_fields = fields

    @admin.display(description="Invoice", ordering="invoice__number")
    def invoice_link(self, obj: PaymentReminder) -> str:
        return _invoice_link(obj.invoice)

    @admin.display(description="Fee invoice")
    def fee(self, obj: PaymentReminder) -> str:
        return _invoice_link(obj.fee_invoice)

    @admin.display(description="E-mail")
    def email(self, obj: PaymentReminder) -> str:
        return obj.sending.status if obj.sending else "-"

    # Owned like their invoice (invariant 7): staff see the reminders of their own.
    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if not request.user.is_superuser:
            queryset = queryset.filter(invoice__owner_id=request.user.id)
        return queryset

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None) -> bool:
        if request.user.is_superuser:
            return True
        return request.user.is_staff and (obj is None or obj.invoice.owner_id == request.user.id)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
