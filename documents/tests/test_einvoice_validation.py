"""The validator itself: it passes what is valid, and it can fail."""

from __future__ import annotations

import dataclasses
import re
from concurrent.futures import ThreadPoolExecutor
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from documents.data import InvoiceDocument
from documents.einvoice import schematron, validation
from documents.einvoice.cii import build_cii
from documents.einvoice.ubl import build_ubl
from documents.einvoice.validation import (
    EInvoiceInvalid,
    Violation,
    assert_valid_cii,
    assert_valid_ubl,
    errors_only,
    parse_svrl,
    validate_cii,
    validate_ubl,
)
from documents.tests import einvoice_factories as factories
from invoices.calculation import calculate_totals, line_gross_amount, minor_unit
from invoices.tests.official_examples import EXAMPLES_DIR, SHARED_AVAILABLE

D = Decimal
BUILDERS = {"ubl": (build_ubl, validate_ubl), "cii": (build_cii, validate_cii)}

# The official CEN/TC 434 example files live in ../shared/einvoice (ubl/, ubl-scenarios/,
# cii/) beside the repository; these tests run whenever that folder is there.
needs_examples = pytest.mark.skipif(
    not SHARED_AVAILABLE, reason="official EN 16931 examples (../shared/einvoice) not present"
)
# Factur-X restricts some code lists further than EN 16931; these official CII examples
# break those restrictions (see the examples' README), everything else must pass.
CII_EXAMPLES_FAILING_FACTURX = {
    "CII_business_example_02.xml": {"FX-SCH-A-000556"},
    "CII_business_example_Z.xml": {"FX-SCH-A-000556"},
    "CII-BR-CO-10-RoundingIssue.xml": {"FX-SCH-A-000556"},
    "XRechnung-O.xml": {"FX-SCH-A-000589", "FX-SCH-A-000616"},
}


def _examples(*folders: str) -> list[Path]:
    if not SHARED_AVAILABLE:
        return []
    return sorted(
        path
        for folder in folders
        for path in (EXAMPLES_DIR / folder).glob("*")
        if path.suffix.lower() == ".xml"
    )


@pytest.fixture(scope="module", autouse=True)
def _compiled() -> None:
    validation.compile_schematrons()


# --- the validator can fail -------------------------------------------------------------


@pytest.mark.parametrize("syntax", sorted(BUILDERS))
@pytest.mark.parametrize(
    ("field", "rules"),
    [
        ("gross_total", {"BR-CO-15", "BR-CO-16"}),
        ("amount_due", {"BR-CO-16"}),
        ("tax_total", {"BR-CO-14", "BR-CO-15"}),
        ("line_total", {"BR-CO-10", "BR-CO-13"}),
        ("net_total", {"BR-CO-13", "BR-CO-15"}),
    ],
)
def test_a_total_raised_by_one_cent_fails_its_rule(
    syntax: str, field: str, rules: set[str]
) -> None:
    build, validate = BUILDERS[syntax]
    tampered = factories.with_total_raised(factories.standard_invoice(), field)
    errors = errors_only(validate(build(tampered)))
    assert {error.rule_id for error in errors} == rules, factories.describe(errors)
    assert all(error.flag in ("fatal", "error") for error in errors)


@pytest.mark.parametrize("syntax", sorted(BUILDERS))
def test_assert_valid_raises_with_the_violations(syntax: str) -> None:
    build = BUILDERS[syntax][0]
    assert_valid = assert_valid_ubl if syntax == "ubl" else assert_valid_cii
    assert_valid(build(factories.standard_invoice()))
    tampered = factories.with_total_raised(factories.jpy_invoice(), delta=D("1"))
    with pytest.raises(EInvoiceInvalid, match="BR-CO-15") as caught:
        assert_valid(build(tampered))
    assert {v.rule_id for v in caught.value.violations} == {"BR-CO-15", "BR-CO-16"}


@pytest.mark.parametrize("syntax", sorted(BUILDERS))
def test_kwd_amount_using_the_third_decimal_breaks_br_dec(syntax: str) -> None:
    # EN 16931 allows 2 decimals in amounts; a 3-decimal currency can need more. The
    # builder writes the exact amount rather than round it, so the validator says so
    # (the CII schematron also rounds its sums to 2 decimals, so BR-CO rules fail there).
    build, validate = BUILDERS[syntax]
    doc = factories.kwd_invoice_with_fils()
    assert doc.line_total == D("3.711")
    rules = {error.rule_id for error in errors_only(validate(build(doc)))}
    assert any(re.fullmatch(r"BR-DEC-\d+", rule) for rule in rules), rules


def test_xsd_errors_become_xsd_violations() -> None:
    ubl = build_ubl(factories.standard_invoice()).replace(
        b"<cbc:IssueDate>2026-03-15</cbc:IssueDate>", b"<cbc:IssueDate>15.03.2026</cbc:IssueDate>"
    )
    xsd = [v for v in validate_ubl(ubl) if v.rule_id == validation.XSD_RULE]
    assert xsd and xsd[0].flag == "fatal" and "IssueDate" in xsd[0].message
    cii = build_cii(factories.standard_invoice()).replace(
        b"<ram:TypeCode>380</ram:TypeCode>", b"<ram:Unknown>380</ram:Unknown>"
    )
    assert validation.XSD_RULE in {v.rule_id for v in validate_cii(cii)}


def test_malformed_xml_and_wrong_root() -> None:
    assert [v.rule_id for v in validate_ubl(b"<Invoice>")] == [validation.XML_RULE]
    assert [v.rule_id for v in validate_cii(b"not xml")] == [validation.XML_RULE]
    cii = build_cii(factories.standard_invoice())
    assert [v.rule_id for v in validate_ubl(cii)] == [validation.XSD_RULE]
    assert [v.rule_id for v in validate_cii(build_ubl(factories.standard_invoice()))] == [
        validation.XSD_RULE
    ]


def test_doctype_is_refused_before_any_entity_is_resolved() -> None:
    xml = (
        b'<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY e SYSTEM "file:///etc/hostname">]>'
        b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&e;</Invoice>'
    )
    assert [v.rule_id for v in validate_ubl(xml)] == [validation.XML_RULE]
    assert [v.rule_id for v in validate_cii(xml)] == [validation.XML_RULE]


def test_svrl_reading_counts_flagless_asserts_as_errors() -> None:
    svrl = b"""<svrl:schematron-output xmlns:svrl="http://purl.oclc.org/dsdl/svrl">
      <svrl:failed-assert id="BR-CO-15" location="/a" test="x"><svrl:text>
        sum   wrong</svrl:text></svrl:failed-assert>
      <svrl:failed-assert id="BR-01" flag="fatal" location="/b"><svrl:text>t</svrl:text>
      </svrl:failed-assert>
      <svrl:failed-assert id="R-8" flag="warning" location="/c"><svrl:text>w</svrl:text>
      </svrl:failed-assert>
      <svrl:successful-report location="/d"><svrl:text>not used</svrl:text>
      </svrl:successful-report>
    </svrl:schematron-output>"""
    violations = parse_svrl(svrl)
    assert violations == [
        Violation("BR-CO-15", "sum wrong", "/a", "error"),
        Violation("BR-01", "t", "/b", "fatal"),
        Violation("R-8", "w", "/c", "warning"),
        Violation("REPORT", "not used", "/d", "information"),
    ]
    assert [v.rule_id for v in errors_only(violations)] == ["BR-CO-15", "BR-01"]


def test_schematron_is_compiled_once() -> None:
    executables = dict(validation._SAXON._executables)
    assert {(validation.UBL_SCHEMATRON, True), (validation.CII_SCHEMATRON, True)} <= set(
        executables
    )
    validate_ubl(build_ubl(factories.minimal_invoice()))
    validate_cii(build_cii(factories.minimal_invoice()))
    assert all(validation._SAXON._executables[k] is v for k, v in executables.items())


def test_validation_from_many_threads() -> None:
    documents = [factory() for factory in factories.SCENARIOS.values()]

    def run(index: int) -> int:
        doc = documents[index % len(documents)]
        return len(errors_only(validate_ubl(build_ubl(doc)))) + len(
            errors_only(validate_cii(build_cii(doc)))
        )

    with ThreadPoolExecutor(max_workers=6) as pool:
        assert set(pool.map(run, range(60))) == {0}


# --- the official examples ---------------------------------------------------------------


@needs_examples
@pytest.mark.parametrize("path", _examples("ubl", "ubl-scenarios"), ids=lambda p: p.name)
def test_official_ubl_examples_pass(path: Path) -> None:
    violations = validate_ubl(path.read_bytes())
    assert errors_only(violations) == [], factories.describe(violations)


@needs_examples
@pytest.mark.parametrize("path", _examples("cii"), ids=lambda p: p.name)
def test_official_cii_examples(path: Path) -> None:
    rules = {v.rule_id for v in errors_only(validate_cii(path.read_bytes()))}
    assert rules == CII_EXAMPLES_FAILING_FACTURX.get(path.name, set())


@needs_examples
def test_shared_code_list_gives_the_same_svrl_as_the_verbatim_stylesheet() -> None:
    # validation hands the Factur-X code lists over as a parameter instead of letting
    # every run re-read them with document(): the findings must be identical.
    inputs = [path.read_bytes() for path in _examples("cii")]
    inputs += [build_cii(factory()) for factory in factories.SCENARIOS.values()]
    inputs.append(build_cii(factories.with_total_raised(factories.standard_invoice())))
    saxon = validation._SAXON
    with saxon.lock:
        processor = saxon.processor()
        verbatim = processor.new_xslt30_processor().compile_stylesheet(
            stylesheet_file=str(validation.CII_SCHEMATRON)
        )
        expected = [
            parse_svrl(
                verbatim.transform_to_string(
                    xdm_node=processor.parse_xml(xml_text=xml.decode("utf-8"), encoding="UTF-8")
                ).encode("utf-8")
            )
            for xml in inputs
        ]
    actual = [parse_svrl(saxon.transform(validation.CII_SCHEMATRON, xml)) for xml in inputs]
    assert actual == expected
    assert any(errors_only(found) for found in actual)


@pytest.mark.skipif(not schematron.rules_available(), reason="official rule sources not present")
@pytest.mark.parametrize(
    ("stylesheet", "build", "profile"),
    [
        (validation.UBL_SCHEMATRON, build_ubl, "en16931"),
        (schematron.PEPPOL_UBL, build_ubl, "peppol"),
        (schematron.XRECHNUNG_UBL, build_ubl, "xrechnung"),
        (schematron.CEN_CII, build_cii, "xrechnung"),
        (schematron.XRECHNUNG_CII, build_cii, "xrechnung"),
    ],
    ids=["cen-ubl", "peppol-ubl", "xrechnung-ubl", "cen-cii", "xrechnung-cii"],
)
def test_stylesheets_without_progress_give_the_verbatim_findings(stylesheet, build, profile):
    # validation compiles every stylesheet without its svrl:fired-rule / active-pattern
    # output (a third of the time): the findings must be those of the verbatim one.
    documents = [
        dataclasses.replace(factory(), profile=profile) for factory in factories.SCENARIOS.values()
    ]
    documents.append(factories.with_total_raised(documents[0]))
    inputs = [build(doc) for doc in documents]
    saxon = validation._SAXON
    with saxon.lock:
        processor = saxon.processor()
        if isinstance(stylesheet, Path):
            text = stylesheet.read_text(encoding="utf-8")
        else:
            text = schematron.build_stylesheet(stylesheet, processor)
        assert "svrl:fired-rule" in text and "svrl:fired-rule" not in validation.without_progress(
            text
        )
        verbatim = processor.new_xslt30_processor().compile_stylesheet(
            stylesheet_text=text, encoding="UTF-8"
        )
        expected = [
            parse_svrl(
                verbatim.transform_to_string(
                    xdm_node=processor.parse_xml(xml_text=xml.decode("utf-8"), encoding="UTF-8")
                ).encode("utf-8")
            )
            for xml in inputs
        ]
    actual = [parse_svrl(saxon.transform(stylesheet, xml)) for xml in inputs]
    assert actual == expected
    assert any(errors_only(found) for found in actual)


# --- property: whatever the calculation produces exports to valid XML --------------------

REGIMES: dict[str, tuple[tuple[str, ...], factories.Party]] = {
    "domestic": (("S", "Z", "E"), factories.BUYER_DE),
    "reverse_charge": (("AE", "S"), factories.BUYER_FR),
    "intra_community": (("K", "S"), factories.BUYER_FR),
    "export": (("G",), factories.BUYER_US),
    "not_subject": (("O",), factories.BUYER_DE),
}
STANDARD_RATES = ("19", "7", "20", "21", "5.5", "10", "8", "25", "16.5")


def _floor(amount: Decimal, currency: str, whole: bool) -> Decimal:
    """Round down to the currency's minor unit, or to whole units for KWD (see below)."""
    exponent = 0 if whole else minor_unit(currency)
    return amount.quantize(D(1).scaleb(-exponent), rounding=ROUND_DOWN)


@st.composite
def invoice_documents(draw: st.DrawFn) -> InvoiceDocument:
    currency = draw(st.sampled_from(("EUR", "JPY", "KWD")))
    categories, buyer = REGIMES[draw(st.sampled_from(sorted(REGIMES)))]
    # EN 16931 amounts have at most 2 decimals (BR-DEC): KWD invoices stay on whole
    # dinars and whole-percent rates so that no amount needs its third decimal.
    whole = currency == "KWD"
    quantity = (
        st.integers(1, 40).map(D)
        if whole
        else st.decimals(D("0.0001"), D("500"), places=4, allow_nan=False)
    )
    price = (
        st.integers(0, 300).map(D)
        if whole
        else st.decimals(D("0"), D("2000"), places=4, allow_nan=False)
    )
    rates = [rate for rate in STANDARD_RATES if not whole or "." not in rate]
    lines = []
    for position in range(1, draw(st.integers(1, 5)) + 1):
        category = draw(st.sampled_from(categories))
        spec = factories.LineSpec(
            quantity=draw(quantity),
            unit_price=draw(price),
            tax_category=category,
            tax_rate=D(draw(st.sampled_from(rates))) if category == "S" else D("0"),
            price_base_quantity=D("1") if whole else D(draw(st.sampled_from(("1", "10", "100")))),
            charge_amount=_floor(D(draw(st.integers(0, 2000))) / 100, currency, whole),
            description=f"Item {position}",
            unit_code=draw(st.sampled_from(("C62", "HUR", "KGM"))),
        )
        # A line discount may not exceed the line's gross amount (API contract).
        share = D(draw(st.integers(0, 100))) / 100
        discount = _floor(line_gross_amount(spec.to_input()) * share, currency, whole)
        lines.append(dataclasses.replace(spec, discount_amount=discount))

    inputs = [spec.to_input() for spec in lines]
    line_total = calculate_totals(lines=inputs, currency=currency).line_total
    groups = sorted({(spec.tax_category, spec.tax_rate) for spec in lines})
    allowances = []
    for _ in range(draw(st.integers(0, 2))):
        category, rate = draw(st.sampled_from(groups))
        share = D(draw(st.integers(1, 10))) / 100
        amount = _floor(line_total * share, currency, whole)
        if amount > 0:
            is_charge = draw(st.booleans())
            allowances.append(factories.AllowanceChargeSpec(is_charge, amount, category, rate))

    # BR-E-10: an exempt row states why (the services refuse to issue E without a reason).
    common = {"currency": currency, "buyer": buyer, "exemption_reasons": {"E": "Art. 132"}}
    if draw(st.booleans()) and draw(st.booleans()):
        return factories.make_document(
            lines,
            allowances,
            kind="credit_note",
            number="CN-2026-00001",
            credited_invoice_number="INV-2026-00001",
            **common,
        )
    unpaid = factories.make_document(lines, allowances, **common)
    paid = _floor(unpaid.gross_total * D(draw(st.integers(0, 100))) / 100, currency, whole)
    return factories.make_document(lines, allowances, paid_total=paid, **common)


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(invoice_documents())
def test_any_calculated_invoice_exports_to_valid_ubl_and_cii(doc: InvoiceDocument) -> None:
    ubl = validate_ubl(build_ubl(doc))
    assert errors_only(ubl) == [], factories.describe(ubl)
    cii = validate_cii(build_cii(doc))
    assert errors_only(cii) == [], factories.describe(cii)
