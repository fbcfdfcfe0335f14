"""The issue-time check validates the UBL only (15 ms budget); the CII must add nothing.

For every document of the e-invoice factories in each profile, valid and broken alike
(no buyer reference, reverse charge without buyer VAT id, an unknown unit, O mixed with
S, JPY off the yen, KWD fils), a CII that fails its rules must come with a UBL that
fails too: then refusing on the UBL's findings refuses everything the CII would.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from documents.data import InvoiceDocument
from documents.einvoice import schematron, validation
from documents.einvoice.cii import build_cii
from documents.einvoice.ubl import build_ubl
from documents.einvoice.validation import errors_only, validate_cii, validate_ubl
from documents.services import einvoice_issue_violations
from documents.tests import einvoice_factories as factories

pytestmark = pytest.mark.skipif(
    not schematron.rules_available(),
    reason=f"official e-invoice rule sources not found at {schematron.rules_dir()}",
)

PROFILES = ("peppol", "xrechnung", "en16931")
LEITWEG_ID = "04011000-12345-03"
SELLER = dataclasses.replace(
    factories.SELLER,
    contact_name="Erika Mustermann",
    endpoint_id="DE123456789",
    endpoint_scheme="9930",
)


def _in_profile(doc: InvoiceDocument, profile: str) -> InvoiceDocument:
    return dataclasses.replace(
        doc,
        profile=profile,
        seller=SELLER,
        buyer_reference=doc.buyer_reference or LEITWEG_ID,
        payment_terms=doc.payment_terms or "30 days net",
    )


def _with_lines(doc: InvoiceDocument, **changes: object) -> InvoiceDocument:
    lines = tuple(dataclasses.replace(line, **changes) for line in doc.lines)
    return dataclasses.replace(doc, lines=lines)


def _broken(doc: InvoiceDocument) -> dict[str, InvoiceDocument]:
    jpy = factories.make_document(
        [factories.LineSpec(quantity=Decimal("3"), unit_price=Decimal("33.5"))],
        currency="JPY",
    )
    mixed = factories.make_document(
        [
            factories.LineSpec(quantity=Decimal("1"), unit_price=Decimal("100")),
            factories.LineSpec(
                quantity=Decimal("1"), unit_price=Decimal("50"), tax_category="O", tax_rate=0
            ),
        ]
    )
    no_vat_id = dataclasses.replace(factories.reverse_charge_invoice().buyer, tax_id="")
    return {
        "no buyer reference": dataclasses.replace(doc, buyer_reference=" "),
        "unit PCS": _with_lines(doc, unit_code="PCS"),
        "reverse charge, buyer without VAT id": dataclasses.replace(
            factories.reverse_charge_invoice(), buyer=no_vat_id
        ),
        "O mixed with S": mixed,
        "JPY off the yen": jpy,
        "KWD fils": factories.kwd_invoice_with_fils(),
        "no seller contact": dataclasses.replace(doc, seller=factories.SELLER),
    }


def _documents() -> dict[str, InvoiceDocument]:
    documents = {name: factory() for name, factory in factories.SCENARIOS.items()}
    return documents | _broken(factories.standard_invoice())


@pytest.fixture(scope="module", autouse=True)
def _compiled() -> None:
    validation.compile_schematrons()


def test_a_cii_never_fails_where_its_ubl_passes() -> None:
    failing, cii_only = [], {}
    for name, document in _documents().items():
        for profile in PROFILES:
            doc = _in_profile(document, profile)
            ubl_errors = einvoice_issue_violations(doc)
            cii_errors = {v.rule_id for v in errors_only(validate_cii(build_cii(doc), profile))}
            if ubl_errors:
                failing.append((name, profile))
            elif cii_errors:
                cii_only[(name, profile)] = sorted(cii_errors)
    assert cii_only == {}
    # Both kinds are in the matrix, or it would prove nothing.
    assert len(failing) >= 15 and 3 * len(_documents()) - len(failing) >= 20, failing
    assert {("JPY off the yen", "peppol"), ("no buyer reference", "xrechnung")} <= set(failing)


def test_the_issue_check_is_the_ubl_in_the_profile() -> None:
    doc = _in_profile(factories.standard_invoice(), "xrechnung")
    assert einvoice_issue_violations(doc) == []
    assert errors_only(validate_ubl(build_ubl(doc), "xrechnung")) == []
    tampered = _in_profile(factories.with_total_raised(factories.standard_invoice()), "xrechnung")
    found = einvoice_issue_violations(tampered)
    assert {"BR-CO-15", "BR-CO-16"} <= {violation.rule_id for _, violation in found}
    assert {syntax for syntax, _ in found} == {"ubl"}
