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
        exclude = list(super().get_exclude(request, obj) or [])
        if not request.user.is_superuser:
            exclude.append(self.owner_field)
        return exclude

    def save_model(self, request, obj, form, change) -> None:
        if not change and not getattr(obj, f"{self.owner_field}_id", None):
            setattr(obj, self.owner_field, request.user)
        super().save_model(request, obj, form, change)
