"""The dashboard's figures as the admin index shows them: money in the back office's
format, charts as SVG, and each figure linked to the admin list it sums up."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.safestring import mark_safe

from accounts.models import User
from common.money_format import format_money
from dashboard import charts
from dashboard.selectors import dashboard_figures
from invoices.models import ISSUED_STATUSES, OPEN_STATUSES, InvoiceKind, InvoiceStatus
from invoices.selectors import AGING_BUCKETS
from settings_app.calendar import company_today

BUCKET_LABELS = {
    "current": "Not due",
    "1_30": "1-30 days",
    "31_60": "31-60 days",
    "61_90": "61-90 days",
    "over_90": "> 90 days",
}


def invoices_url(**filters: Any) -> str:
    """The invoice changelist with these filters (plain field lookups, as the admin's
    own filters write them)."""
    query = {
        key: ",".join(value) if isinstance(value, list | tuple) else value
        for key, value in filters.items()
    }
    return f"{reverse('admin:invoices_invoice_changelist')}?{urlencode(query)}"


def _open(currency: str, **more: Any) -> str:
    return invoices_url(
        kind__exact=InvoiceKind.INVOICE,
        status__in=list(OPEN_STATUSES),
        currency__exact=currency,
        **more,
    )


def _bucket_range(name: str, today: dt.date) -> dict[str, str]:
    first, last = next((f, la) for n, f, la in AGING_BUCKETS if n == name)
    bounds = {}
    if first is not None:
        bounds["due_date__lte"] = (today - dt.timedelta(days=first)).isoformat()
    if last is not None:
        bounds["due_date__gte"] = (today - dt.timedelta(days=last)).isoformat()
    return bounds


def _totals(summary: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "currency": row["currency"],
            "outstanding": row["outstanding"],
            "outstanding_text": format_money(row["outstanding"], row["currency"]),
            "open_count": row["open_count"],
            "outstanding_url": _open(row["currency"]),
            "overdue": row["overdue"],
            "overdue_text": format_money(row["overdue"], row["currency"]),
            "overdue_count": row["overdue_count"],
            "overdue_url": invoices_url(overdue="yes", currency__exact=row["currency"]),
        }
        for row in summary["currencies"]
    ]


def _month_charts(months: list[dict[str, Any]]) -> list[dict[str, Any]]:
    currencies = sorted({c for m in months for c in (*m["invoiced"], *m["collected"])})
    result = []
    for currency in currencies:
        groups = []
        for month in months:
            label = month["start"].strftime("%b %Y")
            invoiced = month["invoiced"].get(currency, Decimal(0))
            collected = month["collected"].get(currency, Decimal(0))
            period = {
                "issue_date__gte": month["start"].isoformat(),
                "issue_date__lte": month["end"].isoformat(),
            }
            groups.append(
                charts.Group(
                    month["start"].strftime("%b"),
                    [
                        charts.Bar(
                            invoiced,
                            f"{label} invoiced: {format_money(invoiced, currency)}",
                            invoices_url(
                                kind__exact=InvoiceKind.INVOICE,
                                status__in=list(ISSUED_STATUSES),
                                currency__exact=currency,
                                **period,
                            ),
                            series=0,
                        ),
                        # Payments have no admin list: the invoices they were paid on.
                        charts.Bar(
                            collected,
                            f"{label} collected: {format_money(collected, currency)}",
                            invoices_url(
                                kind__exact=InvoiceKind.INVOICE,
                                status__in=[InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.PAID],
                                currency__exact=currency,
                            ),
                            series=1,
                        ),
                    ],
                )
            )
        svg = charts.bar_chart(
            groups,
            label=f"Invoiced and collected per month, {currency}",
            series_names=("invoiced", "collected"),
        )
        result.append({"currency": currency, "svg": mark_safe(svg)})  # escaped in charts
    return result


def _aging_charts(aging: dict[str, Any], today: dt.date) -> list[dict[str, Any]]:
    result = []
    for row in aging["currencies"]:
        currency = row["currency"]
        groups = [
            charts.Group(
                BUCKET_LABELS[bucket["bucket"]],
                [
                    charts.Bar(
                        Decimal(bucket["amount_due"]),
                        f"{BUCKET_LABELS[bucket['bucket']]}: "
                        f"{format_money(bucket['amount_due'], currency)} "
                        f"({bucket['invoice_count']} invoices)",
                        _open(currency, **_bucket_range(bucket["bucket"], today)),
                        series=0 if bucket["bucket"] == "current" else 2,
                    )
                ],
            )
            for bucket in row["buckets"]
        ]
        svg = charts.bar_chart(groups, label=f"Open receivables by days past due, {currency}")
        result.append(
            {
                "currency": currency,
                "total_due": row["total_due"],
                "total_text": format_money(row["total_due"], currency),
                "svg": mark_safe(svg),  # escaped in charts
            }
        )
    return result


def _by_currency(months: list[dict[str, Any]], aging: list[dict[str, Any]]) -> list[dict]:
    """Each currency's two charts side by side: its months, then its aging."""
    by_currency: dict[str, dict[str, Any]] = {}
    for chart in months:
        by_currency.setdefault(chart["currency"], {})["months"] = chart
    for chart in aging:
        by_currency.setdefault(chart["currency"], {})["aging"] = chart
    return [{"currency": code, **by_currency[code]} for code in sorted(by_currency)]


def dashboard_context(*, user: User) -> dict[str, Any]:
    today = company_today()
    figures = dashboard_figures(user=user, today=today)
    return {
        "today": today,
        "totals": _totals(figures["summary"]),
        "charts": _by_currency(
            _month_charts(figures["months"]), _aging_charts(figures["aging"], today)
        ),
        "debtors": [
            {
                **row,
                "amount_text": format_money(row["amount_due"], row["currency"]),
                "url": _open(row["currency"], customer__id__exact=row["customer_id"]),
            }
            for row in figures["debtors"]
        ],
        "overdue": [
            {
                **row,
                "amount_text": format_money(row["amount_due"], row["currency"]),
                "url": reverse("admin:invoices_invoice_change", args=[row["id"]]),
            }
            for row in figures["overdue"]
        ],
        "overdue_url": invoices_url(overdue="yes"),
        "debtors_url": reverse("admin:customers_customer_changelist") + "?o=-balance_due",
    }
