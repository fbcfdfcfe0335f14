"""Issue-time e-invoice validation, in-process: ms per invoice per profile (issue 13, item 7).

    .venv/bin/python bench/einvoice_validation.py            # 200 rounds, 10 lines
    .venv/bin/python bench/einvoice_validation.py --rounds 50 --lines 50 --json

The invoice is the bench's `issue` draft (10 lines of 3 x 19.99 at 19 % / 7 %), issued
by a German seller with contact and endpoint to a German buyer with VAT id and
Leitweg-ID, in each profile. Measured per round, interleaved so that a loaded machine
slows every row alike, after the stylesheets are compiled (they are kept per process):

- `build UBL` (the baseline): the XML alone, what any export costs;
- `issue check`: what `invoice_issue` runs (`einvoice_issue_violations`: UBL, XSD, CEN
  and the profile's rules);
- `former issue check`: the same with the stylesheets compiled as before the indexed
  dispatch and the errors-only flavour (`validation.without_progress` only), for a
  before / after in one run;
- `UBL + CII`: the former check, both syntaxes built and validated;
- each part on its own (XSD, the CII build, each stylesheet as the check runs it: errors
  only; for the UBL ones also with all findings, and as formerly compiled).

Each row gives the median wall and CPU ms per invoice and its CPU ratio to the baseline
of the same run. The target is an issue check of at most 15 ms of CPU (on a loaded
machine the wall time also holds the time spent waiting for a core).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if p not in (str(ROOT / "bench"), str(ROOT))]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings_test")

import django  # noqa: E402

django.setup()

from lxml import etree  # noqa: E402

from documents.data import InvoiceDocument  # noqa: E402
from documents.einvoice import codes, validation  # noqa: E402
from documents.einvoice.cii import build_cii  # noqa: E402
from documents.einvoice.ubl import build_ubl  # noqa: E402
from documents.services import einvoice_issue_violations  # noqa: E402
from documents.tests import einvoice_factories as factories  # noqa: E402

TARGET_MS = 15.0
BASELINE = "build UBL"
# The stylesheets as compiled before the indexed dispatch and the errors-only flavour.
FORMER = validation._Saxon(prepare=lambda text, errors: validation.without_progress(text))


def former_issue_check(doc: InvoiceDocument) -> object:
    current, validation._SAXON = validation._SAXON, FORMER
    try:
        return einvoice_issue_violations(doc)
    finally:
        validation._SAXON = current


def bench_document(profile: str, lines: int) -> InvoiceDocument:
    """The bench's issue draft (bench.scenarios.create_body) as issued in `profile`."""
    specs = [
        factories.LineSpec(
            quantity=Decimal("3"),
            unit_price=Decimal("19.99"),
            tax_rate=Decimal("19") if n % 3 else Decimal("7"),
            description=f"Bench line {n}",
        )
        for n in range(1, lines + 1)
    ]
    seller = dataclasses.replace(
        factories.SELLER,
        contact_name="Erika Mustermann",
        endpoint_id="DE123456789",
        endpoint_scheme="9930",
    )
    return factories.make_document(
        specs,
        seller=seller,
        buyer=factories.BUYER_DE,
        profile=profile,
        buyer_reference="04011000-12345-03",
        payment_terms="Payable without deduction by 14 April 2026.",
    )


def measures(doc: InvoiceDocument) -> dict[str, Callable[[], object]]:
    profile = doc.profile
    ubl, cii = build_ubl(doc), build_cii(doc)
    ubl_root, cii_root = etree.fromstring(ubl), etree.fromstring(cii)
    rows: dict[str, Callable[[], object]] = {
        BASELINE: lambda: build_ubl(doc),
        "issue check": lambda: einvoice_issue_violations(doc),
        "former issue check": lambda: former_issue_check(doc),
        "UBL + CII": lambda: (
            validation.validate_ubl(build_ubl(doc), profile),
            validation.validate_cii(build_cii(doc), profile),
        ),
        "  UBL XSD": lambda: validation._XSDS["Invoice"].validate(ubl_root),
        "  CII build (drafthorse)": lambda: build_cii(doc),
        "  CII XSD": lambda: validation._XSDS["CII"].validate(cii_root),
    }
    for syntax, xml, stylesheets in (
        ("UBL", ubl, validation.UBL_RULES[profile]),
        ("CII", cii, validation.CII_RULES[profile]),
    ):
        for stylesheet in stylesheets:
            rows[f"  {syntax} {stylesheet.name}"] = lambda s=stylesheet, x=xml: (
                validation._SAXON.transform(s, x, errors=True)
            )
            if syntax == "UBL":
                rows[f"  UBL {stylesheet.name} (all findings)"] = lambda s=stylesheet, x=xml: (
                    validation._SAXON.transform(s, x)
                )
                rows[f"  UBL {stylesheet.name} (former)"] = lambda s=stylesheet, x=xml: (
                    FORMER.transform(s, x)
                )
    return rows


def run(rounds: int, lines: int) -> dict[str, dict[str, dict[str, float]]]:
    validation.compile_schematrons(full=True)
    documents = {profile: bench_document(profile, lines) for profile in codes.PROFILES}
    for doc in documents.values():  # the bench's invoice is valid in every profile
        assert einvoice_issue_violations(doc) == [], (doc.profile, einvoice_issue_violations(doc))
        assert former_issue_check(doc) == []
    table = {profile: measures(doc) for profile, doc in documents.items()}
    wall: dict[tuple[str, str], list[float]] = {}
    cpu: dict[tuple[str, str], list[float]] = {}
    for round_index in range(rounds + 3):  # three unmeasured rounds first
        for profile, rows in table.items():
            for name, measure in rows.items():
                started, started_cpu = time.perf_counter(), time.process_time()
                measure()
                if round_index >= 3:
                    wall.setdefault((profile, name), []).append(time.perf_counter() - started)
                    cpu.setdefault((profile, name), []).append(time.process_time() - started_cpu)
    result: dict[str, dict[str, dict[str, float]]] = {}
    for profile, rows in table.items():
        base = statistics.median(cpu[(profile, BASELINE)])
        result[profile] = {
            name: {
                "wall_ms": round(statistics.median(wall[(profile, name)]) * 1000, 2),
                "cpu_ms": round(statistics.median(cpu[(profile, name)]) * 1000, 2),
                "x_baseline": round(statistics.median(cpu[(profile, name)]) / base, 1),
            }
            for name in rows
        }
    return result


def report(result: dict[str, dict[str, dict[str, float]]], rounds: int, lines: int) -> str:
    out = [f"e-invoice validation in-process, {lines} lines, median of {rounds} rounds"]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    out.append(f"load average {load:.2f}; target: issue check <= {TARGET_MS:.0f} ms")
    for profile, rows in result.items():
        out.append(f"\n{profile:<36}{'wall ms':>9}{'cpu ms':>9}{'x build':>9}")
        for name, row in rows.items():
            flag = ""
            if name == "issue check":
                flag = "  ok" if row["cpu_ms"] <= TARGET_MS else "  OVER TARGET"
            out.append(
                f"{name:<36}{row['wall_ms']:>9.2f}{row['cpu_ms']:>9.2f}{row['x_baseline']:>9.1f}"
                + flag
            )
        now, former = rows["issue check"]["cpu_ms"], rows["former issue check"]["cpu_ms"]
        out.append(f"{'issue check CPU / former':<36}{now / former:>27.2f}")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--lines", type=int, default=10)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args()
    result = run(args.rounds, args.lines)
    print(report(result, args.rounds, args.lines))
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
