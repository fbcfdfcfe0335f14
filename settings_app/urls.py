from django.urls import path

from settings_app import views

urlpatterns = [
    path("company/", views.CompanySettingsView.as_view(), name="company-settings"),
    path(
        "company/public/",
        views.PublicCompanySettingsView.as_view(),
        name="company-settings-public",
    ),
    path("invoicing/", views.InvoicingSettingsView.as_view(), name="invoicing-settings"),
]
