"""The scenarios: what each measured request is, and with how many connections."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bench.shared import DATABASES


@dataclass
class Scenario:
    name: str
    label: str
    path: str = ""
    method: str = "GET"
    body: Any = None
    connections: int = 16
    auth: bool = True
    writer: bool = False  # sent as the user who owns the write fixtures
    paths: list[str] = field(default_factory=list)  # rotated; consumed by writes
    warmup_paths: list[str] = field(default_factory=list)
    probe_paths: list[str] = field(default_factory=list)
    consumes: bool = False
    only: tuple[str, ...] = DATABASES
    note: str = ""
    as_user: str = ""  # whose token: "admin" (bench-admin); default reader or writer
    headers: dict[str, str] = field(default_factory=dict)  # sent by every request
    revalidate: bool = False  # If-None-Match: the path's ETag, read before the run


def create_body(customer_id: int) -> dict[str, Any]:
    return {
        "customer": customer_id,
        "buyer_reference": "PO-BENCH",
        "items": [
            {
                "description": f"Bench line {n}",
                "quantity": "3",
                "unit_price": "19.99",
                "tax_category": "S",
                "tax_rate": "19.00" if n % 3 else "7.00",
            }
            for n in range(1, 11)
        ],
    }


def scenarios_for(fixtures: dict[str, Any]) -> list[Scenario]:
    invoices = "/api/invoices"
    issue = [f"{invoices}/{i}/issue/" for i in fixtures["issue_draft_ids"]]
    pay = [f"{invoices}/{i}/payments/" for i in fixtures["payment_target_ids"]]
    routes = fixtures.get("routes", {})
    reports = [
        Scenario(name, label, path, connections=2, note="c=2: p50 is the report's time")
        for name, label, path in (
            ("aging", "aging report", "/api/reports/aging/"),
            ("summary", "summary report (all time)", "/api/reports/summary/"),
        )
        if routes.get(path)
    ]
    return [
        Scenario("floor-static", "floor: static bytes", "/bench/floor/static/", auth=False),
        Scenario("floor-values", "floor: .values()+json", "/bench/floor/values/", auth=False),
        Scenario("list", "invoice list (50+items)", f"{invoices}/?page_size=50"),
        Scenario("list-304", "list, If-None-Match", f"{invoices}/?page_size=50", revalidate=True),
        Scenario("me", "auth/me (DRF + JWT floor)", "/api/auth/me/"),
        Scenario("detail", "invoice detail", f"{invoices}/{fixtures['detail_id']}/"),
        Scenario("customers", "customer list (50)", "/api/customers/?page_size=50"),
        *reports,
        Scenario(
            "pdf-issued",
            "PDF issued (stored)",
            f"{invoices}/{fixtures['pdf_issued_id']}/pdf/",
        ),
        Scenario(
            "pdf-draft",
            "PDF draft (rendered)",
            f"{invoices}/{fixtures['pdf_draft_id']}/pdf/",
            connections=2,
            note="c=2: p50 is the render time",
        ),
        Scenario(
            "ubl",
            "UBL (validated, served)",
            f"{invoices}/{fixtures['ubl_id']}/ubl/",
            connections=2,
            note="c=2; kept per invoice version after its first build",
        ),
        Scenario(
            "create",
            "create draft (10 items)",
            f"{invoices}/",
            method="POST",
            body=create_body(fixtures["customer_id"]),
            writer=True,
        ),
        Scenario(
            "payment",
            "record payment",
            method="POST",
            body={"amount": "1.00", "method": "bank_transfer", "reference": "bench"},
            paths=pay,
            warmup_paths=pay,
            probe_paths=pay,
            writer=True,
        ),
        Scenario(
            "issue",
            "issue draft (8 clients)",
            method="POST",
            body={},
            connections=8,
            paths=issue,
            warmup_paths=[f"{invoices}/{i}/issue/" for i in fixtures["warmup_draft_ids"]],
            probe_paths=[f"{invoices}/{i}/issue/" for i in fixtures["probe_draft_ids"]],
            consumes=True,
            only=("postgres",),
            writer=True,
            note="e-invoice check on (EINVOICE_VALIDATE_ON_ISSUE)",
        ),
    ]
