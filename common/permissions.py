"""Role and ownership checks (ARCHITECTURE.md invariant 7)."""

from rest_framework.permissions import BasePermission


def is_admin(user) -> bool:
    return bool(user and user.is_authenticated and getattr(user, "role", None) == "admin")


class IsAdmin(BasePermission):
    message = "Only administrators may do this."

    def has_permission(self, request, view) -> bool:
        return is_admin(request.user)


class IsOwner(BasePermission):
    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request, view, obj) -> bool:
        return getattr(obj, "owner_id", None) == request.user.id


class IsOwnerOrAdmin(BasePermission):
    """Admins reach everything; staff only rows they own.

    Views also scope their querysets by owner, so another's id answers 404 (ids don't leak);
    this check is the second line of defence.
    """

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request, view, obj) -> bool:
        return is_admin(request.user) or getattr(obj, "owner_id", None) == request.user.id
