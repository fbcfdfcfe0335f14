import django_filters

from common.filters import IdFilter
from recurring.models import Frequency, RecurringInvoice, ScheduleStatus


class RecurringInvoiceFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ScheduleStatus.choices)
    frequency = django_filters.ChoiceFilter(choices=Frequency.choices)
    customer = IdFilter(field_name="customer_id")
    owner = IdFilter(field_name="owner_id")

    class Meta:
        model = RecurringInvoice
        fields: list[str] = []
