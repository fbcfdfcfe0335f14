"""Celery app: broker from REDIS_URL; eager in-process execution when none is set."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")

# Every task publishes through the broker's circuit breaker (common.broker).
app = Celery("billing", task_cls="common.broker:GuardedTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
