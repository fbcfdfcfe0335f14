import django_filters
from django.db.models import Q
from rest_framework.filters import SearchFilter

from common.filters import IdFilter, StrictBooleanFilter
from customers.models import Customer
from invoices.models import Invoice, InvoiceKind, InvoiceStatus, Payment, PaymentMethod
from invoices.selectors import overdue_q

# Customers a search term may name before the search joins them instead of listing ids
# (the term naming the fewest customers); any other term lists at most
# SEARCH_CUSTOMERS_LISTED (ids in the SQL cost the worker more than the joined name).
SEARCH_CUSTOMERS_AT_MOST = 1000
SEARCH_CUSTOMERS_LISTED = 20


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
    """`?search=`: every term (split as DRF's SearchFilter splits) must match the invoice's
    number or its customer's name, case-insensitively. What matches:

    - a name matches when it contains the term ("0042" finds "Acme 00421 GmbH");
    - a number matches when it *begins* with the term, if any invoice's number does
      ("INV-2025-0004" finds INV-2025-00040..00049, never "CN-INV-2025-00041"); else when
      it contains the term ("00042" finds INV-2025-00042).

    Cheap at a million invoices: the prefix is probed on a btree index of
    `UPPER(number)` (migration 0012), so a full number never scans the trigram index
    (every `INV-2025-` trigram is common). The customers whose name contains a term are
    read first (trigram index) and the term naming the fewest (at most
    SEARCH_CUSTOMERS_AT_MOST) is named by id: `number LIKE ... OR customer_id IN (...)`
    is two index scans on PostgreSQL. Every other term naming more than a few customers
    ("GmbH") is checked on the joined customer's name of the rows those scans found (one
    primary-key probe per row), never by hashing every customer; when every term is that
    broad the page is found at once anyway."""

    def filter_queryset(self, request, queryset, view):
        terms = self.get_search_terms(request)
        named = {}
        for term in terms:
            customers = Customer.all_objects.filter(name__icontains=term).order_by()
            named[term] = list(
                customers.values_list("id", flat=True)[: SEARCH_CUSTOMERS_AT_MOST + 1]
            )
        # The term naming the fewest customers drives the index scans; the others, when
        # they name more than a few, are checked on the rows it found.
        driver = min(terms, key=lambda term: len(named[term]), default=None)
        for term in terms:
            ids = named[term]
            if len(ids) <= SEARCH_CUSTOMERS_LISTED or (
                term == driver and len(ids) <= SEARCH_CUSTOMERS_AT_MOST
            ):
                by_name = Q(customer_id__in=ids)
            else:
                by_name = Q(customer__name__icontains=term)
            queryset = queryset.filter(number_search_q(term) | by_name)
        return queryset


def number_search_q(term: str) -> Q:
    """The numbers a search term matches: those beginning with it when there are any
    (one index probe), else those containing it."""
    if Invoice.objects.filter(number__istartswith=term).order_by().exists():
        return Q(number__istartswith=term)
    return Q(number__icontains=term)
