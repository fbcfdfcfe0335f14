from django.contrib import admin
from django.db import models

from settings_app.models import CompanySettings


@admin.register(CompanySettings)
class CompanySettingsAdmin(admin.ModelAdmin):
    # A website typed without a scheme is an https one (Django 6's default, set explicitly).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = (
        ("Company", {"fields": ("legal_name", "trading_name", "vat_id", "company_id", "logo")}),
        ("Address", {"fields": ("street", "city", "postal_code", "country")}),
        ("Contact", {"fields": ("email", "phone", "website")}),
        ("Bank", {"fields": ("iban", "bic")}),
        (
            "Invoicing defaults",
            {
                "fields": (
                    "default_currency",
                    "default_payment_terms_days",
                    "default_tax_category",
                    "default_tax_rate",
                    "default_language",
                    "invoice_number_format",
                    "invoice_series",
                    "credit_note_series",
                    "invoice_footer",
                )
            },
        ),
    )

    def has_add_permission(self, request) -> bool:
        return not CompanySettings.objects.exists() and request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser
