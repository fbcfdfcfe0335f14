from django.urls import path

from common.routes import viewset_path
from invoices.report_views import AgingReportView, SummaryReportView
from invoices.views import InvoiceViewSet


def _invoice(route: str, actions: dict[str, str], name: str, *, detail: bool = True):
    return viewset_path(
        route, InvoiceViewSet, actions, name=f"invoice-{name}", basename="invoice", detail=detail
    )


urlpatterns = [
    _invoice("invoices/", {"get": "list", "post": "create"}, "list", detail=False),
    _invoice(
        "invoices/<pk>/",
        {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"},
        "detail",
    ),
    _invoice("invoices/<pk>/issue/", {"post": "issue"}, "issue"),
    _invoice("invoices/<pk>/void/", {"post": "void"}, "void"),
    _invoice("invoices/<pk>/credit-note/", {"post": "credit_note"}, "credit-note"),
    _invoice("invoices/<pk>/payments/", {"get": "payments", "post": "payments"}, "payments"),
    _invoice(
        "invoices/<pk>/payments/<payment_id>/",
        {"delete": "delete_payment"},
        "delete-payment",
    ),
    path("reports/aging/", AgingReportView.as_view(), name="report-aging"),
    path("reports/summary/", SummaryReportView.as_view(), name="report-summary"),
]
