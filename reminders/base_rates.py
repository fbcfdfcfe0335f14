"""The base rate of statutory late interest, by the day it took effect (pure module).

The default is Germany's Basiszinssatz (§ 247 BGB, published by the Deutsche Bundesbank
each 1 January and 1 July) since the euro's introduction, as known when this was
written: its last entry is 1 July 2025. A deployment adds later rates (or another
country's) with the `LATE_INTEREST_BASE_RATES` environment variable
(`2026-01-01=<rate>;2026-07-01=<rate>`); core.settings merges both into the Django setting of
that name, a later entry for the same day replacing the default.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

BaseRates = list[tuple[dt.date, Decimal]]

_GERMAN = """
2002-01-01 2.57  2002-07-01 2.47  2003-01-01 1.97  2003-07-01 1.22
2004-01-01 1.14  2004-07-01 1.13  2005-01-01 1.21  2005-07-01 1.17
2006-01-01 1.37  2006-07-01 1.95  2007-01-01 2.70  2007-07-01 3.19
2008-01-01 3.32  2008-07-01 3.19  2009-01-01 1.62  2009-07-01 0.12
2010-01-01 0.12  2010-07-01 0.12  2011-01-01 0.12  2011-07-01 0.37
2012-01-01 0.12  2012-07-01 0.12  2013-01-01 -0.13 2013-07-01 -0.38
2014-01-01 -0.63 2014-07-01 -0.73 2015-01-01 -0.83 2015-07-01 -0.83
2016-01-01 -0.83 2016-07-01 -0.88 2023-01-01 1.62  2023-07-01 3.12
2024-01-01 3.62  2024-07-01 3.37  2025-01-01 2.27  2025-07-01 1.27
"""
# -0.88 from 2016-07-01 held until 2022-12-31 (no change in between).


def _pairs(text: str) -> BaseRates:
    tokens = text.split()
    return [
        (dt.date.fromisoformat(day), Decimal(rate))
        for day, rate in zip(tokens[::2], tokens[1::2], strict=True)
    ]


GERMAN_BASE_RATES: BaseRates = _pairs(_GERMAN)


def parse_base_rates(text: str) -> BaseRates:
    """`YYYY-MM-DD=rate` entries separated by `;` or `,` (percent, may be negative)."""
    rates = []
    for entry in text.replace(",", ";").split(";"):
        if not entry.strip():
            continue
        day, _, rate = entry.partition("=")
        try:
            rates.append((dt.date.fromisoformat(day.strip()), Decimal(rate.strip())))
        except (ValueError, InvalidOperation) as exc:
            raise ValueError(f"LATE_INTEREST_BASE_RATES: bad entry {entry!r}") from exc
    return rates


def base_rates_with(extra: str) -> BaseRates:
    """The default table with the entries of `extra` (later ones win), by date."""
    table = dict(GERMAN_BASE_RATES)
    table.update(parse_base_rates(extra))
    return sorted(table.items())
