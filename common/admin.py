"""Admin building blocks: ownership scoping so staff can work in the back office too."""

from django.contrib import admin


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
