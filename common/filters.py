"""Filters shared by the list endpoints."""

from __future__ import annotations

import django_filters
from django import forms
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter

# The range of a BigAutoField primary key (PostgreSQL bigint, SQLite INTEGER).
MAX_ID = 2**63 - 1


class _AsciiIntegerField(forms.IntegerField):
    """Digits 0-9 only: Python's int() reads U+0661 (Arabic-Indic one) and " 1" as 1,
    and Django's IntegerField drops a trailing ".0": each would pick an id never named."""

    def to_python(self, value):
        if isinstance(value, str) and value and not (value.isascii() and value.isdigit()):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(django_filters.TypedChoiceFilter):
    """`true` or `false`; anything else is a 400, not a silently unfiltered list."""

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", [("true", "true"), ("false", "false")])
        kwargs.setdefault("coerce", lambda value: value == "true")
        super().__init__(**kwargs)


class StrictOrderingFilter(OrderingFilter):
    """DRF's ordering, but an unknown field is a 400 naming the allowed ones (DRF drops
    it silently and answers the default order)."""

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params:
            fields = [param.strip() for param in params.split(",")]
            valid = {
                name for name, _ in self.get_valid_fields(queryset, view, {"request": request})
            }
            unknown = [f for f in fields if f.lstrip("-") not in valid]
            if unknown:
                allowed = ", ".join(sorted(valid)) or "none"
                raise ValidationError(
                    {
                        self.ordering_param: [
                            f"Unknown ordering field(s): {', '.join(unknown)}; allowed: {allowed}."
                        ]
                    }
                )
        return super().get_ordering(request, queryset, view)


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number from 1 to the bigint maximum; anything else is a 400.

    `NumberFilter` takes any decimal up to 1e50, and SQLite cannot bind an integer
    beyond 64 bits (`?owner=99999999999999999999` was a 500).
    """

    field_class = _AsciiIntegerField

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)

    def get_max_validator(self):
        return None  # max_value above is the bound


class FilterBackend(DjangoFilterBackend):
    """django-filter, skipped when the request names none of the view's filters.

    Building a FilterSet deep-copies every filter (about 2 ms per list request);
    without any of its parameters it would leave the queryset unchanged anyway.
    """

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and not _names_a_filter(
            request.query_params, filterset_class.base_filters
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)


def _names_a_filter(params, filters) -> bool:
    # A filter may read several parameters named after it (`amount_min`, `date_after`).
    return any(key == name or key.startswith(f"{name}_") for key in params for name in filters)
