"""The scenarios of issue 18: the reports for a staff member (own invoices) and an admin
(everyone's), over all time and over periods; the filtered and searched invoice lists;
the back office's dashboard (the admin index, which calls the report selectors)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from bench.scenarios import Scenario, scenarios_for

INVOICES = "/api/invoices/"
# What `--scales` runs at each scale (the growth column): lists, reports, dashboard.
SCALE_SCENARIOS = (
    "floor-values",
    "list",
    "customers",
    "list-status",
    "list-customer",
    "list-search-number",
    "list-search-name",
    "list-overdue",
    "list-dates",
    "aging",
    "aging-admin",
    "aging-invoices",
    "summary",
    "summary-admin",
    "summary-year",
    "summary-30d-admin",
    "dashboard",
)


def scale_customers(scale: int, at_least: int) -> int:
    """Ten invoices per customer, at least `at_least`: 100,000 customers at 1,000,000."""
    return max(at_least, scale // 10)


REPORT_NOTE = "c=2: p50 is the report's time"


def report_scenarios(fixtures: dict[str, Any]) -> list[Scenario]:
    routes = fixtures.get("routes", {})
    filters = fixtures.get("filters")
    if not filters or not routes.get("/api/reports/aging/"):
        return []
    year = urlencode({"date_from": filters["year_from"]})
    month = urlencode(
        {"date_from": filters["issue_date_from"], "date_to": filters["issue_date_to"]}
    )
    rows = [
        ("aging-admin", "aging report, admin (all)", "/api/reports/aging/", "admin"),
        ("aging-invoices", "aging + invoices (500)", "/api/reports/aging/?include=invoices", ""),
        ("summary-admin", "summary, admin (all time)", "/api/reports/summary/", "admin"),
        ("summary-year", "summary, this year", f"/api/reports/summary/?{year}", ""),
        (
            "summary-30d-admin",
            "summary, admin, 30 days",
            f"/api/reports/summary/?{month}",
            "admin",
        ),
    ]
    return [
        Scenario(name, label, path, connections=2, note=REPORT_NOTE, as_user=user)
        for name, label, path, user in rows
    ]


def filtered_list_scenarios(fixtures: dict[str, Any]) -> list[Scenario]:
    filters = fixtures.get("filters")
    if not filters:
        return []
    rows = [
        ("list-status", "list ?status=partially_paid", {"status": "partially_paid"}),
        ("list-customer", "list ?customer=", {"customer": filters["customer_id"]}),
        ("list-search-number", "list ?search=<number>", {"search": filters["number"]}),
        ("list-search-name", "list ?search=<customer name>", {"search": filters["customer_name"]}),
        ("list-overdue", "list ?is_overdue=true", {"is_overdue": "true"}),
        (
            "list-dates",
            "list, issue dates (30 days)",
            {
                "issue_date_from": filters["issue_date_from"],
                "issue_date_to": filters["issue_date_to"],
            },
        ),
    ]
    return [
        Scenario(name, label, f"{INVOICES}?{urlencode({'page_size': 50, **query})}")
        for name, label, query in rows
    ]


def dashboard_scenario(fixtures: dict[str, Any]) -> list[Scenario]:
    session = fixtures.get("admin_session")
    if not session:
        return []
    return [
        Scenario(
            "dashboard",
            "dashboard page (admin index)",
            "/admin/",
            connections=2,
            auth=False,
            headers={"Cookie": f"sessionid={session}"},
            note="c=2; an admin's session: every invoice",
        )
    ]


def issue_18_scenarios(fixtures: dict[str, Any]) -> list[Scenario]:
    return [
        *filtered_list_scenarios(fixtures),
        *report_scenarios(fixtures),
        *dashboard_scenario(fixtures),
    ]


def all_scenarios(fixtures: dict[str, Any]) -> list[Scenario]:
    """Every scenario of a run: bench.scenarios' own, then these."""
    return [*scenarios_for(fixtures), *issue_18_scenarios(fixtures)]
