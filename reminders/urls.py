from django.urls import path

from reminders import views

app_name = "reminders"

# Mounted under /api/ (core.urls).
urlpatterns = [
    path(
        "invoices/<int:pk>/reminders/",
        views.InvoiceRemindersView.as_view(),
        name="invoice-reminders",
    ),
]
