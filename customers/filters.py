import django_filters

from customers.models import Customer

_BOOLEAN_CHOICES = [("true", "true"), ("false", "false")]


class CustomerFilter(django_filters.FilterSet):
    # Strict: `?has_balance=ture` is a 400, not a silently unfiltered list.
    has_balance = django_filters.TypedChoiceFilter(
        choices=_BOOLEAN_CHOICES, coerce=lambda value: value == "true", method="filter_has_balance"
    )
    owner = django_filters.NumberFilter(field_name="owner_id")

    class Meta:
        model = Customer
        fields = ["country", "currency", "preferred_language"]

    def filter_has_balance(self, queryset, name, value):
        return queryset.filter(balance_due__gt=0) if value else queryset.filter(balance_due__lte=0)
