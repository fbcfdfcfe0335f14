"""Admin building blocks: ownership scoping so staff can work in the back office too,
money columns in one format, and a service's refusal shown on the form it refused."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import construct_change_message

from common.exceptions import BusinessException, ValidationException
from common.money_format import format_money


def money_column(field: str, description: str, *, currency: str = "currency") -> Callable:
    """A list/readonly column showing `field` with the row's currency (`1.212,00 €`)."""

    @admin.display(description=description, ordering=field)
    def column(self, obj) -> str:
        return format_money(getattr(obj, field), getattr(obj, currency))

    column.__name__ = f"{field}_shown"
    return column


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _messages(value: Any) -> list[str]:
    """A details value as texts: lists of messages, nested rows, or a single value."""
    if isinstance(value, Mapping) and not value:
        return []
    if isinstance(value, Mapping):
        texts = []
        for key, inner in value.items():
            prefix = f"Line {int(key) + 1}" if str(key).isdigit() else _label(str(key))
            texts.extend(f"{prefix}: {text}" for text in _messages(inner))
        return texts
    if isinstance(value, list | tuple):
        return [text for inner in value for text in _messages(inner)]
    return [str(value)]


def service_error_text(exc: BusinessException) -> str:
    """What a person reads about a refusal: the message and each detail, never a dict.

    Details that are messages (lists, nested rows) are read out; a bare value (like
    ``{"amount_due": "119.00"}`` beside a message that already names it) is data for
    API clients and left out.
    """
    details = _messages(
        {k: v for k, v in (exc.details or {}).items() if isinstance(v, list | tuple | Mapping)}
    )
    if isinstance(exc, ValidationException) and details:
        return "; ".join(details)  # "Invalid input." says nothing the details do not
    return " ".join([exc.message, "; ".join(details)]).strip()


def show_service_errors(
    form: forms.BaseForm,
    exc: BusinessException,
    rows: Mapping[str, tuple[forms.BaseFormSet, Sequence[forms.BaseForm]]] = {},
) -> None:
    """Put a service's refusal on the fields it names.

    `details` like ``{"items": {"0": {"tax_rate": [...]}}, "due_date": [...]}``: a key of
    `rows` names a formset and the forms that became the rows the service got (index
    "0" is the first of them); other keys are fields of `form`; what names no field on
    the page becomes a non-field error with its name in front.
    """
    placed = False
    for key, value in (exc.details or {}).items():
        if key in rows:
            formset, row_forms = rows[key]
            if isinstance(value, Mapping) and all(str(k).isdigit() for k in value):
                for index, field_errors in value.items():
                    position = int(index)
                    if position >= len(row_forms):
                        formset._non_form_errors.extend(_messages({index: field_errors}))
                        continue
                    row_form = row_forms[position]
                    if not isinstance(field_errors, Mapping):
                        row_form.add_error(None, _messages(field_errors))
                        continue
                    for field, messages in field_errors.items():
                        if field in row_form.fields:
                            row_form.add_error(field, _messages(messages))
                        else:
                            row_form.add_error(None, _messages({field: messages}))
            else:
                formset._non_form_errors.extend(_messages(value))
            placed = True
        elif key in form.fields:
            form.add_error(key, _messages(value))
            placed = True
        else:
            form.add_error(None, _messages({key: value}))
            placed = True
    if not placed or not isinstance(exc, ValidationException):
        form.add_error(None, exc.message)


class OwnedModelAdmin(admin.ModelAdmin):
    """Admins see every row; staff see, add and change only their own (invariant 7)."""

    owner_field = "owner"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.owner_field}_id": request.user.id})

    def _owns(self, request, obj) -> bool:
        return obj is None or getattr(obj, f"{self.owner_field}_id") == request.user.id

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser or (request.user.is_staff and self._owns(request, obj))

    def has_add_permission(self, request) -> bool:
        return request.user.is_staff

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser or (request.user.is_staff and self._owns(request, obj))

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser or (request.user.is_staff and self._owns(request, obj))

    def get_exclude(self, request, obj=None):
        # Staff never choose an owner: the form must not carry the field at all.
        exclude = list(super().get_exclude(request, obj) or [])
        if not request.user.is_superuser:
            exclude.append(self.owner_field)
        return exclude

    def get_readonly_fields(self, request, obj=None):
        # Shown read-only to staff, so fieldsets that name the owner still render.
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser and self.owner_field not in readonly:
            readonly.append(self.owner_field)
        return readonly

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser or self.owner_field in self.get_readonly_fields(request, obj):
            return fieldsets

        # A subclass replaced get_readonly_fields: drop the excluded owner from the layout,
        # or rendering the form fails on the missing field.
        def without_owner(fields):
            kept = []
            for field in fields:
                if isinstance(field, list | tuple):  # several fields on one line
                    field = tuple(f for f in field if f != self.owner_field)
                    if field:
                        kept.append(field)
                elif field != self.owner_field:
                    kept.append(field)
            return kept

        return [
            (name, {**options, "fields": without_owner(options["fields"])})
            for name, options in fieldsets
        ]

    def save_model(self, request, obj, form, change) -> None:
        if not change and not getattr(obj, f"{self.owner_field}_id", None):
            setattr(obj, self.owner_field, request.user)
        super().save_model(request, obj, form, change)


class ServiceWrittenMixin:
    """For admins whose form validation already called the service that writes the row
    and its lines (one transaction, with the figures): the admin's own saves do nothing."""

    def save_model(self, request, obj, form, change) -> None:
        """Written already, by the service, while the form validated."""

    def save_related(self, request, form, formsets, change) -> None:
        """The lines were written by the same service call."""

    def construct_change_message(self, request, form, formsets, add=False):
        # The formsets saved nothing themselves: describe the main form only.
        return construct_change_message(form, [], add)
