import django_filters

from accounts.models import Role, User
from common.filters import StrictBooleanFilter


class UserFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(choices=Role.choices)
    is_active = StrictBooleanFilter()

    class Meta:
        model = User
        fields: list[str] = []
