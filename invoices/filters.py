import django_filters

from common.filters import IdFilter, StrictBooleanFilter
from invoices.models import Invoice, InvoiceKind, InvoiceStatus
from invoices.selectors import overdue_q


class InvoiceFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=InvoiceStatus.choices)
    kind = django_filters.ChoiceFilter(choices=InvoiceKind.choices)
    customer = IdFilter(field_name="customer_id")
    owner = IdFilter(field_name="owner_id")
    recurring_invoice = IdFilter(field_name="recurring_invoice_id")
    currency = django_filters.CharFilter(field_name="currency")
    issue_date_from = django_filters.DateFilter(field_name="issue_date", lookup_expr="gte")
    issue_date_to = django_filters.DateFilter(field_name="issue_date", lookup_expr="lte")
    due_date_from = django_filters.DateFilter(field_name="due_date", lookup_expr="gte")
    due_date_to = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")
    is_overdue = StrictBooleanFilter(method="filter_is_overdue")

    class Meta:
        model = Invoice
        fields: list[str] = []

    def filter_is_overdue(self, queryset, name, value):
        overdue = overdue_q()
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
