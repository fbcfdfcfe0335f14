"""Schematron stylesheets that visit only the elements a rule can match.

The ISO skeleton (and the Factur-X / CEN stylesheets built with it) runs each pattern as
a mode that walks the whole document: every element goes through template matching, a
rule template runs its asserts and then walks on (``apply-templates select="@*|*"``),
the default template (``@*|node()``) only walks on. Peppol's 13 patterns are 13 walks
of every element and attribute, more than half of that stylesheet's time.

``indexed_dispatch`` rewrites a mode so that its rule templates are applied, in one
``apply-templates``, to the elements whose local name ends one of its rules' match
patterns (found with one ``xsl:key`` over the document), and no template walks on. The
verdicts cannot change:

- the same templates of the same mode are applied, so every element is matched by the
  same rule (priorities untouched) and runs the same asserts with the same context;
- an element left out has a name no rule's last step names, so in the walk it met only
  the default template, which writes nothing; the walk never reached text nodes, and
  attributes, comments and processing instructions only met the defaults as long as no
  rule matches them (a mode with such a rule, or any match this module cannot read, is
  left as it was);
- ``key()`` returns its nodes in document order, the order of the walk (each element
  was visited before its descendants), so the report lists the findings in the same
  order.

A superset of candidates is harmless (they meet the now empty default), so names are
compared by local name only and a ``*`` last step selects every element.
"""

from __future__ import annotations

import re

from lxml import etree

NS_XSL = "http://www.w3.org/1999/XSL/Transform"
KEY_NAME = "billing-einvoice-elements-by-local-name"
# The walk a rule template ends with; all three forms visit only elements (and, for the
# first, attributes and comments / PIs, which no rewritten mode can match).
WALKS = frozenset({"@*|*", "*", "*|comment()|processing-instruction()"})
DEFAULTS = frozenset({"@*|node()", "text()"})
_NAME = re.compile(r"(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
_MODE = re.compile(r"M\d+")


def _split_top_level(expression: str, separator: str) -> list[str]:
    """``expression`` split at ``separator`` outside brackets, parentheses and quotes."""
    parts, depth, quote, current = [], 0, "", []
    for char in expression:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        if char == separator and depth == 0 and not quote:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _before_predicates(step: str) -> str:
    """The node test of a step: what comes before its first top-level ``[``."""
    depth, quote = 0, ""
    for index, char in enumerate(step):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "[" and depth == 0:
            return step[:index].strip()
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
    return step.strip()


def _wrapped(branch: str) -> bool:
    """``branch`` is one parenthesised expression, ``( ... )``."""
    if not (branch.startswith("(") and branch.endswith(")")):
        return False
    depth = 0
    for index, char in enumerate(branch):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and index < len(branch) - 1:
            return False
    return True


def last_step_names(pattern: str) -> set[str] | None:
    """Local names the pattern's branches end with (``"*"`` for any element), or
    ``None`` when a branch may match something else or cannot be read."""
    names: set[str] = set()
    for branch in _split_top_level(pattern, "|"):
        step = _before_predicates(_split_top_level(branch, "/")[-1])
        if _wrapped(step):
            inner = last_step_names(step[1:-1])
            if inner is None:
                return None
            names |= inner
        elif step == "*" or re.fullmatch(r"[A-Za-z_][\w.-]*:\*", step):
            names.add("*")
        elif (match := _NAME.fullmatch(step)) is not None:
            names.add(match.group(1))
        else:  # "", "@x", "text()", "node()", "child::x", "*:x", ...: not only elements
            return None
    return names


def _rewrite_mode(mode: str, templates: list[etree._Element], start: etree._Element) -> bool:
    """Rewrite one mode in place; ``False`` (and nothing changed) when it cannot be."""
    rules = [t for t in templates if t.get("match") not in DEFAULTS]
    names: set[str] = set()
    for rule in rules:
        found = last_step_names(rule.get("match") or "")
        walk = rule[-1] if len(rule) else None
        if found is None or walk is None or walk.tag != f"{{{NS_XSL}}}apply-templates":
            return False
        if walk.get("mode") != mode or walk.get("select") not in WALKS or len(walk):
            return False
        names |= found
    calls = [a for a in start.iter(f"{{{NS_XSL}}}apply-templates") if a.get("mode") == mode]
    defaults = [t for t in templates if t.get("match") == "@*|node()"]
    # Without its catch-all, an unmatched candidate would meet the built-in rule, which
    # walks on (and copies text).
    if len(calls) != 1 or calls[0].get("select") != "/" or len(defaults) != 1:
        return False
    if not rules:  # a pattern of lets only: its walk met the defaults alone, which write nothing
        silent = all(
            child.tag == f"{{{NS_XSL}}}apply-templates" and child.get("mode") == mode
            for template in templates
            for child in template
        )
        if silent:
            calls[0].set("select", "()")
        return silent
    for rule in rules:
        rule.remove(rule[-1])
    for child in list(defaults[0]):
        defaults[0].remove(child)
    if "*" in names:
        calls[0].set("select", "//*")
    else:
        listed = ", ".join(f"'{name}'" for name in sorted(names))
        calls[0].set("select", f"key('{KEY_NAME}', ({listed}))")
    return True


def indexed_dispatch(stylesheet_text: str) -> str:
    """The schematron stylesheet with each pattern applied only to its candidates."""
    root = etree.fromstring(stylesheet_text.encode("utf-8"), etree.XMLParser(huge_tree=True))
    starts = [
        t
        for t in root.findall(f"{{{NS_XSL}}}template")
        if t.get("match") == "/" and t.get("mode") is None
    ]
    # Templates of other modules, rules passing a node on to a lower rule, declared modes:
    # none in the skeleton's output, and the argument above would not cover them.
    unusual = ("import", "include", "next-match", "apply-imports", "mode")
    found = next(root.iter(*(f"{{{NS_XSL}}}{name}" for name in unusual)), None)
    if len(starts) != 1 or found is not None:
        return stylesheet_text
    by_mode: dict[str, list[etree._Element]] = {}
    for template in root.findall(f"{{{NS_XSL}}}template"):
        mode = template.get("mode") or ""
        if _MODE.fullmatch(mode):
            by_mode.setdefault(mode, []).append(template)
    # Another caller of a mode (beside the start and the walks) would lose its walk.
    in_start = set(starts[0].iter(f"{{{NS_XSL}}}apply-templates"))
    for call in root.iter(f"{{{NS_XSL}}}apply-templates"):
        mode = call.get("mode") or ""
        if mode in by_mode and call not in in_start and call.getparent() not in by_mode[mode]:
            by_mode.pop(mode)
    changed = [mode for mode, found in by_mode.items() if _rewrite_mode(mode, found, starts[0])]
    if not changed:
        return stylesheet_text
    key = etree.Element(f"{{{NS_XSL}}}key", name=KEY_NAME, match="*", use="local-name()")
    root.insert(0, key)
    return etree.tostring(root, encoding="unicode")
