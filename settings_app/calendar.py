"""The company's calendar: which day it is where the business is (the `timezone` setting).

Issue dates, payment dates, due dates, overdue flags and reports all follow this day,
not the server's: at 00:30 in Berlin a UTC server still says "yesterday".
"""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo

from django.utils import timezone

from settings_app.models import CompanySettings

# The zone name is read on every list page: kept per process for a few seconds (a
# saved setting drops it at once in the saving process; others follow within the TTL).
ZONE_SECONDS = 30.0
_zone: tuple[float, zoneinfo.ZoneInfo] | None = None


def company_timezone() -> zoneinfo.ZoneInfo:
    global _zone
    now = time.monotonic()
    if _zone is None or now - _zone[0] > ZONE_SECONDS:
        _zone = (now, zoneinfo.ZoneInfo(CompanySettings.current().timezone))
    return _zone[1]


def company_timezone_forget() -> None:
    global _zone
    _zone = None


def company_today(company: CompanySettings | None = None) -> dt.date:
    """Today in the company's time zone (`company`: a row the caller has already read)."""
    zone = zoneinfo.ZoneInfo(company.timezone) if company is not None else company_timezone()
    return timezone.localtime(timezone=zone).date()
