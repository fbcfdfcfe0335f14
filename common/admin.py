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


# Where an admin with line formsets hands them to its main form (ServiceLinesMixin).
LINE_FORMSETS = "_service_line_formsets"


class ServiceWrittenForm(forms.ModelForm):
    """The main form of a ServiceLinesMixin admin; its validation ends with the service's.

    `request` and `model_admin` are set on the per-request subclass (get_form). Once the
    fields, the model checks and the line formsets are valid, the service writes the row
    and its lines; a refusal becomes errors on this form and the line forms, so the admin
    shows the page again and saves nothing.
    """

    request: Any = None
    model_admin: Any = None

    def _post_clean(self) -> None:
        # Last step of validation, after the model checks: ModelAdmin.changeform_view
        # runs all of it inside one transaction, so a later failure rolls the write back.
        super()._post_clean()
        if self.request is None or self.model_admin is None or self._errors:
            return
        formsets = getattr(self.request, LINE_FORMSETS, {})
        # Every formset validated (a list, not a generator): all their errors show at once.
        if not all([formset.is_valid() for formset in formsets.values()]):
            return
        saved = self.model_admin.service_save(self.request, self, formsets)
        if saved is not None:
            self.instance = saved  # what save_form hands to the admin's response


class ServiceLinesMixin(ServiceWrittenMixin):
    """An admin whose row and line inlines (`line_fields`: formset prefix -> fields) are
    written by one service call, `service_write(request, form, lines)`, from its
    ServiceWrittenForm's validation."""

    line_fields: Mapping[str, Sequence[str]] = {}

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        # modelform_factory made a new class for this request: safe to bind it here.
        form_class.request = request
        form_class.model_admin = self
        return form_class

    def _create_formsets(self, request, obj, change):
        formsets, inline_instances = super()._create_formsets(request, obj, change)
        # The main form validates before the formsets; it needs them for the service.
        lines = {f.prefix: f for f in formsets if f.prefix in self.line_fields}
        setattr(request, LINE_FORMSETS, lines)
        return formsets, inline_instances

    def line_row(self, form: forms.BaseForm, fields: Sequence[str]) -> dict[str, Any]:
        return {name: form.cleaned_data[name] for name in fields if name in form.cleaned_data}

    def line_rows(self, formset) -> tuple[list[dict[str, Any]], list[forms.BaseForm]]:
        """The rows the user kept, in page order, and the form of each (for its errors)."""
        deleted = {id(form) for form in formset.deleted_forms}
        rows, row_forms = [], []
        for form in formset.forms:
            if id(form) in deleted or (form.instance.pk is None and not form.has_changed()):
                continue
            rows.append(self.line_row(form, self.line_fields[formset.prefix]))
            row_forms.append(form)
        return rows, row_forms

    def service_write(self, request, form: forms.BaseForm, lines: dict[str, list]) -> Any:
        raise NotImplementedError

    def service_save(self, request, form: forms.BaseForm, formsets) -> Any | None:
        """Create or update the row through its service; None when it refuses."""
        rows = {prefix: self.line_rows(formset) for prefix, formset in formsets.items()}
        try:
            return self.service_write(request, form, {p: data for p, (data, _) in rows.items()})
        except BusinessException as exc:
            forms_of = {
                prefix: (formsets[prefix], row_forms) for prefix, (_, row_forms) in rows.items()
            }
            show_service_errors(form, exc, forms_of)
            return None
