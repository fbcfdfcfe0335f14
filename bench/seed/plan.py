"""The story of the data set, as the business events that write it (no database here).

`plan_invoices` answers a stream of events, in the order they happen: a draft written,
an invoice issued, a payment received, a credit note issued against an invoice, an
invoice voided. Two writers play them: `bench.seed.bulk` writes the rows straight to the
tables (fast, for a million invoices), and bench/tests/test_seed_matches_services.py
plays the same events through the invoice services and checks that both leave the same
rows behind. Every document gets a `ref` (1, 2, ... in creation order) by which later
events name it; `Close` says that no later event names an account (an invoice and its
credit notes), so the bulk writer can settle and write it.

Issue dates only move forward, per series: numbers stay chronological (invariant 4).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bench.seed.data import METHODS, Pattern
from invoices.calculation import round_money

VOID_REASON = "Wrong customer."
PARTIAL_SHARE = Decimal("0.4")


@dataclass(frozen=True)
class Draft:
    """A draft written (and left a draft: it has no legal weight)."""

    ref: int
    customer: Any
    pattern: Pattern
    buyer_reference: str
    created: dt.datetime


@dataclass(frozen=True)
class Issue:
    """A draft written and issued on `issue_date`."""

    ref: int
    customer: Any
    pattern: Pattern
    buyer_reference: str
    created: dt.datetime
    issue_date: dt.date


@dataclass(frozen=True)
class Pay:
    """Money received for invoice `ref`, or refunded on credit note `ref`."""

    ref: int
    amount: Decimal
    date: dt.date
    method: str
    reference: str
    at: dt.datetime


@dataclass(frozen=True)
class Credit:
    """A credit note `ref` for the whole of invoice `of` (its lines copied), issued."""

    ref: int
    of: int
    issue_date: dt.date
    created: dt.datetime


@dataclass(frozen=True)
class Void:
    """Invoice `of` cancelled on `date`: its cancellation credit note `ref` is issued."""

    ref: int
    of: int
    reason: str
    date: dt.date
    at: dt.datetime


@dataclass(frozen=True)
class Close:
    """No later event names the account of invoice `ref`."""

    ref: int


Event = Draft | Issue | Pay | Credit | Void | Close


def _story(rng: random.Random, recent: bool) -> str:
    """Recent invoices (not yet due) are mostly open; old ones mostly paid."""
    roll = rng.random()
    if recent:
        table = [("draft", 0.15), ("issued", 0.60), ("partially_paid", 0.15), ("paid", 0.10)]
    else:
        table = [
            ("draft", 0.04),
            ("overdue", 0.08),
            ("partially_paid", 0.06),
            ("paid", 0.65),
            ("credited", 0.02),  # credited in full before any payment
            ("void", 0.05),
            ("credit_note", 0.10),  # for the customer's last paid invoice, refunded or not
        ]
    for name, share in table:
        if roll < share:
            return name
        roll -= share
    return table[-1][0]


def plan_invoices(
    *,
    customers: Sequence[Any],
    patterns: Sequence[Pattern],
    count: int,
    today: dt.date,
    rng: random.Random,
    currency: str,
) -> Iterator[Event]:
    """`count` invoices (credit notes and cancellations come on top) from January 1st of
    last year to yesterday, spread evenly; `customers` need `id` and `payment_terms_days`."""
    start = dt.date(today.year - 1, 1, 1)
    span = (today - start).days - 1
    refs = iter(range(1, 10**12))
    payments = iter(range(1, 10**12))
    open_credit: dict[int, tuple[int, Pattern]] = {}  # customer -> its last paid invoice

    def pay(ref: int, amount: Decimal, date: dt.date, method: str) -> Pay:
        at = dt.datetime.combine(date, dt.time(10), dt.UTC)
        return Pay(ref, amount, date, method, f"TRX-{next(payments):08d}", at)

    for n in range(count):
        customer = customers[rng.randrange(len(customers))]
        issue_date = start + dt.timedelta(days=n * span // max(count, 1))
        created = dt.datetime.combine(issue_date, dt.time(9), dt.UTC) + dt.timedelta(
            seconds=n % 3600
        )
        due = issue_date + dt.timedelta(days=customer.payment_terms_days)
        story = _story(rng, recent=due >= today)
        pattern = patterns[rng.randrange(len(patterns))]
        paid_on = min(today, issue_date + dt.timedelta(days=rng.randint(3, 40)))
        method = rng.choice(METHODS)
        if story == "credit_note" and customer.id in open_credit:
            credited, credited_pattern = open_credit.pop(customer.id)
            note = next(refs)
            yield Credit(note, credited, issue_date, created)
            if rng.random() < 0.5:  # the money goes back at once
                yield pay(note, credited_pattern.gross, paid_on, "bank_transfer")
            yield Close(credited)
            continue
        ref = next(refs)
        reference = f"PO-{ref:07d}" if ref % 3 == 0 else ""
        if story == "draft":
            yield Draft(ref, customer, pattern, reference, created)
            continue
        yield Issue(ref, customer, pattern, reference, created, issue_date)
        if story in ("paid", "credit_note"):  # credit_note: nothing to credit yet
            yield pay(ref, pattern.gross, paid_on, method)
            if customer.id in open_credit:  # superseded: never credited now
                yield Close(open_credit[customer.id][0])
            open_credit[customer.id] = (ref, pattern)
            continue  # stays open: a later credit note may name it
        if story == "partially_paid":
            yield pay(ref, round_money(pattern.gross * PARTIAL_SHARE, currency), paid_on, method)
        elif story == "credited":
            yield Credit(next(refs), ref, issue_date, created + dt.timedelta(hours=1))
        elif story == "void":  # the same day: cancellation numbers stay chronological
            yield Void(next(refs), ref, VOID_REASON, issue_date, created + dt.timedelta(hours=2))
        yield Close(ref)
    for ref, _ in open_credit.values():
        yield Close(ref)
