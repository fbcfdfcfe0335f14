"""Code lists and number formatting shared by the UBL and CII builders."""

from __future__ import annotations

from decimal import Decimal

import pytest

from documents.data import Party
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
    party = Party(name="x", tax_id=vat_id, email=email)
    assert codes.endpoint_for(party, codes.EN16931) == expected
    assert codes.endpoint_for(party, codes.XRECHNUNG) == expected
    # Peppol has no "EM" scheme (CL008): without a VAT id of a known scheme, no endpoint.
    peppol = None if expected and expected[0] == "EM" else expected
    assert codes.endpoint_for(party, codes.PEPPOL) == peppol


def test_explicit_endpoint_wins() -> None:
    party = Party(name="x", tax_id="DE123456789", endpoint_id="0088:1", endpoint_scheme="0088")
    assert codes.endpoint_for(party, codes.PEPPOL) == ("0088", "0088:1")


def test_exemption_defaults_and_forbidden_categories() -> None:
    assert codes.exemption_for("AE", "", "") == ("VATEX-EU-AE", "Reverse charge")
    assert codes.exemption_for("E", "", " Art. 132 ") == ("", "Art. 132")
    assert codes.exemption_for("E", "VATEX-EU-132-1I", "") == ("VATEX-EU-132-1I", "")
    # E has no default: its reason is an article of the law (the issue refuses without).
    assert codes.exemption_for("E", "", "") == ("", "")
    assert codes.exemption_for("O", "", "") == ("VATEX-EU-O", "Not subject to VAT")
    # BR-S-10 / BR-Z-10: no exemption reason on standard or zero rated rows.
    assert codes.exemption_for("S", "", "whatever") == ("", "")
    assert codes.exemption_for("Z", "", "") == ("", "")


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("04011000-1234512345-06", True),
        ("991-33333TEST-33", True),
        ("04011000-1234512345-07", False),
        ("04011000-12345", False),
        ("not a leitweg", False),
    ],
)
def test_leitweg_id_check_digits(value: str, valid: bool) -> None:
    assert codes.leitweg_id_valid(value) is valid


def test_endpoint_errors() -> None:
    assert codes.endpoint_errors("", "") == {}
    assert codes.endpoint_errors("9930", "DE123456789") == {}
    assert set(codes.endpoint_errors("XX", "1")) == {"endpoint_scheme"}
    assert set(codes.endpoint_errors("9930", "")) == {"endpoint_id"}
    assert set(codes.endpoint_errors("0204", "04011000-1234512345-07")) == {"endpoint_id"}


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


# Every Leitweg-ID in KoSIT's XRechnung examples (BT-10 and BT-49 under 0204). Two carry
# check digits "98" that MOD 97-10 does not give (56 and 15 would be right): the ids of
# 01.06a and 01.07a are placeholders; the check stays (a wrong id routes an invoice to
# no one), and the round trip writes them as the invoice's BT-10, which is not checked.
KOSIT_LEITWEG_IDS = {
    "04011000-12345-03": True,
    "04011000-12346-97": True,
    "04011000-12347-94": True,
    "04011000-12348-91": True,
    "04011000-12349-88": True,
    "04011000-12350-85": True,
    "04011000-12352-79": True,
    "04011000-12353-76": True,
    "04011000-12354-73": True,
    "11002002-98765-14": True,
    "1234567890-54321-40": True,
    "90000000-03083-72": True,
    "99000000-18188-18": True,
    "991-33333TEST-33": True,
    "99000000-01944-98": False,  # 01.06a: ...-56 would be right
    "99000000-05676-98": False,  # 01.07a: ...-15 would be right
}


@pytest.mark.parametrize(("value", "valid"), sorted(KOSIT_LEITWEG_IDS.items()))
def test_kosit_leitweg_ids(value: str, valid: bool) -> None:
    assert codes.leitweg_id_valid(value) is valid
    if not valid:
        base = value.rsplit("-", 1)[0]
        right = next(
            f"{base}-{digits:02d}"
            for digits in range(100)
            if codes.leitweg_id_valid(f"{base}-{digits:02d}")
        )
        assert right in ("99000000-01944-56", "99000000-05676-15")


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("30 days net", "30 days net"),
        ("  30 days net\n", "30 days net"),
        # BR-DE-18: a Skonto line ends with a line break, also when input was trimmed.
        ("#SKONTO#TAGE=7#PROZENT=2.00#", "#SKONTO#TAGE=7#PROZENT=2.00#\n"),
        (
            "#SKONTO#TAGE=7#PROZENT=2.00#\n#SKONTO#TAGE=14#PROZENT=1.00#\n",
            "#SKONTO#TAGE=7#PROZENT=2.00#\n#SKONTO#TAGE=14#PROZENT=1.00#\n",
        ),
        ("", ""),
    ],
)
def test_payment_terms_text(text: str, written: str) -> None:
    assert codes.payment_terms_text(text) == written
