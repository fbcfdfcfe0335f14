"""The stylesheets as compiled give the verbatim rules' findings, in the same order, and
the issue check still refuses what it refused.

Compiled: without progress output, each schematron pattern applied only to the
elements its rules can match (``documents.einvoice.dispatch``) instead of walking the
whole document once per pattern, and for the error checks (``ubl_errors``, the issue
check) without the warning-only asserts. Every finding must stay: same rule id,
message, location (hence the same field to fix), flag, order.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
from collections.abc import Iterator
from decimal import Decimal

import pytest

from documents.data import InvoiceDocument
from documents.einvoice import dispatch, schematron, validation
from documents.einvoice.cii import build_cii
from documents.einvoice.fields import field_for
from documents.einvoice.ubl import build_ubl
from documents.services import einvoice_issue_violations
from documents.tests import einvoice_factories as factories

needs_rules = pytest.mark.skipif(
    not schematron.rules_available(),
    reason=f"official e-invoice rule sources not found at {schematron.rules_dir()}",
)

PROFILES = ("en16931", "peppol", "xrechnung")
SELLER = dataclasses.replace(
    factories.SELLER,
    contact_name="Erika Mustermann",
    endpoint_id="DE123456789",
    endpoint_scheme="9930",
)
# The verbatim stylesheets (progress output and whole-document walks kept).
VERBATIM = validation._Saxon(prepare=lambda text, errors: text)


@pytest.fixture(scope="module", autouse=True)
def _compiled() -> None:
    validation.compile_schematrons()


@pytest.fixture
def verbatim() -> Iterator[None]:
    """``validation`` runs the verbatim stylesheets while the fixture is active."""
    current, validation._SAXON = validation._SAXON, VERBATIM
    try:
        yield
    finally:
        validation._SAXON = current


def _in_profile(doc: InvoiceDocument, profile: str, **changes: object) -> InvoiceDocument:
    values = {
        "profile": profile,
        "seller": SELLER,
        "buyer_reference": doc.buyer_reference or "04011000-12345-03",
        "payment_terms": doc.payment_terms or "30 days net",
    }
    return dataclasses.replace(doc, **(values | changes))


def _with_lines(doc: InvoiceDocument, **changes: object) -> InvoiceDocument:
    return dataclasses.replace(
        doc, lines=tuple(dataclasses.replace(line, **changes) for line in doc.lines)
    )


def _jpy_off_the_yen() -> InvoiceDocument:
    line = factories.LineSpec(quantity=Decimal("3"), unit_price=Decimal("33.5"))
    return factories.make_document([line], currency="JPY")


def _reverse_charge_without_buyer_vat_id() -> InvoiceDocument:
    doc = factories.reverse_charge_invoice()
    return dataclasses.replace(doc, buyer=dataclasses.replace(doc.buyer, tax_id=""))


def _documents(profile: str) -> list[InvoiceDocument]:
    valid = [_in_profile(factory(), profile) for factory in factories.SCENARIOS.values()]
    standard = valid[0]
    broken = [
        factories.with_total_raised(standard),
        _in_profile(standard, profile, buyer_reference=" "),
        _with_lines(standard, unit_code="PCS"),
        _in_profile(_reverse_charge_without_buyer_vat_id(), profile),
        _in_profile(_jpy_off_the_yen(), profile),
        _in_profile(factories.kwd_invoice_with_fils(), profile),
        dataclasses.replace(standard, seller=factories.SELLER),
    ]
    return valid + broken


def _syntax_broken_ubl() -> bytes:
    """UBL elements EN 16931 does not use (the CEN syntax pattern, UBL-CR-*)."""
    return build_ubl(factories.standard_invoice()).replace(
        b"<cbc:IssueDate>",
        b"<cbc:UUID>8a3b</cbc:UUID><cbc:IssueTime>10:00:00</cbc:IssueTime><cbc:IssueDate>",
        1,
    )


# --- the findings are the verbatim stylesheets' ------------------------------------------


def _all_findings(profile: str) -> list[list[validation.Violation]]:
    """All findings and the errors alone (each from its own flavour) of each document."""
    found = []
    ubls = [build_ubl(doc) for doc in _documents(profile)] + [_syntax_broken_ubl()]
    for ubl in ubls:
        found += [validation.validate_ubl(ubl, profile), validation.ubl_errors(ubl, profile)]
    for doc in _documents(profile):
        cii = build_cii(doc)
        found += [validation.validate_cii(cii, profile), validation.cii_errors(cii, profile)]
    return found


@needs_rules
@pytest.mark.parametrize("profile", PROFILES)
def test_findings_are_the_verbatim_stylesheets(profile: str, request) -> None:
    compiled = _all_findings(profile)
    request.getfixturevalue("verbatim")
    expected = _all_findings(profile)
    assert compiled == expected
    # The errors flavour is the full findings' errors (the verbatim run filters them).
    assert compiled[1::2] == [validation.errors_only(found) for found in compiled[0::2]]
    # The documents break rules of every rule set of the profile, or this proves little.
    fired = {v.rule_id for found in compiled for v in found}
    assert {"BR-CO-15", "BR-CL-23", "BR-DEC-09", "UBL-DT-01", "UBL-CR-005"} <= fired
    if profile == "peppol":
        assert "PEPPOL-EN16931-R120" in fired
    if profile == "xrechnung":
        assert {"BR-DE-15", "BR-DE-5"} <= fired


# --- the issue check refuses with the same rule and field --------------------------------

REFUSALS = [
    # (profile, broken document, rule, field): each pattern of CEN, Peppol, XRechnung.
    ("en16931", factories.kwd_invoice_with_fils, "BR-DEC-09", "currency"),  # CEN model
    ("en16931", factories.kwd_invoice_with_fils, "UBL-DT-01", "items.0"),  # CEN syntax
    ("en16931", lambda: _with_lines(factories.standard_invoice(), unit_code="PCS"),
     "BR-CL-23", "items.0.unit_code"),  # CEN code lists
    ("peppol", _jpy_off_the_yen, "PEPPOL-EN16931-R120", "items.0.unit_price"),  # Peppol
    ("xrechnung", lambda: dataclasses.replace(factories.standard_invoice(), buyer_reference=" "),
     "BR-DE-15", "buyer_reference"),  # XRechnung
]  # fmt: skip


def _refusal(doc: InvoiceDocument) -> set[tuple[str, str | None]]:
    return {
        (v.rule_id, field_for(v.rule_id, v.location)) for _, v in einvoice_issue_violations(doc)
    }


@needs_rules
@pytest.mark.parametrize(("profile", "build", "rule", "field"), REFUSALS)
def test_the_issue_check_refuses_with_the_rule_and_field(profile, build, rule, field, request):
    doc = _in_profile(build(), profile)
    assert einvoice_issue_violations(_in_profile(factories.standard_invoice(), profile)) == []
    refused = _refusal(doc)
    assert (rule, field) in refused
    request.getfixturevalue("verbatim")
    assert _refusal(doc) == refused


# --- the rewrite itself -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "names"),
    [
        ("cac:A/cbc:B[x = ']']", {"B"}),
        ("(/ubl:Invoice | /cn:CreditNote)[$isCVD]", {"Invoice", "CreditNote"}),
        ("cbc:E[@s = '0007'] | cac:P/cbc:ID[@s]", {"E", "ID"}),
        ("//*[ends-with(name(), 'Amount')]", {"*"}),
        ("cac:*", {"*"}),
        ("@schemeID", None),
        ("text()", None),
        ("/", None),
        ("*:Amount", None),
        ("child::cbc:ID", None),
    ],
)
def test_last_step_names(pattern: str, names: set[str] | None) -> None:
    assert dispatch.last_step_names(pattern) == names


_STYLESHEET = """<xsl:stylesheet version="2.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
<xsl:template match="/"><r><xsl:apply-templates select="/" mode="M1"/>
<xsl:apply-templates select="/" mode="M2"/><xsl:apply-templates select="/" mode="M3"/></r>
</xsl:template>
<xsl:template match="b" priority="1001" mode="M1"><hit m="1" n="{name()}"/>
<xsl:apply-templates select="@*|*" mode="M1"/></xsl:template>
<xsl:template match="a/b | c" priority="1000" mode="M1"><late/>
<xsl:apply-templates select="@*|*" mode="M1"/></xsl:template>
<xsl:template match="text()" priority="-1" mode="M1"/>
<xsl:template match="@*|node()" priority="-2" mode="M1">
<xsl:apply-templates select="@*|*" mode="M1"/></xsl:template>
<xsl:template match="@id" priority="1000" mode="M2"><hit m="2" n="{.}"/>
<xsl:apply-templates select="@*|*" mode="M2"/></xsl:template>
<xsl:template match="@*|node()" priority="-2" mode="M2">
<xsl:apply-templates select="@*|*" mode="M2"/></xsl:template>
<xsl:template match="@*|node()" priority="-2" mode="M3">
<xsl:apply-templates select="@*|*" mode="M3"/></xsl:template>
</xsl:stylesheet>"""


def test_dispatch_keeps_matches_and_order_and_leaves_attribute_rules_alone() -> None:
    rewritten = dispatch.indexed_dispatch(_STYLESHEET)
    assert "key('billing-einvoice-elements-by-local-name', ('b', 'c'))" in rewritten
    assert 'select="/" mode="M2"' in rewritten  # an attribute rule: the walk stays
    assert 'select="()" mode="M3"' in rewritten  # no rules: nothing to visit
    document = '<a><b id="1"><c id="2"><b/></c></b><x><b id="3"/></x></a>'
    with validation._SAXON.lock:
        processor = validation._SAXON.processor()
        node = processor.parse_xml(xml_text=document)
        outputs = [
            processor.new_xslt30_processor()
            .compile_stylesheet(stylesheet_text=text)
            .transform_to_string(xdm_node=node)
            for text in (_STYLESHEET, rewritten)
        ]
    assert outputs[0] == outputs[1]
    assert outputs[1].count("<hit") == 6  # three b, three id attributes


# --- a warm-up before a fork serves the children -----------------------------------------


def _child_check(profile: str) -> list[str]:
    doc = _in_profile(_jpy_off_the_yen(), profile)
    return sorted(v.rule_id for _, v in einvoice_issue_violations(doc))


@needs_rules
def test_stylesheets_compiled_before_a_fork_work_in_the_children() -> None:
    expected = _child_check("peppol")
    assert "PEPPOL-EN16931-R120" in expected
    with multiprocessing.get_context("fork").Pool(2) as pool:
        assert pool.map(_child_check, ["peppol", "peppol"]) == [expected, expected]


def test_dispatch_leaves_a_stylesheet_it_cannot_vouch_for_as_it_is() -> None:
    passing_on = _STYLESHEET.replace("<late/>", "<late/><xsl:next-match/>")
    assert dispatch.indexed_dispatch(passing_on) == passing_on
