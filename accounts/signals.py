from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.authentication import user_cache_key
from accounts.models import User
from common import shared_cache


@receiver([post_save, post_delete], sender=User)
def forget_cached_user(sender, instance, **kwargs) -> None:
    key = user_cache_key(instance.pk)
    shared_cache.forget(key)  # now, for this transaction's own reads
    # and after commit, so a request cannot re-cache the old row in between
    transaction.on_commit(lambda: shared_cache.forget(key), robust=True)
