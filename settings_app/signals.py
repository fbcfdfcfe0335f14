from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from common import shared_cache
from settings_app.calendar import company_timezone_forget
from settings_app.models import CURRENT_CACHE_KEY, CompanySettings
from settings_app.selectors import company_settings_public_invalidate


@receiver([post_save, post_delete], sender=CompanySettings)
def invalidate_public_settings(sender, **kwargs) -> None:
    # After commit, so a reader cannot re-cache the old row between save and commit.
    transaction.on_commit(company_settings_public_invalidate)


@receiver([post_save, post_delete], sender=CompanySettings)
def forget_current_settings(sender, **kwargs) -> None:
    # Now, for this transaction's own reads, and after commit (as above).
    shared_cache.forget(CURRENT_CACHE_KEY)
    company_timezone_forget()
    transaction.on_commit(lambda: shared_cache.forget(CURRENT_CACHE_KEY), robust=True)
