"""Amounts travel as exact strings in their currency's precision, whatever their source."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from invoices.calculation import round_money
from invoices.representation import money_text as _money

CURRENCIES = ["EUR", "JPY", "KWD", "USD", "HUF", "CLF"]
amounts = st.decimals(
    min_value=Decimal("-999999999999.9999"),
    max_value=Decimal("999999999999.9999"),
    places=4,
    allow_nan=False,
    allow_infinity=False,
)


@given(amount=amounts, currency=st.sampled_from(CURRENCIES))
def test_a_stored_amount_reads_as_its_rounded_value(amount, currency):
    stored = round_money(amount, currency).quantize(Decimal("0.0001"))  # as the column holds it

    assert _money(stored, currency) == str(round_money(amount, currency))


@given(amount=amounts, currency=st.sampled_from(CURRENCIES))
def test_any_amount_reads_rounded_to_its_currency(amount, currency):
    assert _money(amount, currency) == str(round_money(amount, currency))


def test_examples():
    assert _money(Decimal("119.0000"), "EUR") == "119.00"
    assert _money(Decimal("1000.0000"), "JPY") == "1000"
    assert _money(Decimal("1.2340"), "KWD") == "1.234"
    assert _money(Decimal("-0.5000"), "EUR") == "-0.50"
    assert _money(Decimal("595.00"), "EUR") == "595.00"
    assert _money(Decimal("0E-4"), "EUR") == "0.00"
