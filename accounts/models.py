import unicodedata

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models, transaction
from django.db.models.functions import Lower

from accounts import access


class Role(models.TextChoices):
    ADMIN = "admin", "Administrator"
    STAFF = "staff", "Staff"


def username_normalize(username: str) -> str:
    """NFKC, as Django's own forms do: fullwidth or long-s letters are plain ones."""
    return unicodedata.normalize("NFKC", username or "")


class UserQuerySet(models.QuerySet):
    """Queryset writes drop the access rows kept in the shared cache (accounts.access),
    as saves do through accounts.signals: a logout, deactivation or role change by
    `update()` applies to the very next request on every worker."""

    def update(self, **kwargs):
        if not set(kwargs) & set(access.FIELDS):
            return super().update(**kwargs)
        with transaction.atomic(using=self.db):
            ids = list(self.values_list("pk", flat=True))
            access.invalidate(ids)
            return super().update(**kwargs)

    update.alters_data = True


class BillingUserManager(UserManager.from_queryset(UserQuerySet)):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)

    def get_by_natural_key(self, username):
        # Usernames are unique whatever their case (the constraint below): log in so too.
        return self.get(username__iexact=username_normalize(username))


class User(AbstractUser):
    """A person working in the back office. `role` decides what they may see and change."""

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.STAFF)
    # Moves with every password change and logout: tokens carry the value they were
    # issued under (claim `ver`), and one issued under an older value is refused.
    token_version = models.PositiveIntegerField(default=0, editable=False)

    objects = BillingUserManager()

    class Meta:
        ordering = ["username"]
        constraints = [
            models.UniqueConstraint(Lower("username"), name="user_username_ci_unique"),
        ]

    def set_password(self, raw_password):
        replaces = self.pk is not None and bool(self.password)  # not a first password
        super().set_password(raw_password)
        if replaces:
            self.token_version += 1
            self._password_changed = True

    def save(self, *args, **kwargs):
        # The role is the single source of truth for Django's own flags: both roles use
        # the admin site (staff scoped to their own rows), only admins are superusers.
        self.is_staff = True
        self.is_superuser = self.role == Role.ADMIN
        self.username = username_normalize(self.username)
        update_fields = kwargs.get("update_fields")
        if update_fields is None and not self._state.adding and not kwargs.get("force_insert"):
            # token_version only ever moves up, by set_password or an UPDATE (logout): a
            # save from an older copy of the row must not move it back.
            update_fields = [
                f.attname
                for f in self._meta.concrete_fields
                if not f.primary_key
                and (f.attname != "token_version" or getattr(self, "_password_changed", False))
            ]
            kwargs["update_fields"] = update_fields
        if update_fields is not None:
            extra = {"is_staff", "is_superuser"}
            if "password" in update_fields:
                extra.add("token_version")
            kwargs["update_fields"] = {*update_fields, *extra}
        super().save(*args, **kwargs)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN
