"""Business counters for Prometheus (`/metrics`, beside django-prometheus' request,
latency and database metrics). One call where the event is committed to happen."""

from __future__ import annotations

from prometheus_client import Counter

invoices_issued = Counter(
    "billing_invoices_issued_total", "Invoices and credit notes issued.", ["kind"]
)
payments_recorded = Counter("billing_payments_recorded_total", "Payments (and refunds) recorded.")
sendings_failed = Counter("billing_sendings_failed_total", "E-mail sendings marked failed.")
reminders_sent = Counter("billing_reminders_sent_total", "Payment reminders sent.")
documents_failed = Counter(
    "billing_documents_failed_total", "Document builds marked failed after their last attempt."
)
