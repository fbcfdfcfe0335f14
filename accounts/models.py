from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Administrator"
    STAFF = "staff", "Staff"


class BillingUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person working in the back office. `role` decides what they may see and change."""

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.STAFF)

    objects = BillingUserManager()

    class Meta:
        ordering = ["username"]

    def save(self, *args, **kwargs):
        # The role is the single source of truth for Django's own flags: both roles use
        # the admin site (staff scoped to their own rows), only admins are superusers.
        self.is_staff = True
        self.is_superuser = self.role == Role.ADMIN
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "is_staff", "is_superuser"}
        super().save(*args, **kwargs)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN
