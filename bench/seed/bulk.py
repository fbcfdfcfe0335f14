"""The plan's events written straight to the tables, as the invoice services write them.

Per event the rows `invoices.services` would leave: a draft as `invoice_create_draft`
stores it (totals from `invoices.totals`, computed once per line pattern), an issue as
`invoice_issue` (seller/buyer snapshots, number from `CompanySettings.format_number`,
counter and latest issue date per series and year, issued_by), a payment as
`payment_record`, a credit note as `invoice_credit_note_create` + `invoice_issue`, a void
as `invoice_void` (a cancellation credit note for the whole invoice). The live figures
(status, paid, credited, amount and refund due, the read copies of payments and credit
notes) come from `invoices.settlement.settle_invoice` when the account is closed, so
each row is written once, final. bench/tests/test_seed_matches_services.py plays the
same events through the services and compares every row.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.db import transaction

from bench.seed.data import Pattern
from bench.seed.plan import Close, Credit, Draft, Event, Issue, Pay, Void
from bench.seed.rows import TableWriter, next_id, reset_sequences
from documents.services import payment_terms_default
from invoices.calculation import round_money
from invoices.models import (
    ITEM_FIELDS,
    Invoice,
    InvoiceItem,
    InvoiceKind,
    InvoiceStatus,
    NumberSequence,
    Payment,
    new_public_token,
)
from invoices.representation import payment_dict
from invoices.services._settlement import credit_note_reference
from invoices.services.drafts import default_series
from invoices.settlement import ZERO, CreditNoteFigures, settle_invoice
from invoices.snapshots import buyer_snapshot, seller_snapshot
from invoices.totals import TOTAL_FIELDS
from settings_app.models import CompanySettings

BATCH = 1_000  # invoices per transaction (plus their items and payments)


class NotChronological(Exception):
    """An issue dated before the latest one of its series and year (the service refuses)."""


@dataclass
class Document:
    ref: int
    customer: Any
    row: dict[str, Any]  # the invoice's columns, by attname
    items: list[dict[str, Any]]
    payments: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Account:
    """An invoice and the credit notes issued against it: settled together."""

    root: Document
    pattern: Pattern
    notes: list[Document] = field(default_factory=list)


class BulkWriter:
    """Plays plan events (bench.seed.plan) into rows, written in batches at `flush`."""

    def __init__(self, *, owner: Any, company: CompanySettings, batch: int = BATCH) -> None:
        self.owner = owner
        self.company = company
        self.seller = seller_snapshot(company)
        self.batch = batch
        self.invoices = TableWriter(Invoice)
        self.items = TableWriter(InvoiceItem)
        self.payments = TableWriter(Payment)
        self.next_invoice = next_id(Invoice)
        self.next_item = next_id(InvoiceItem)
        self.next_payment = next_id(Payment)
        # (series, year) -> [last value, latest issue date], as NumberSequence keeps them.
        self.sequences: dict[tuple[str, int], list[Any]] = {
            (s.series, s.year): [s.last_value, s.last_issue_date]
            for s in NumberSequence.objects.all()
        }
        self.buyers: dict[int, dict[str, Any]] = {}
        self.payment_terms: dict[tuple[dt.date, str], str] = {}
        self.counts: Counter[str] = Counter()
        self.ids: dict[int, int] = {}  # plan ref -> invoice id
        self.accounts: dict[int, Account] = {}  # open accounts by their invoice's ref
        self.documents: dict[int, tuple[Account, Document]] = {}  # open documents by ref

    # --- events ------------------------------------------------------------------------

    def play(self, event: Event) -> int | None:
        """Apply one event; answers the new document's id for a draft or an issue."""
        if isinstance(event, Draft):
            document = self._draft(
                ref=event.ref,
                customer=event.customer,
                pattern=event.pattern,
                buyer_reference=event.buyer_reference,
                created=event.created,
            )
            self._write(Account(document, event.pattern))
            return document.row["id"]
        if isinstance(event, Issue):
            document = self._draft(
                ref=event.ref,
                customer=event.customer,
                pattern=event.pattern,
                buyer_reference=event.buyer_reference,
                created=event.created,
            )
            self._issue(document, event.customer, event.issue_date, event.created)
            account = Account(document, event.pattern)
            self.accounts[event.ref] = account
            self.documents[event.ref] = (account, document)
            return document.row["id"]
        if isinstance(event, Pay):
            self._pay(event)
        elif isinstance(event, Credit):
            self._credit(event.ref, event.of, event.issue_date, event.created)
        elif isinstance(event, Void):
            self._void(event)
        elif isinstance(event, Close):
            account = self.accounts.pop(event.ref)
            for document in (account.root, *account.notes):
                self.documents.pop(document.ref, None)
            self._write(account)
        else:  # pragma: no cover - a new kind of event
            raise TypeError(event)
        return None

    def _draft(
        self,
        *,
        ref: int,
        customer: Any,
        pattern: Pattern,
        buyer_reference: str,
        created: dt.datetime,
        kind: str = InvoiceKind.INVOICE,
        notes: str = "",
        credited_invoice_id: int | None = None,
    ) -> Document:
        """As invoice_create_draft stores it."""
        invoice_id = self.next_invoice
        self.next_invoice += 1
        self.ids[ref] = invoice_id
        totals = pattern.totals
        row: dict[str, Any] = {
            "id": invoice_id,
            "owner_id": self.owner.id,
            "customer_id": customer.id,
            "kind": kind,
            "status": InvoiceStatus.DRAFT,
            "currency": customer.currency,
            "language": customer.preferred_language,
            "series": default_series(kind, self.company),
            "buyer_reference": buyer_reference,
            "notes": notes,
            "created_at": created,
            "updated_at": created,
            "tax_breakdown": pattern.breakdown,
            "credited_invoice_id": credited_invoice_id,
        }
        for name in TOTAL_FIELDS:
            row[name] = getattr(totals, name)
        items = []
        for position, line in enumerate(pattern.lines, start=1):
            items.append(
                {
                    "id": self.next_item,
                    "invoice_id": invoice_id,
                    "position": position,
                    "net_amount": totals.line_nets[position - 1],
                    **{name: line[name] for name in ITEM_FIELDS},
                }
            )
            self.next_item += 1
        return Document(ref, customer, row, items)

    def _issue(
        self, document: Document, customer: Any, issue_date: dt.date, at: dt.datetime
    ) -> None:
        """As invoice_issue does it: snapshots, the number, the counter's latest date."""
        row = document.row
        key = (row["series"], issue_date.year)
        counter = self.sequences.setdefault(key, [0, None])
        if counter[1] is not None and issue_date < counter[1]:
            raise NotChronological(f"{key}: {issue_date} is before {counter[1]}")
        counter[0] += 1
        counter[1] = issue_date
        buyer = self.buyers.get(customer.id)
        if buyer is None:
            buyer = self.buyers[customer.id] = buyer_snapshot(customer)
        row.update(
            status=InvoiceStatus.ISSUED,
            issue_date=issue_date,
            due_date=issue_date + dt.timedelta(days=customer.payment_terms_days),
            language=customer.preferred_language,
            seller=self.seller,
            buyer=buyer,
            number_year=issue_date.year,
            sequence=counter[0],
            number=self.company.format_number(
                series=row["series"], year=issue_date.year, seq=counter[0]
            ),
            issued_at=at,
            issued_by_id=self.owner.id,
            public_token=new_public_token(),
            updated_at=at,
        )
        if row["kind"] == InvoiceKind.CREDIT_NOTE:
            row["amount_due"] = ZERO
            row["refund_due"] = row["gross_total"]
        elif not row.get("payment_terms"):  # BT-20 as invoice_issue words it
            terms_key = (row["due_date"], row["language"])
            terms = self.payment_terms.get(terms_key)
            if terms is None:  # worded once per due date and language
                terms = self.payment_terms[terms_key] = payment_terms_default(
                    due_date=row["due_date"], language=row["language"]
                )
            row["payment_terms"] = terms

    def _pay(self, event: Pay) -> None:
        _, document = self.documents[event.ref]
        payment = {
            "id": self.next_payment,
            "invoice_id": document.row["id"],
            "amount": event.amount,
            "date": event.date,
            "method": event.method,
            "reference": event.reference,
            "recorded_by_id": self.owner.id,
            "created_at": event.at,
            "updated_at": event.at,
        }
        self.next_payment += 1
        document.payments.append(payment)
        document.row["updated_at"] = max(document.row["updated_at"], event.at)

    def _credit(
        self, ref: int, of: int, issue_date: dt.date, at: dt.datetime, notes: str = ""
    ) -> Document:
        """A credit note for the whole invoice: its lines copied, then issued."""
        account, original = self.documents[of]
        customer = original.customer
        note = self._draft(
            ref=ref,
            customer=customer,
            pattern=account.pattern,
            buyer_reference=original.row["buyer_reference"],
            created=at,
            kind=InvoiceKind.CREDIT_NOTE,
            notes=notes or f"Credit note for invoice {original.row['number']}.",
            credited_invoice_id=original.row["id"],
        )
        self._issue(note, customer, issue_date, at)
        account.notes.append(note)
        self.documents[ref] = (account, note)
        return note

    def _void(self, event: Void) -> None:
        """As invoice_void: a cancellation credit note for the whole (uncredited, unpaid)
        invoice, issued on the day; the invoice keeps its number and becomes void."""
        account, original = self.documents[event.of]
        row = original.row
        if original.payments or account.notes:
            raise ValueError(f"invoice ref {event.of} is not voidable in this plan")
        self._credit(
            event.ref,
            event.of,
            event.date,
            event.at,
            notes=f"Cancellation of invoice {row['number']}: {event.reason}",
        )
        row.update(
            status=InvoiceStatus.VOID,
            void_reason=event.reason,
            voided_at=event.at,
            voided_by_id=self.owner.id,
            updated_at=event.at,
        )

    # --- settling and writing ----------------------------------------------------------

    def _settle(self, account: Account) -> None:
        """The account's live figures, as invoices.services._settlement stores them."""
        root = account.root.row
        currency = root["currency"]

        def received(document: Document) -> Any:
            return round_money(sum((p["amount"] for p in document.payments), ZERO), currency)

        def payments_json(document: Document) -> list[dict[str, Any]]:
            ordered = sorted(document.payments, key=lambda p: (p["date"], p["id"]))
            return [payment_dict(SimpleNamespace(**p), currency) for p in ordered]

        settled = settle_invoice(
            gross_total=root["gross_total"],
            paid=received(account.root),
            credit_notes=[
                CreditNoteFigures(
                    id=note.row["id"], gross_total=note.row["gross_total"], refunded=received(note)
                )
                for note in account.notes
            ],
            void=root["status"] == InvoiceStatus.VOID,
        )
        root.update(
            status=settled.status,
            paid_total=settled.paid_total,
            credited_total=settled.credited_total,
            amount_due=settled.amount_due,
            refund_due=ZERO,
            payments_json=payments_json(account.root),
            credit_notes_json=[
                credit_note_reference(
                    SimpleNamespace(
                        pk=note.row["id"],
                        number=note.row["number"],
                        issue_date=note.row["issue_date"],
                        gross_total=note.row["gross_total"],
                        currency=note.row["currency"],
                    )
                )
                for note in account.notes
            ],
        )
        for note, figures in zip(account.notes, settled.credit_notes, strict=True):
            note.row.update(
                status=figures.status,
                paid_total=received(note),
                amount_due=ZERO,
                refund_due=figures.refund_due,
                payments_json=payments_json(note),
            )

    def _write(self, account: Account) -> None:
        if account.root.row["status"] != InvoiceStatus.DRAFT:
            self._settle(account)
        for document in (account.root, *account.notes):
            row = document.row
            self.invoices.add(row)
            for item in document.items:
                self.items.add(item)
            for payment in document.payments:
                self.payments.add(payment)
            kind = "credit_note" if row["kind"] == InvoiceKind.CREDIT_NOTE else row["status"]
            self.counts[kind] += 1
        if len(self.invoices.rows) >= self.batch:
            self.flush()

    def flush(self) -> None:
        """One transaction per batch: parents first, foreign keys checked at its commit."""
        with transaction.atomic():
            self.invoices.flush()
            self.items.flush()
            self.payments.flush()

    def finish(self) -> None:
        """Write what is left (accounts still open are closed) and the counters."""
        for ref in list(self.accounts):
            self.play(Close(ref))
        self.flush()
        for (series, year), (last, latest) in self.sequences.items():
            NumberSequence.objects.update_or_create(
                series=series,
                year=year,
                defaults={"last_value": last, "last_issue_date": latest},
            )
        reset_sequences([Invoice, InvoiceItem, Payment])

    def sequence_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "series": series,
                "year": year,
                "last_value": last,
                "last_issue_date": latest.isoformat() if latest else None,
            }
            for (series, year), (last, latest) in self.sequences.items()
        ]
