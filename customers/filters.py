import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from common.filters import IdFilter
from customers.models import Customer


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(django_filters.TypedChoiceFilter):
    """`true` or `false`; anything else is a 400, not a silently unfiltered list."""

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", [("true", "true"), ("false", "false")])
        kwargs.setdefault("coerce", lambda value: value == "true")
        super().__init__(**kwargs)


class CustomerFilter(django_filters.FilterSet):
    has_balance = StrictBooleanFilter(method="filter_has_balance")
    owner = IdFilter(field_name="owner_id")

    class Meta:
        model = Customer
        fields = ["country", "currency", "preferred_language"]

    def filter_has_balance(self, queryset, name, value):
        return queryset.filter(balance_due__gt=0) if value else queryset.filter(balance_due__lte=0)
