import django_filters

from common.filters import IdFilter, StrictBooleanFilter
from customers.models import Customer


class CustomerFilter(django_filters.FilterSet):
    has_balance = StrictBooleanFilter(method="filter_has_balance")
    owner = IdFilter(field_name="owner_id")

    class Meta:
        model = Customer
        fields = ["country", "currency", "preferred_language"]

    def filter_has_balance(self, queryset, name, value):
        return queryset.filter(balance_due__gt=0) if value else queryset.filter(balance_due__lte=0)
