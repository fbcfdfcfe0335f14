"""Field validators for codes that e-invoices carry (ISO 3166, ISO 4217, VAT ids, IBAN/BIC)."""

from __future__ import annotations

import re

import pycountry
from django.core.exceptions import ValidationError
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

# EN 16931 BT-31/BT-48: a VAT id is prefixed with its country code (Greece uses "EL").
_VAT_ID = re.compile(r"^[A-Z]{2}[0-9A-Z+*.]{2,13}$")
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français")]


def validate_country_code(value: str) -> None:
    if not value:
        return
    if value != value.upper() or pycountry.countries.get(alpha_2=value) is None:
        raise ValidationError(f"'{value}' is not an ISO 3166-1 alpha-2 country code.")


def validate_currency_code(value: str) -> None:
    if value != value.upper() or pycountry.currencies.get(alpha_3=value) is None:
        raise ValidationError(f"'{value}' is not an ISO 4217 currency code.")


def validate_vat_id(value: str) -> None:
    if not value:
        return
    if not _VAT_ID.match(value):
        raise ValidationError(
            "A VAT id starts with its two-letter country prefix followed by 2-13 letters "
            "or digits, without spaces (e.g. DE123456789)."
        )


def validate_iban(value: str) -> None:
    if not value:
        return
    try:
        IBAN(value)
    except SchwiftyException as exc:
        raise ValidationError(f"Invalid IBAN: {exc}") from exc


def validate_bic(value: str) -> None:
    if not value:
        return
    try:
        BIC(value)
    except SchwiftyException as exc:
        raise ValidationError(f"Invalid BIC: {exc}") from exc
