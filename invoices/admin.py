"""Back office for invoices: drafts editable with inline lines, issued ones read-only."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join

from common.admin import OwnedModelAdmin
from common.exceptions import BusinessException
from invoices import services
from invoices.models import (
    ITEM_FIELDS,
    Invoice,
    InvoiceAllowanceCharge,
    InvoiceItem,
    InvoiceStatus,
    NumberSequence,
    Payment,
)
from invoices.representation import MONEY_FIELDS


class _DraftOnlyInline(admin.TabularInline):
    extra = 0

    def _editable(self, obj) -> bool:
        return obj is None or obj.status == InvoiceStatus.DRAFT

    def has_add_permission(self, request, obj=None) -> bool:
        return self._editable(obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._editable(obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._editable(obj)

    def has_view_permission(self, request, obj=None) -> bool:
        return True


class InvoiceItemInline(_DraftOnlyInline):
    model = InvoiceItem
    extra = 1
    fields = [*ITEM_FIELDS, "net_amount"]
    readonly_fields = ["net_amount"]


class AllowanceChargeInline(_DraftOnlyInline):
    model = InvoiceAllowanceCharge
    fields = ["is_charge", "amount", "reason", "tax_category", "tax_rate"]


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    fields = ["date", "amount", "method", "reference", "recorded_by"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return True


@admin.register(Invoice)
class InvoiceAdmin(OwnedModelAdmin):
    list_display = [
        "__str__",
        "kind",
        "customer",
        "status",
        "issue_date",
        "due_date",
        "currency",
        "gross_total",
        "amount_due",
    ]
    list_filter = ["status", "kind", "currency", "issue_date"]
    search_fields = ["number", "customer__name"]
    list_select_related = ["customer"]
    date_hierarchy = "issue_date"
    inlines = [InvoiceItemInline, AllowanceChargeInline, PaymentInline]
    actions = ["issue_selected", "void_selected"]
    fields = [
        "owner",
        "customer",
        "kind",
        "series",
        "issue_date",
        "due_date",
        "currency",
        "buyer_reference",
        "notes",
        "number",
        "status",
        "totals",
        "vat_breakdown",
        "credited_invoice",
        "void_reason",
    ]
    readonly_fields = ["number", "status", "totals", "vat_breakdown", "void_reason"]
    autocomplete_fields: list[str] = []

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != InvoiceStatus.DRAFT:
            return self.fields  # issued: nothing on the form can change (invariant 3)
        return self.readonly_fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "customer" and not request.user.is_superuser:
            from customers.models import Customer

            kwargs["queryset"] = Customer.objects.filter(owner=request.user)
        if db_field.name == "credited_invoice":
            kwargs["queryset"] = Invoice.objects.exclude(status=InvoiceStatus.DRAFT)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        from settings_app.models import CompanySettings

        company = CompanySettings.load()
        return {"series": company.invoice_series, "currency": company.default_currency}

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.status != InvoiceStatus.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        # Issued invoices open as a view-only page (no Save buttons); the issue and void
        # actions still run from the list.
        if obj is not None and obj.status != InvoiceStatus.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    @admin.display(description="Totals")
    def totals(self, obj: Invoice) -> str:
        if obj.pk is None:
            return "-"
        rows = [
            (name.replace("_", " "), f"{getattr(obj, name):.2f} {obj.currency}")
            for name in MONEY_FIELDS
        ]
        return format_html(
            "<table>{}</table>", format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows)
        )

    @admin.display(description="VAT breakdown")
    def vat_breakdown(self, obj: Invoice) -> str:
        if not obj.tax_breakdown:
            return "-"
        rows = [
            (g["tax_category"], g["tax_rate"], g["taxable_amount"], g["tax_amount"])
            for g in obj.tax_breakdown
        ]
        return format_html(
            "<table><tr><th>Category</th><th>Rate %</th><th>Taxable</th><th>VAT</th></tr>"
            "{}</table>",
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )

    def save_model(self, request, obj, form, change):
        if not change:
            obj.language = obj.customer.preferred_language
            if not obj.currency:
                obj.currency = obj.customer.currency
        super().save_model(request, obj, form, change)

    def _run(self, request, queryset, action, label: str) -> None:
        done = 0
        for invoice in queryset.order_by("id"):
            try:
                action(invoice)
                done += 1
            except BusinessException as exc:
                self.message_user(
                    request, f"{invoice}: {exc.message} {exc.details or ''}", messages.ERROR
                )
        if done:
            self.message_user(request, f"{label} {done} invoice(s).", messages.SUCCESS)

    @admin.action(description="Issue selected drafts")
    def issue_selected(self, request, queryset):
        self._run(
            request,
            queryset,
            lambda inv: services.invoice_issue(invoice=inv, by=request.user),
            "Issued",
        )

    @admin.action(description="Void selected invoices (no payments)")
    def void_selected(self, request, queryset):
        self._run(
            request,
            queryset,
            lambda inv: services.invoice_void(
                invoice=inv, by=request.user, reason="Voided in the back office."
            ),
            "Voided",
        )


@admin.register(NumberSequence)
class NumberSequenceAdmin(admin.ModelAdmin):
    list_display = ["series", "year", "last_value"]
    readonly_fields = ["series", "year", "last_value"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
