"""The Peppol and XRechnung stylesheets built from the official sources are right.

Proofs: OpenPeppol's own unit tests give their expected verdicts (every `<success>` rule
holds, every `<error>` / `<warning>` rule fires with that flag), and every KoSIT
XRechnung example passes the XRechnung and the CEN rules; a tampered copy fails.
The rule sources live outside the repository (``../shared/einvoice``); without them
these tests are skipped.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from documents.einvoice import codes, schematron, validation
from documents.einvoice.validation import errors_only, parse_svrl

pytestmark = pytest.mark.skipif(
    not schematron.rules_available(),
    reason=f"official e-invoice rule sources not found at {schematron.rules_dir()}",
)

NS_TEST = "http://difi.no/xsd/vefa/validator/1.0"
EXAMPLES_DIR = schematron.rules_dir().parent / "xrechnung-examples"


def _unit_tests(folder: str) -> list[Path]:
    directory = schematron.rules_dir() / "peppol-bis-3" / folder
    return sorted(directory.iterdir()) if directory.is_dir() else []


def _verdict_mismatches(rule_set: schematron.RuleSet, path: Path) -> tuple[int, list[str]]:
    """(expectations checked, those that did not hold) of one unit-test file."""
    checked, wrong = 0, []
    for index, test in enumerate(etree.parse(str(path)).getroot().iter(f"{{{NS_TEST}}}test")):
        expected = test.find(f"{{{NS_TEST}}}assert")
        document = next(
            child
            for child in test
            if isinstance(child.tag, str) and etree.QName(child).namespace != NS_TEST
        )
        svrl = validation._SAXON.transform(rule_set, etree.tostring(document))
        fired = {v.rule_id: v.flag for v in parse_svrl(svrl)}
        for verdict in expected:
            if not isinstance(verdict.tag, str):
                continue
            kind, rule = etree.QName(verdict).localname, (verdict.text or "").strip()
            if kind == "success":
                holds = rule not in fired
            elif kind == "error":
                holds = fired.get(rule) in ("fatal", "error")
            elif kind == "warning":
                holds = fired.get(rule) == "warning"
            else:
                continue
            checked += 1
            if not holds:
                wrong.append(f"test {index + 1}: {kind} {rule} (fired: {fired.get(rule)})")
    return checked, wrong


@pytest.mark.parametrize(
    ("rule_set", "folder"),
    [(schematron.PEPPOL_UBL, "unit-UBL-PEPPOL"), (schematron.PEPPOL_CII, "unit-CII-PEPPOL")],
    ids=["ubl", "cii"],
)
def test_peppol_unit_tests_give_their_verdicts(rule_set, folder) -> None:
    files = _unit_tests(folder)
    assert len(files) > 40
    total, problems = 0, {}
    for path in files:
        checked, wrong = _verdict_mismatches(rule_set, path)
        total += checked
        if wrong:
            problems[path.name] = wrong
    assert problems == {}
    assert total > 120  # the verdicts include expected errors: the rules can fail


def _examples(suffix: str) -> list[Path]:
    if not EXAMPLES_DIR.is_dir():
        return []
    return sorted(path for path in EXAMPLES_DIR.iterdir() if path.name.endswith(suffix))


@pytest.mark.parametrize(
    ("suffix", "validate"),
    [("_ubl.xml", validation.validate_ubl), ("_uncefact.xml", validation.validate_cii)],
    ids=["ubl", "cii"],
)
def test_every_kosit_example_passes_xrechnung_and_cen(suffix, validate) -> None:
    files = _examples(suffix)
    assert len(files) == 33
    stylesheets = (validation.UBL_RULES if suffix == "_ubl.xml" else validation.CII_RULES)[
        codes.XRECHNUNG
    ]
    failures = {}
    for path in files:
        # The rules only (the KoSIT files use CII elements outside Factur-X's XSD).
        reports = validation._SAXON.transform_all(stylesheets, path.read_bytes())
        errors = [v for report in reports for v in errors_only(parse_svrl(report))]
        if errors:
            failures[path.name] = sorted({v.rule_id for v in errors})
    assert failures == {}


def test_a_tampered_kosit_example_fails() -> None:
    path = _examples("_ubl.xml")[0]
    root = etree.fromstring(path.read_bytes())
    ns = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}
    payable = root.find(".//{*}LegalMonetaryTotal/cbc:PayableAmount", ns)
    payable.text = f"{float(payable.text) + 0.01:.2f}"
    rules = {
        v.rule_id for v in errors_only(validation.validate_ubl(etree.tostring(root), "xrechnung"))
    }
    assert "BR-CO-16" in rules
