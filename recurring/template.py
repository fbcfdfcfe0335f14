"""Item descriptions of a template: {period_start}, {period_end}, {month}, {year}."""

from __future__ import annotations

import datetime as dt
import functools
import re

from babel.dates import format_date

PLACEHOLDERS = ("period_start", "period_end", "month", "year")
# Only these four names are replaced; any other brace is kept as written (no str.format:
# a description is user text, `{0.__class__}` must stay text).
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")


def placeholder_values(*, start: dt.date, end: dt.date, language: str) -> dict[str, str]:
    """The values in the customer's language (Babel's CLDR: "31. Januar 2026")."""
    return dict(_values(start, end, language or "en"))


# A run's wave shares one period: Babel formats it once per language, not per schedule.
@functools.lru_cache(maxsize=512)
def _values(start: dt.date, end: dt.date, locale: str) -> tuple[tuple[str, str], ...]:
    return (
        ("period_start", format_date(start, format="long", locale=locale)),
        ("period_end", format_date(end, format="long", locale=locale)),
        ("month", format_date(start, format="LLLL", locale=locale)),
        ("year", str(start.year)),
    )


def fill(text: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], text)
