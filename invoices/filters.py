import django_filters
from django.db.models import Q
from rest_framework.filters import SearchFilter

from common.filters import IdFilter, StrictBooleanFilter
from customers.models import Customer
from invoices.models import Invoice, InvoiceKind, InvoiceStatus, Payment, PaymentMethod
from invoices.selectors import overdue_q

# Customers a search term may name before the search joins them instead of listing ids.
SEARCH_CUSTOMERS_AT_MOST = 1000


class InvoiceFilter(django_filters.FilterSet):
    # No DISTINCT (django-filter's default for multiple choices): a column of the row
    # itself cannot repeat rows, and SELECT DISTINCT sorted every match (1 s at 1M).
    status = django_filters.MultipleChoiceFilter(choices=InvoiceStatus.choices, distinct=False)
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


class PaymentFilter(django_filters.FilterSet):
    """`date_from`/`date_to` as the invoice list's date ranges; ids as everywhere."""

    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")
    method = django_filters.MultipleChoiceFilter(choices=PaymentMethod.choices)
    customer = IdFilter(field_name="invoice__customer_id")
    invoice = IdFilter(field_name="invoice_id")
    currency = django_filters.CharFilter(field_name="invoice__currency")

    class Meta:
        model = Payment
        fields: list[str] = []


class InvoiceSearchFilter(SearchFilter):
    """`?search=`: every term in the number or the customer's name, as DRF's SearchFilter
    with `search_fields = ["number", "customer__name"]` would answer.

    The customers are looked up first (trigram index on their names) and named by id:
    `number LIKE ... OR customer_id IN (...)` is two index scans on PostgreSQL, where an
    OR across the join reads every invoice when few match (the page is ordered by id).
    A term naming more than SEARCH_CUSTOMERS_AT_MOST customers ("GmbH") is a subquery
    (hashed once), checked on the rows the other terms' index scans found."""

    def filter_queryset(self, request, queryset, view):
        for term in self.get_search_terms(request):
            customers = Customer.all_objects.filter(name__icontains=term).order_by()
            ids = list(customers.values_list("id", flat=True)[: SEARCH_CUSTOMERS_AT_MOST + 1])
            if len(ids) > SEARCH_CUSTOMERS_AT_MOST:
                named = Q(customer_id__in=customers.values("id"))
            else:
                named = Q(customer_id__in=ids)
            queryset = queryset.filter(Q(number__icontains=term) | named)
        return queryset
