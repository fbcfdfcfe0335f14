"""What the next issue of a series would be numbered: a read that reserves nothing.

Numbers are drawn by the issuing transaction alone (invoices.services.issuing, one
upsert on `NumberSequence`); this preview reads the same counter row without locking
it, so a concurrent issue may take the number first.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from common.exceptions import ValidationException
from invoices.models import Invoice, NumberSequence
from settings_app.models import CompanySettings


def series_known(*, series: str, company: CompanySettings) -> bool:
    """A series of the settings, or one a document already carries."""
    return (
        series in (company.invoice_series, company.credit_note_series)
        or NumberSequence.objects.filter(series=series).exists()
        or Invoice.objects.filter(series=series).exists()
    )


def invoice_next_number(*, series: str, company: CompanySettings, today: dt.date) -> dict[str, Any]:
    """The number an issue in `series` dated `today` would get now."""
    if not series_known(series=series, company=company):
        raise ValidationException(
            f"No invoice or credit note uses the series {series!r}.",
            details={"series": [f"Unknown series {series!r}."]},
        )
    last = (
        NumberSequence.objects.filter(series=series, year=today.year)
        .values_list("last_value", flat=True)
        .first()
    )
    sequence = (last or 0) + 1
    return {
        "series": series,
        "year": today.year,
        "sequence": sequence,
        "number": company.format_number(series=series, year=today.year, seq=sequence),
        "issue_date": today.isoformat(),
    }
