from django.urls import path
from rest_framework.routers import SimpleRouter

from invoices.report_views import AgingReportView, SummaryReportView
from invoices.views import InvoiceViewSet

router = SimpleRouter()
router.register("invoices", InvoiceViewSet, basename="invoice")
urlpatterns = [
    *router.urls,
    path("reports/aging/", AgingReportView.as_view(), name="report-aging"),
    path("reports/summary/", SummaryReportView.as_view(), name="report-summary"),
]
