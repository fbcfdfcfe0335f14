"""Locale-aware formatting of money, numbers, rates and dates for documents (Babel).

Every value is a ``Decimal`` and stays one: Babel formats ``Decimal`` exactly, floats
never enter. ``SUPPORTED_LANGUAGES`` are English (the language of the source texts) and
every language with a catalogue in ``documents/locale/<lang>/LC_MESSAGES/django.po``;
any other language falls back to English, so the figures always match the texts of
``documents.labels``.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers

from invoices.calculation import minor_unit

DEFAULT_LANGUAGE = "en"
# The documents app's translation catalogues (Django finds an app's locale/ by itself).
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def catalogue_languages(locale_dir: Path = LOCALE_DIR) -> tuple[str, ...]:
    """The languages that have a catalogue (``<lang>/LC_MESSAGES/django.po``), sorted."""
    return tuple(sorted(po.parents[1].name for po in locale_dir.glob("*/LC_MESSAGES/django.po")))


# Adding a language is adding its catalogue: nothing else to list.
SUPPORTED_LANGUAGES: tuple[str, ...] = (
    DEFAULT_LANGUAGE,
    *(lang for lang in catalogue_languages() if lang != DEFAULT_LANGUAGE),
)
MAX_PLAIN_DECIMALS = 4
# CLDR's currency spacing, which Babel does not apply: a currency code written in
# letters gets a no-break space next to the digits ("CHF 12.00", not "CHF12.00").
_LETTER_BESIDE_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


@lru_cache(maxsize=64)
def resolve_locale(lang: str | None) -> Locale:
    """The Babel locale for a language tag such as ``de``, ``fr-CH`` or ``en_GB``.

    A regional variant of a supported language keeps its region (Swiss grouping, for
    instance); anything else becomes English.
    """
    tag = (lang or "").strip().replace("-", "_")
    base = tag.split("_", 1)[0].lower()
    if base not in SUPPORTED_LANGUAGES:
        return Locale.parse(DEFAULT_LANGUAGE)
    try:
        return Locale.parse(tag)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(base)


def language_of(lang: str | None) -> str:
    """The supported language code (``en``, ``de`` or ``fr``) used for ``lang``."""
    return resolve_locale(lang).language


def currency_digits(currency: str) -> int:
    """The currency's minor unit digits (2 for EUR, 0 for JPY, 3 for KWD): the same
    function the amounts were rounded with (invoices.calculation, Babel's CLDR data)."""
    return minor_unit(currency)


def _decimal(value: Decimal | int | str) -> Decimal:
    # A float has already lost the exact value: refuse it rather than print noise.
    if isinstance(value, float):
        raise TypeError("money and quantities must be Decimal, not float")
    return Decimal(value)


def _trim(value: Decimal, min_places: int, max_places: int) -> Decimal:
    """Round to at most ``max_places`` and drop trailing zeros down to ``min_places``."""
    if not value.is_finite():
        raise ValueError(f"not a finite amount: {value!r}")
    if -value.as_tuple().exponent > max_places:
        value = value.quantize(Decimal(1).scaleb(-max_places), rounding=ROUND_HALF_UP)
    exponent = value.normalize().as_tuple().exponent
    places = max(-exponent if isinstance(exponent, int) else 0, min_places, 0)
    return value.quantize(Decimal(1).scaleb(-places))


def format_money(
    amount: Decimal, currency: str, lang: str, *, max_places: int = MAX_PLAIN_DECIMALS
) -> str:
    """Amount with the currency symbol, e.g. de ``1.234,50 €``, en ``€1,234.50``.

    At least the currency's own decimals are shown; a unit price with more (4.9715)
    keeps them, up to ``max_places``, instead of being rounded to the minor unit.
    """
    digits = currency_digits(currency)
    value = _trim(_decimal(amount), digits, max(max_places, digits))
    text = babel_numbers.format_currency(
        value,
        currency.upper(),
        locale=resolve_locale(lang),
        currency_digits=True,
        decimal_quantization=False,
    )
    return _LETTER_BESIDE_DIGIT.sub("\xa0", text)


def format_decimal_plain(value: Decimal, lang: str) -> str:
    """A quantity or price without meaningless trailing zeros (``2``, ``1.234,5``)."""
    trimmed = _trim(_decimal(value), 0, MAX_PLAIN_DECIMALS)
    return babel_numbers.format_decimal(
        trimmed, locale=resolve_locale(lang), decimal_quantization=False
    )


def format_percent(rate: Decimal, lang: str) -> str:
    """A percentage given in percent (``Decimal("19.00")``) as ``19 %`` / ``19%``."""
    fraction = _trim(_decimal(rate), 0, MAX_PLAIN_DECIMALS) / 100
    return babel_numbers.format_percent(
        fraction, locale=resolve_locale(lang), decimal_quantization=False
    )


def format_date(value: dt.date, lang: str, style: str = "medium") -> str:
    """A date in the language's ``medium`` (default) or ``long`` style."""
    if style not in ("short", "medium", "long", "full"):
        raise ValueError(f"unknown date style: {style!r}")
    return babel_dates.format_date(value, format=style, locale=resolve_locale(lang))


def format_country(code: str, lang: str) -> str:
    """The country's name for an ISO 3166-1 alpha-2 code; the code if unknown."""
    code = code.strip().upper()
    return resolve_locale(lang).territories.get(code, code) if code else ""


def format_iban(iban: str) -> str:
    """An IBAN in groups of four, as printed on paper (``DE89 3704 0044 ...``)."""
    compact = "".join(iban.split()).upper()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
