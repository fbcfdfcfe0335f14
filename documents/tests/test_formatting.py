"""Locale formatting of money, numbers, rates and dates (the texts: test_translations.py)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from documents.formatting import (
    currency_digits,
    format_country,
    format_date,
    format_decimal_plain,
    format_iban,
    format_money,
    format_percent,
    language_of,
)
from documents.labels import LABELS, labels_for

NBSP, NNBSP = "\xa0", "\u202f"
D = Decimal


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("de", f"1.234,50{NBSP}€"),
        ("en", "€1,234.50"),
        ("fr", f"1{NNBSP}234,50{NBSP}€"),
    ],
)
def test_money_per_language(lang: str, expected: str) -> None:
    assert format_money(D("1234.50"), "EUR", lang) == expected


def test_money_uses_the_currency_minor_unit() -> None:
    assert format_money(D("1234"), "JPY", "en") == "¥1,234"
    assert format_money(D("1234.00"), "JPY", "de") == f"1.234{NBSP}¥"
    assert format_money(D("12.5"), "KWD", "en") == "KWD\xa012.500"
    assert format_money(D("7"), "EUR", "en") == "€7.00"
    assert format_money(D("-10"), "EUR", "de") == f"-10,00{NBSP}€"


def test_four_decimal_unit_price_is_not_rounded_to_two() -> None:
    assert format_money(D("4.9715"), "EUR", "en") == "€4.9715"
    assert format_money(D("4.9715"), "EUR", "de") == f"4,9715{NBSP}€"
    assert format_money(D("10.5000"), "EUR", "en") == "€10.50"
    assert format_money(D("1.00005"), "EUR", "en") == "€1.0001"  # half up at 4 places


def test_plain_decimal_drops_meaningless_zeros() -> None:
    assert format_decimal_plain(D("2.000"), "en") == "2"
    assert format_decimal_plain(D("1234.5000"), "de") == "1.234,5"
    assert format_decimal_plain(D("1234.5"), "fr") == f"1{NNBSP}234,5"
    assert format_decimal_plain(D("0.12345"), "en") == "0.1235"
    assert format_decimal_plain(D("1000"), "en") == "1,000"


def test_percent() -> None:
    assert format_percent(D("19.00"), "en") == "19%"
    assert format_percent(D("19.00"), "de") == f"19{NBSP}%"
    assert format_percent(D("7.5"), "fr") == f"7,5{NBSP}%"
    assert format_percent(D("0"), "en") == "0%"


def test_dates() -> None:
    day = dt.date(2026, 3, 2)
    assert format_date(day, "de") == "02.03.2026"
    assert format_date(day, "en") == "Mar 2, 2026"
    assert format_date(day, "fr") == "2 mars 2026"
    assert format_date(day, "de", "long") == "2. März 2026"
    assert format_date(day, "en", "long") == "March 2, 2026"
    with pytest.raises(ValueError, match="style"):
        format_date(day, "en", "weird")


def test_unknown_language_falls_back_to_english() -> None:
    assert language_of("xx") == "en"
    assert language_of("") == "en"
    assert language_of("de-DE") == "de"
    assert language_of("fr_CA") == "fr"
    assert format_money(D("1234.5"), "EUR", "xx") == format_money(D("1234.5"), "EUR", "en")
    assert format_date(dt.date(2026, 1, 5), "zz") == "Jan 5, 2026"
    assert labels_for("xx") == {key: text.message for key, text in LABELS.items()}


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError):
        format_money(0.1, "EUR", "en")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        format_decimal_plain(1.5, "en")  # type: ignore[arg-type]


def test_country_and_iban() -> None:
    assert format_country("DE", "de") == "Deutschland"
    assert format_country("de", "fr") == "Allemagne"
    assert format_country("", "en") == ""
    assert format_country("QQ", "en") == "QQ"
    assert format_iban("de89370400440532013000") == "DE89 3704 0044 0532 0130 00"
    assert format_iban("DE89 3704 0044 0532 0130 00") == "DE89 3704 0044 0532 0130 00"


def test_currency_digits() -> None:
    assert (currency_digits("EUR"), currency_digits("JPY"), currency_digits("KWD")) == (2, 0, 3)


def _parse_en(text: str, symbol: str) -> Decimal:
    return Decimal(text.replace(symbol, "").replace(",", ""))


amounts = st.decimals(
    min_value=D("-99999999.9999"),
    max_value=D("99999999.9999"),
    places=4,
    allow_nan=False,
    allow_infinity=False,
)


@given(amounts)
def test_money_round_trips_exactly(amount: Decimal) -> None:
    text = format_money(amount, "EUR", "en")
    assert _parse_en(text, "€") == amount
    assert "E" not in text
    decimals = text.rsplit(".", 1)[1]
    assert 2 <= len(decimals) <= 4


@given(st.integers(min_value=0, max_value=10**12))
def test_yen_never_show_decimals(value: int) -> None:
    text = format_money(Decimal(value), "JPY", "en")
    assert "." not in text
    assert _parse_en(text, "¥") == value


@given(amounts, st.sampled_from(["en", "de", "fr"]))
def test_plain_decimal_round_trips(value: Decimal, lang: str) -> None:
    text = format_decimal_plain(value, lang)
    if lang == "en":
        normalized = text.replace(",", "")
    else:
        normalized = re.sub(f"[.{NNBSP}]", "", text).replace(",", ".")
    assert Decimal(normalized) == value
    separator = "." if lang == "en" else ","
    if separator in text:  # no trailing zero after the decimal separator
        assert not text.endswith("0")
