from django.contrib import admin, messages

from common.admin import OwnedModelAdmin
from customers.models import Customer
from customers.services import customer_restore

STATISTICS = ("invoice_count", "total_invoiced", "total_paid", "balance_due", "last_invoice_date")


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


@admin.register(Customer)
class CustomerAdmin(OwnedModelAdmin):
    list_display = [
        "name",
        "email",
        "country",
        "currency",
        "invoice_count",
        "balance_due",
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
        ("Statistics", {"fields": STATISTICS}),
        ("History", {"fields": ("created_at", "updated_at", "deleted_at")}),
    )

    def get_queryset(self, request):
        # Admins see soft-deleted rows too (to restore them); staff only live ones.
        if request.user.is_superuser:
            return Customer.all_objects.all()
        return super().get_queryset(request)

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
