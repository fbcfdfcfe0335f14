"""Batches of a recurring run in worker processes (`run_recurring_invoices --workers N`).

Each process has its own database connection; every period is still billed in its own
transaction and claimed by its unique row, so processes can only ever race for a
period, never bill it twice. One process (the default, and the beat task, whose Celery
worker process may not fork) runs the batches in place.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db import connection, connections


def workers_supported() -> bool:
    """Processes need a database server: SQLite serialises writers (`database is locked`)."""
    return connection.vendor == "postgresql"


def _child_start() -> None:
    # Inherited connections were closed before the fork; the child opens its own.
    connections.close_all()


class BatchPool:
    """`map(function, batches)` over `workers` processes, results as batches finish."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self._pool: Any = None

    def __enter__(self) -> BatchPool:
        if self.workers > 1:
            if connection.in_atomic_block:
                raise RuntimeError("worker processes cannot see an open transaction's rows")
            connections.close_all()  # never share a socket with a child
            self._pool = multiprocessing.get_context("fork").Pool(
                self.workers, initializer=_child_start
            )
        return self

    def map(self, function: Callable[[Any], Any], batches: Iterable[Any]) -> Iterator[Any]:
        if self._pool is None:
            return map(function, batches)
        return self._pool.imap_unordered(function, batches)

    def __exit__(self, *exc_info: object) -> None:
        if self._pool is not None:
            self._pool.close() if exc_info[0] is None else self._pool.terminate()
            self._pool.join()
