from django import forms
from django.contrib import admin
from django.db import models

from documents.email_texts import PLACEHOLDERS, email_texts_errors
from settings_app.models import CompanySettings
from settings_app.validators import reminder_levels_errors


class CompanySettingsForm(forms.ModelForm):
    # No Meta: the admin builds the fields from its fieldsets and formfield_overrides.
    def clean(self):
        cleaned = super().clean()
        if {"reminder_levels", "default_currency", "late_interest"} & set(self.changed_data):
            problems = reminder_levels_errors(
                cleaned.get("reminder_levels", self.instance.reminder_levels),
                cleaned.get("default_currency") or self.instance.default_currency,
                late_interest=cleaned.get("late_interest", self.instance.late_interest),
            )
            for problem in problems:
                self.add_error("reminder_levels", problem)
        if "email_texts" in self.changed_data and "email_texts" in cleaned:
            for problem in email_texts_errors(cleaned["email_texts"]):
                self.add_error("email_texts", problem)
        return cleaned

    def clean_email_texts(self):
        # An emptied box means "no own texts" (the column is NOT NULL, JSON null is not).
        value = self.cleaned_data.get("email_texts")
        return {} if value in (None, "") else value


@admin.register(CompanySettings)
class CompanySettingsAdmin(admin.ModelAdmin):
    # A website typed without a scheme is an https one (Django 6's default, set explicitly).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    form = CompanySettingsForm
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
        (
            "Payment reminders",
            {
                "fields": ("reminders_enabled", "reminder_levels", "late_interest"),
                "description": (
                    'Levels: [{"days_after_due": 7, "fee_amount": "0"}, ...], at most 5, '
                    "days counted from the due date; a fee is billed as its own invoice "
                    '(VAT category O unless "tax_category"/"tax_rate" are given).'
                ),
            },
        ),
        (
            "E-mail texts",
            {
                "fields": ("email_texts",),
                "description": (
                    '{"invoice" | "credit_note" | "reminder_1".."reminder_5": {"en" | "de" | '
                    '"fr": {"subject": "...", "intro": "..."}}}; what is left out keeps the '
                    "translated default. Placeholders: "
                    + ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
                    + "."
                ),
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
