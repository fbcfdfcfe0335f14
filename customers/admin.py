"""Back office for customers: writes through customers.services, with their invoices."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.urls import reverse

from common.admin import OwnedModelAdmin, money_column
from common.money_format import format_money
from customers.models import Customer
from customers.services import customer_create, customer_delete, customer_restore, customer_update
from invoices.models import Invoice, InvoiceKind

STATISTICS = (
    "invoice_count",
    "total_invoiced_shown",
    "total_paid_shown",
    "balance_due_shown",
    "last_invoice_date",
)
# The customer's page lists this many of its latest invoices, and links to all of them.
INVOICES_SHOWN = 50


class DeletedFilter(admin.SimpleListFilter):
    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request, model_admin):
        return [("no", "Active"), ("yes", "Deleted")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(deleted_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(deleted_at__isnull=True)
        return queryset


def _adopt(obj: Customer, saved: Customer) -> None:
    """Give the admin's instance what the service stored (its id first of all)."""
    for field in Customer._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False


@admin.register(Customer)
class CustomerAdmin(OwnedModelAdmin):
    change_form_template = "admin/customers/customer/change_form.html"
    list_display = [
        "name",
        "email",
        "country",
        "currency",
        "invoice_count",
        "balance_due_shown",
        "owner",
        "deleted_at",
    ]
    list_filter = [DeletedFilter, "country", "currency", "preferred_language"]
    search_fields = ["name", "email", "tax_id"]
    readonly_fields = [*STATISTICS, "deleted_at", "created_at", "updated_at"]
    actions = ["restore_selected"]
    fieldsets = (
        (None, {"fields": ("owner", "name", "email", "phone", "preferred_language")}),
        ("Tax and legal", {"fields": ("tax_id", "company_id")}),
        ("Billing address", {"fields": ("street", "city", "postal_code", "country")}),
        ("Terms", {"fields": ("currency", "payment_terms_days", "notes")}),
        (
            "E-invoicing",
            {"fields": ("einvoice_profile", "endpoint_id", "endpoint_scheme", "buyer_reference")},
        ),
        ("Payment reminders", {"fields": ("reminders_enabled", "is_consumer")}),
        ("Statistics", {"fields": STATISTICS}),
        ("History", {"fields": ("created_at", "updated_at", "deleted_at")}),
    )

    total_invoiced_shown = money_column("total_invoiced", "Total invoiced")
    total_paid_shown = money_column("total_paid", "Total paid")
    balance_due_shown = money_column("balance_due", "Balance due")

    def get_queryset(self, request):
        # Admins see soft-deleted rows too (to restore them); staff only live ones.
        if request.user.is_superuser:
            return Customer.all_objects.all()
        return super().get_queryset(request)

    # --- writes: through customers.services ------------------------------------------

    def save_model(self, request, obj, form, change) -> None:
        data = form.cleaned_data
        if change:  # what the user changed (an admin may hand the customer to another owner)
            customer_update(
                customer=obj, **{name: data[name] for name in form.changed_data if name in data}
            )
            return
        fields = {name: value for name, value in data.items() if name != "owner"}
        saved = customer_create(owner=data.get("owner") or request.user, **fields)
        _adopt(obj, saved)

    def delete_model(self, request, obj) -> None:
        customer_delete(customer=obj)

    def delete_queryset(self, request, queryset) -> None:
        for customer in queryset:
            customer_delete(customer=customer)

    @admin.action(description="Restore selected deleted customers")
    def restore_selected(self, request, queryset):
        restored = 0
        for customer in queryset.filter(deleted_at__isnull=False):
            customer_restore(customer=customer)
            restored += 1
        self.message_user(request, f"Restored {restored} customer(s).", messages.SUCCESS)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.is_superuser:
            actions.pop("restore_selected", None)
        return actions

    # --- the customer's invoices ---------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        customer = self.get_object(request, unquote(object_id))
        if customer is not None and self.has_view_permission(request, customer):
            extra_context = {**(extra_context or {}), **self._invoices_context(request, customer)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _invoices_context(self, request, customer: Customer) -> dict[str, Any]:
        invoices = Invoice.objects.filter(customer_id=customer.pk)
        if not request.user.is_superuser:
            invoices = invoices.filter(owner_id=request.user.id)
        rows = list(
            invoices.order_by("-id").values(
                "id",
                "number",
                "kind",
                "status",
                "issue_date",
                "due_date",
                "currency",
                "gross_total",
                "amount_due",
                "refund_due",
            )[: INVOICES_SHOWN + 1]
        )
        shown = []
        for row in rows[:INVOICES_SHOWN]:
            credit_note = row["kind"] == InvoiceKind.CREDIT_NOTE
            open_amount = row["refund_due"] if credit_note else row["amount_due"]
            shown.append(
                {
                    "number": row["number"] or f"Draft #{row['id']}",
                    "kind": "Credit note" if credit_note else "Invoice",
                    "status": row["status"].replace("_", " "),
                    "issue_date": row["issue_date"],
                    "gross": format_money(row["gross_total"], row["currency"]),
                    "open": format_money(open_amount, row["currency"]),
                    "open_label": "refund due" if credit_note and open_amount else "",
                    "url": reverse("admin:invoices_invoice_change", args=[row["id"]]),
                    "pdf_url": reverse("admin:invoices_invoice_document", args=[row["id"], "pdf"]),
                }
            )
        return {
            "customer_invoices": shown,
            "customer_invoices_more": len(rows) > INVOICES_SHOWN,
            "customer_invoices_url": reverse("admin:invoices_invoice_changelist")
            + f"?customer__id__exact={customer.pk}",
            "customer_balance": format_money(customer.balance_due, customer.currency),
        }
