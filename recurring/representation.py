"""A schedule as the API answers it (documented by RecurringInvoiceReadSerializer)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from invoices.models import ITEM_FIELDS
from invoices.representation import allowance_charge_dict, money_text
from recurring.models import RecurringInvoice

MONEY_ITEM_FIELDS = ("discount_amount", "charge_amount")


def _datetime(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _item(row: Any, currency: str) -> dict[str, Any]:
    data: dict[str, Any] = {"id": row.id, "position": row.position}
    for name in ITEM_FIELDS:
        value = getattr(row, name)
        if name in MONEY_ITEM_FIELDS:
            data[name] = money_text(value, currency)
        elif name in ("description", "unit_code", "tax_category"):
            data[name] = value
        else:
            data[name] = str(value)
    return data


def recurring_invoice_dict(schedule: RecurringInvoice) -> dict[str, Any]:
    currency = schedule.currency
    return {
        "id": schedule.id,
        "owner": schedule.owner_id,
        "customer": schedule.customer_id,
        "frequency": schedule.frequency,
        "interval": schedule.interval,
        "start_date": schedule.start_date.isoformat(),
        "end_date": schedule.end_date.isoformat() if schedule.end_date else None,
        "max_cycles": schedule.max_cycles,
        "issue_mode": schedule.issue_mode,
        "stop_on_unpaid": schedule.stop_on_unpaid,
        "days_until_due": schedule.days_until_due,
        "currency": currency,
        "notes": schedule.notes,
        "buyer_reference": schedule.buyer_reference,
        "order_reference": schedule.order_reference,
        "items": [_item(row, currency) for row in schedule.items.all()],
        "allowances_charges": [
            allowance_charge_dict(row, currency) for row in schedule.allowances_charges.all()
        ],
        "status": schedule.status,
        "next_period_start": (
            schedule.next_period_start.isoformat() if schedule.next_period_start else None
        ),
        "cycles_done": schedule.cycles_done,
        "last_run_at": _datetime(schedule.last_run_at),
        "last_error": schedule.last_error,
        "created_at": _datetime(schedule.created_at),
        "updated_at": _datetime(schedule.updated_at),
    }
