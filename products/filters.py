import django_filters

from common.filters import StrictBooleanFilter
from products.models import Product


class ProductFilter(django_filters.FilterSet):
    archived = StrictBooleanFilter()
    tax_category = django_filters.ChoiceFilter(
        choices=Product._meta.get_field("tax_category").choices
    )

    class Meta:
        model = Product
        fields: list[str] = []
