"""Reads of the company settings; the public subset is cached (invalidated on save)."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.core.cache import cache

from settings_app.models import CompanySettings

logger = logging.getLogger(__name__)

PUBLIC_CACHE_KEY = "settings:company:public:v1"
PUBLIC_FIELDS = (
    "legal_name",
    "trading_name",
    "street",
    "city",
    "postal_code",
    "country",
    "email",
    "website",
)


def _public_dict(company: CompanySettings) -> dict[str, Any]:
    data: dict[str, Any] = {name: getattr(company, name) or None for name in PUBLIC_FIELDS}
    data["logo_url"] = company.logo.url if company.logo else None
    return data


def company_settings_public() -> dict[str, Any]:
    """Exactly the public keys: legal_name, trading_name, address, email, website, logo_url."""
    try:
        cached = cache.get(PUBLIC_CACHE_KEY)
    except Exception:
        logger.warning("Cache unavailable; reading public settings from the database")
        cached = None
    if cached is not None:
        return cached
    data = _public_dict(CompanySettings.load())
    try:
        cache.set(PUBLIC_CACHE_KEY, data, timeout=3600)
    except Exception:
        logger.warning("Cache unavailable; public settings not cached")
    return data


def company_settings_public_invalidate() -> None:
    try:
        cache.delete(PUBLIC_CACHE_KEY)
    except Exception:
        logger.warning("Cache unavailable; could not invalidate public settings")


INVOICING_FIELDS = (
    "default_currency",
    "default_tax_category",
    "default_payment_terms_days",
    "invoice_series",
    "credit_note_series",
    "invoice_number_format",
    "default_language",
    "timezone",
)


def invoicing_settings(*, company: CompanySettings) -> dict[str, Any]:
    """The defaults of new drafts, for every signed-in user (no seller data)."""
    data: dict[str, Any] = {name: getattr(company, name) for name in INVOICING_FIELDS}
    data["default_tax_rate"] = str(Decimal(company.default_tax_rate).quantize(Decimal("0.01")))
    return data
