"""Publishing to the Celery broker fails fast: short timeouts, one try, a circuit breaker.

Every task of the project is a `GuardedTask` (core.celery). Callers publish after their
commit with the work already recorded in the database (a queued sending, an issued
invoice without its documents), and the beat hands what was never published to the
queue again: a failed publish is logged by the caller and costs the request at most one
`BROKER_SOCKET_TIMEOUT`, then nothing while the breaker is open.
"""

from __future__ import annotations

from celery import Task

from common.redis_guard import broker_breaker


class GuardedTask(Task):
    def apply_async(self, args=None, kwargs=None, task_id=None, producer=None, **options):
        if self.app.conf.task_always_eager:
            return super().apply_async(args, kwargs, task_id, producer, **options)
        broker_breaker.check()
        try:
            result = super().apply_async(args, kwargs, task_id, producer, **options)
        except Exception as exc:
            broker_breaker.trip(exc)
            raise
        broker_breaker.close()
        return result
