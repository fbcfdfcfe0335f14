"""Code lists and number formatting shared by the UBL and CII builders."""

from __future__ import annotations

from decimal import Decimal

import pytest

from documents.einvoice import codes
from documents.einvoice.formatting import money, plain


@pytest.mark.parametrize(
    ("vat_id", "email", "expected"),
    [
        ("DE123456789", "", ("9930", "DE123456789")),
        ("FR 40 303265045", "a@b.example", ("9957", "FR40303265045")),
        ("EL123456789", "", ("9933", "EL123456789")),
        ("IT12345678901", "", ("0211", "IT12345678901")),
        ("ATU12345678", "", ("9914", "ATU12345678")),
        ("NO123456789MVA", "ap@example.no", ("EM", "ap@example.no")),
        ("", " ap@example.com ", ("EM", "ap@example.com")),
        ("", "", None),
    ],
)
def test_endpoint_for(vat_id: str, email: str, expected: tuple[str, str] | None) -> None:
    assert codes.endpoint_for(vat_id, email) == expected


def test_exemption_reason_defaults_and_forbidden_categories() -> None:
    assert codes.exemption_reason("AE", "") == "Reverse charge"
    assert codes.exemption_reason("E", " Art. 132 ") == "Art. 132"
    assert codes.exemption_reason("O", "") == "Not subject to VAT"
    # BR-S-10 / BR-Z-10: no exemption reason on standard or zero rated rows.
    assert codes.exemption_reason("S", "whatever") == ""
    assert codes.exemption_reason("Z", "") == ""


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("119", "EUR", "119.00"),
        ("-0.00", "EUR", "0.00"),
        ("1.5", "USD", "1.50"),
        ("1980", "JPY", "1980"),
        ("12.500", "KWD", "12.50"),
        ("12.345", "KWD", "12.345"),
        ("1E+3", "EUR", "1000.00"),
    ],
)
def test_money(amount: str, currency: str, expected: str) -> None:
    assert money(Decimal(amount), currency) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2.5000", "2.5"), ("1E+2", "100"), ("0.0001", "0.0001"), ("-0", "0"), ("4.9715", "4.9715")],
)
def test_plain(value: str, expected: str) -> None:
    assert plain(Decimal(value)) == expected
