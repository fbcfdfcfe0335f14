from django.urls import path

from common.routes import viewset_path
from invoices.lookup_views import CurrencyListView, NextNumberView, TaxCategoryListView
from invoices.payment_views import PaymentListView
from invoices.report_views import AgingReportView, SummaryReportView
from invoices.views import InvoiceViewSet


def _invoice(route: str, actions: dict[str, str], name: str, *, detail: bool = True):
    return viewset_path(
        route, InvoiceViewSet, actions, name=f"invoice-{name}", basename="invoice", detail=detail
    )


urlpatterns = [
    _invoice("invoices/", {"get": "list", "post": "create"}, "list", detail=False),
    # Before `invoices/<pk>/` for a reader; ids are digits only, so neither shadows the other.
    path("invoices/next-number/", NextNumberView.as_view(), name="invoice-next-number"),
    _invoice(
        "invoices/<pk>/",
        {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"},
        "detail",
    ),
    _invoice("invoices/<pk>/issue/", {"post": "issue"}, "issue"),
    _invoice("invoices/<pk>/void/", {"post": "void"}, "void"),
    _invoice("invoices/<pk>/credit-note/", {"post": "credit_note"}, "credit-note"),
    _invoice("invoices/<pk>/duplicate/", {"post": "duplicate"}, "duplicate"),
    _invoice("invoices/<pk>/payments/", {"get": "payments", "post": "payments"}, "payments"),
    _invoice(
        "invoices/<pk>/payments/<payment_id>/",
        {"delete": "delete_payment"},
        "delete-payment",
    ),
    path("reports/aging/", AgingReportView.as_view(), name="report-aging"),
    path("reports/summary/", SummaryReportView.as_view(), name="report-summary"),
    path("payments/", PaymentListView.as_view(), name="payment-list"),
    path("currencies/", CurrencyListView.as_view(), name="currency-list"),
    path("tax-categories/", TaxCategoryListView.as_view(), name="tax-category-list"),
]
