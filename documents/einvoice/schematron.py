"""Stylesheets built from the receivers' official schematron sources (Peppol, XRechnung, CEN).

The sources are ISO Schematron with query binding ``xslt2`` and are read where they are
kept (``EINVOICE_RULES_DIR``, by default ``../shared/einvoice/rules`` beside the project);
nothing generated is committed. The build is the ISO reference skeleton lxml ships
(include → abstract expansion → SVRL for XSLT), run by SaxonC, with three fixes the
skeleton needs for these rule sets:

1. it refuses ``queryBinding="xslt2"``: the binding is declared ``xslt`` before the last
   step, and the generated stylesheet is then marked XSLT 2.0 (Saxon would otherwise run
   it in XSLT 1 compatibility mode, where ``=`` on sequences behaves differently);
2. it drops the schema's top-level ``xsl:function`` elements (``u:gln``, ``u:mod11``,
   ``u:decimalOrZero``, ...): they are copied into the generated stylesheet;
3. the XRechnung CII rules use the ``xs:`` prefix without declaring it: declared.

The XRechnung build placeholders (``@xr-schematron.version.full@``,
``@xrechnung.version@``) are replaced first. Each built stylesheet is written once to a
cache folder under the system temp directory, keyed by the SHA-256 of its sources, the
skeleton and this build's version, so a process start reads it instead of building
(≈0.1-0.3 s per rule set); the compiled executables are kept per process by
``documents.einvoice.validation``.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import lxml.isoschematron
from django.conf import settings
from lxml import etree
from saxonche import PySaxonProcessor

SKELETON_DIR = Path(lxml.isoschematron.__file__).parent / "resources/xsl/iso-schematron-xslt1"
SKELETON_STEPS = ("iso_dsdl_include.xsl", "iso_abstract_expand.xsl", "iso_svrl_for_xslt1.xsl")
# Bump when the build below changes: old cache files are then simply not found.
BUILD_VERSION = "1"

NS_XSL = "http://www.w3.org/1999/XSL/Transform"
NS_SCH = "http://purl.oclc.org/dsdl/schematron"
NS_XS = "http://www.w3.org/2001/XMLSchema"

XRECHNUNG_PLACEHOLDERS = (
    ("@xr-schematron.version.full@", "2.6.0"),
    ("@xrechnung.version@", "3.0.2"),
)


@dataclass(frozen=True)
class RuleSet:
    """One official schematron source and what it needs replaced before the build."""

    name: str
    source: str  # relative to the rules folder
    includes: tuple[str, ...] = ()  # further source files (part of the cache key)
    replacements: tuple[tuple[str, str], ...] = ()


PEPPOL_UBL = RuleSet("peppol-ubl", "peppol-bis-3/PEPPOL-EN16931-UBL.sch")
PEPPOL_CII = RuleSet("peppol-cii", "peppol-bis-3/PEPPOL-EN16931-CII.sch")
CEN_CII = RuleSet("cen-cii", "cen-en16931/CEN-EN16931-CII.sch")
CEN_UBL = RuleSet("cen-ubl", "cen-en16931/CEN-EN16931-UBL.sch")
XRECHNUNG_UBL = RuleSet(
    "xrechnung-ubl",
    "xrechnung-3.0/ubl/XRechnung-UBL-validation.sch",
    includes=("xrechnung-3.0/common.sch",),
    replacements=XRECHNUNG_PLACEHOLDERS,
)
XRECHNUNG_CII = RuleSet(
    "xrechnung-cii",
    "xrechnung-3.0/cii/XRechnung-CII-validation.sch",
    includes=("xrechnung-3.0/common.sch",),
    replacements=XRECHNUNG_PLACEHOLDERS,
)


class RulesUnavailable(Exception):
    """The official rule sources are not where the settings say."""


def rules_dir() -> Path:
    configured = getattr(settings, "EINVOICE_RULES_DIR", "") or os.environ.get(
        "EINVOICE_RULES_DIR", ""
    )
    if configured:
        return Path(configured)
    return Path(settings.BASE_DIR).parent / "shared" / "einvoice" / "rules"


def rules_available() -> bool:
    return (rules_dir() / PEPPOL_UBL.source).is_file()


def cache_dir() -> Path:
    return Path(tempfile.gettempdir()) / "billing-schematron"


def _cache_key(rule_set: RuleSet, root: Path) -> str:
    digest = hashlib.sha256(BUILD_VERSION.encode())
    for relative in (rule_set.source, *rule_set.includes):
        digest.update((root / relative).read_bytes())
    for step in SKELETON_STEPS:
        digest.update((SKELETON_DIR / step).read_bytes())
    digest.update(repr(rule_set.replacements).encode())
    return digest.hexdigest()[:24]


_BUILD_LOCK = threading.Lock()


def _transform(processor: PySaxonProcessor, step: str, text: str, base_uri: str) -> str:
    compiler = processor.new_xslt30_processor()
    executable = compiler.compile_stylesheet(stylesheet_file=str(SKELETON_DIR / step))
    builder = processor.new_document_builder()
    builder.set_base_uri(base_uri)
    return executable.transform_to_string(xdm_node=builder.parse_xml(xml_text=text))


def _without_xsl_elements(schema_text: str) -> str:
    """The schema without its top-level XSLT elements, which (2) carries over itself
    (the skeleton would only print a warning for each)."""
    schema = etree.fromstring(schema_text.encode("utf-8"))
    for element in list(schema):
        if isinstance(element.tag, str) and etree.QName(element).namespace == NS_XSL:
            schema.remove(element)
    return etree.tostring(schema, encoding="unicode")


def _fix_stylesheet(generated: str, expanded: str) -> str:
    """The three fixes of the module docstring, on the skeleton's output."""
    schema = etree.fromstring(expanded.encode("utf-8"))
    stylesheet = etree.fromstring(generated.encode("utf-8"))
    # (2) top-level xsl:function elements of the schema, which the skeleton leaves out.
    for element in schema:
        if not isinstance(element.tag, str):
            continue
        name = etree.QName(element)
        if name.namespace == NS_XSL and name.localname in ("function", "key"):
            stylesheet.append(element)
    stylesheet.set("version", "2.0")  # (1)
    text = etree.tostring(stylesheet, encoding="unicode")
    # (3) the xs prefix, and every prefix the schema declares (the functions' names and
    # types use them in attribute values, which a serializer cannot see), on the root.
    wanted = {"xs": NS_XS, **{p: uri for p, uri in schema.nsmap.items() if p}}
    missing = "".join(
        f' xmlns:{prefix}="{uri}"'
        for prefix, uri in wanted.items()
        if prefix not in stylesheet.nsmap
    )
    return text.replace("<xsl:stylesheet", f"<xsl:stylesheet{missing}", 1)


def build_stylesheet(rule_set: RuleSet, processor: PySaxonProcessor) -> str:
    """The SVRL-writing XSLT 2.0 of one rule set (from the cache when built before)."""
    root = rules_dir()
    source = root / rule_set.source
    if not source.is_file():
        raise RulesUnavailable(f"{rule_set.name}: {source} is missing (EINVOICE_RULES_DIR)")
    cached = cache_dir() / f"{rule_set.name}-{_cache_key(rule_set, root)}.xsl"
    if cached.is_file():
        return cached.read_text(encoding="utf-8")
    with _BUILD_LOCK:
        text = source.read_text(encoding="utf-8")
        for placeholder, value in rule_set.replacements:
            text = text.replace(placeholder, value)
        included = _transform(processor, SKELETON_STEPS[0], text, source.as_uri())
        expanded = _transform(processor, SKELETON_STEPS[1], included, source.as_uri())
        # (1) the skeleton refuses "xslt2"; the rules are XPath 2 all the same.
        declared = re.sub(r'queryBinding="xslt2"', 'queryBinding="xslt"', expanded, count=1)
        declared = _without_xsl_elements(declared)
        generated = _transform(processor, SKELETON_STEPS[2], declared, source.as_uri())
        stylesheet = _fix_stylesheet(generated, expanded)
        cached.parent.mkdir(parents=True, exist_ok=True)
        # Written aside, then renamed: a concurrent reader never sees half a file.
        partial = cached.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        partial.write_text(stylesheet, encoding="utf-8")
        partial.replace(cached)
        return stylesheet
