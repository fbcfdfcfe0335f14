"""Back office for the catalogue: every write goes through products.services.

The form's last validation step calls the service (inside the admin's transaction), so
a refusal lands on the fields it names, as in the invoice admin.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages

from common.admin import ServiceWrittenMixin, show_service_errors
from common.exceptions import BusinessException
from products import services
from products.models import Product

FIELDS = (
    "name",
    "description",
    "sku",
    "unit_code",
    "unit_price",
    "tax_category",
    "tax_rate",
    "archived",
)


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tax_rate"].required = False
        self.fields["tax_rate"].help_text = "Blank: the company's default rate for S, 0 otherwise."

    def _post_clean(self) -> None:
        super()._post_clean()
        if self._errors:
            return
        data = {name: self.cleaned_data.get(name) for name in FIELDS}
        try:
            if self.instance.pk is None:
                self.instance = services.product_create(**data)
            else:
                changed = {name: data[name] for name in self.changed_data if name in data}
                self.instance = services.product_update(product=self.instance, **changed)
        except BusinessException as exc:
            show_service_errors(self, exc)


@admin.register(Product)
class ProductAdmin(ServiceWrittenMixin, admin.ModelAdmin):
    form = ProductForm
    list_display = [
        "name",
        "sku",
        "unit_code",
        "unit_price",
        "tax_category",
        "tax_rate",
        "archived",
    ]
    list_filter = ["archived", "tax_category"]
    search_fields = ["name", "sku"]
    readonly_fields = ["created_at", "updated_at"]
    fields = [*FIELDS, "created_at", "updated_at"]
    actions = ["archive_selected", "unarchive_selected"]

    # Shared by the company: staff and admins keep the catalogue (ARCHITECTURE.md).
    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_staff

    # Deleting: the admin's own page already refuses products named on invoice lines
    # (PROTECT); the service refuses again inside its transaction.
    def delete_model(self, request, obj) -> None:
        services.product_delete(product=obj)

    def delete_queryset(self, request, queryset) -> None:
        for product in queryset:
            services.product_delete(product=product)

    def _set_archived(self, request, queryset, archived: bool) -> None:
        changed = 0
        for product in queryset.exclude(archived=archived):
            services.product_update(product=product, archived=archived)
            changed += 1
        verb = "Archived" if archived else "Restored"
        self.message_user(request, f"{verb} {changed} product(s).", messages.SUCCESS)

    @admin.action(description="Archive selected products (hidden from new lines)")
    def archive_selected(self, request, queryset):
        self._set_archived(request, queryset, True)

    @admin.action(description="Restore selected archived products")
    def unarchive_selected(self, request, queryset):
        self._set_archived(request, queryset, False)
