"""The progress bar of the daily runners (recurring invoices, payment reminders)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from tqdm import tqdm


@contextlib.contextmanager
def run_progress(
    stream, *, total: int, unit: str, desc: str, hidden: bool
) -> Iterator[Callable[[object, str | None], None]]:
    """A bar on `stream` (the command's stderr; `--no-progress` hides it). It yields
    `advance(row_id, failed_code)`: one more row done, its error code shown if it failed."""
    with tqdm(total=total, unit=unit, desc=desc, disable=hidden, file=stream) as bar:

        def advance(row_id: object, failed_code: str | None) -> None:
            bar.update(1)
            if failed_code:
                bar.set_postfix_str(f"#{row_id}: {failed_code}")

        yield advance
