"""The random write sequences of the ledger and report property tests: a bookkeeper's
operations (issue, pay, remove a payment, credit in full or in part, void, refund),
each through the API or the admin, and a recomputation of every stored figure."""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from django.db import transaction
from hypothesis import strategies as st

from common.tests.factories import CustomerFactory
from customers.models import Customer
from invoices.models import Invoice, InvoiceKind, Payment
from invoices.tests.admin_helpers import ADD_URL, change_url, draft_form, existing_rows, logged_in

URL = "/api/invoices/"
ZERO = Decimal("0")
PRICES = ("100.00", "33.33", "1018.49", "0.01")
OPERATIONS = ("issue", "pay", "unpay", "credit", "credit_part", "void", "refund")


def write_steps(*, max_size: int) -> st.SearchStrategy:
    """Steps of (operation, which row, what fraction of its amount, through what)."""
    return st.lists(
        st.tuples(
            st.sampled_from(OPERATIONS),
            st.integers(min_value=0, max_value=50),
            st.sampled_from([Decimal("0.3"), Decimal("0.5"), Decimal("1")]),
            st.sampled_from(["api", "admin"]),
        ),
        min_size=1,
        max_size=max_size,
    )


def _money(text: str) -> Decimal:
    return Decimal(text)


def assert_accounts_consistent(customers) -> dict[int, Decimal]:
    """Every stored figure equals a recomputation from the rows; answers the balances."""
    documents = {i.id: i for i in Invoice.objects.exclude(status="draft")}
    paid = defaultdict(lambda: ZERO)
    for payment in Payment.objects.all():
        paid[payment.invoice_id] += payment.amount
    notes = defaultdict(list)
    for document in documents.values():
        if document.kind == InvoiceKind.CREDIT_NOTE and document.credited_invoice_id:
            notes[document.credited_invoice_id].append(document)
    balances = defaultdict(lambda: ZERO)
    for document in documents.values():
        assert document.paid_total == paid[document.id]
        if document.kind == InvoiceKind.CREDIT_NOTE:
            assert document.amount_due == 0
            assert 0 <= document.refund_due <= document.gross_total - document.paid_total
            assert document.status == ("issued" if document.refund_due > 0 else "paid")
            balances[document.customer_id] -= document.refund_due
            continue
        own = notes[document.id]
        credited = sum((n.gross_total for n in own), ZERO)
        refunded = sum((paid[n.id] for n in own), ZERO)
        account = document.gross_total - paid[document.id] - credited + refunded
        assert document.credited_total == credited
        assert document.amount_due == max(account, ZERO)
        # what the account owes back is exactly what its credit notes show
        assert sum((n.refund_due for n in own), ZERO) == max(-account, ZERO)
        assert credited <= document.gross_total
        if document.status == "void":
            assert document.amount_due == 0
        else:
            expected = (
                ("credited" if paid[document.id] == 0 and credited > 0 else "paid")
                if document.amount_due == 0
                else ("partially_paid" if paid[document.id] > 0 else "issued")
            )
            assert document.status == expected
        balances[document.customer_id] += document.amount_due
    for customer in Customer.all_objects.filter(pk__in=[c.pk for c in customers]):
        assert customer.balance_due == balances[customer.pk], customer
        assert customer.balance_due == customer.total_invoiced - customer.total_paid
    return balances


class Ledger:
    """Drives the API or the admin, as a bookkeeper would; `check()` recomputes all."""

    def __init__(self, staff_client, admin_client, staff_user, admin_user, customers):
        self.staff, self.admin, self.customers = staff_client, admin_client, customers
        self.staff_admin, self.admin_admin = logged_in(staff_user), logged_in(admin_user)

    def _pick(self, rows, pick: int):
        return rows[pick % len(rows)] if rows else None

    def _admin_post(self, invoice_id: int, action: str, data=None, *, as_admin: bool = False):
        client = self.admin_admin if as_admin else self.staff_admin
        response = client.post(change_url(invoice_id, action), data or {})
        assert response.status_code == 302, response.content[:300]
        return response

    def _issue(self, draft_id: int, via: str) -> int:
        if via == "api":
            response = self.staff.post(f"{URL}{draft_id}/issue/")
            return response.status_code
        self._admin_post(draft_id, "issue")
        return 200 if Invoice.objects.get(pk=draft_id).status != "draft" else 409

    def step(self, operation: str, pick: int, fraction: Decimal, via: str = "api") -> None:
        invoices = list(Invoice.objects.filter(kind="invoice").exclude(status="draft"))
        if operation == "issue":
            customer = self._pick(self.customers, pick)
            row = {
                "description": "Work",
                "quantity": str(1 + pick % 3),
                "unit_price": PRICES[pick % len(PRICES)],
            }
            if via == "api":
                draft = self.staff.post(
                    URL, {"customer": customer.id, "items": [row]}, format="json"
                )
                assert draft.status_code == 201, draft.json()
                draft_id = draft.json()["id"]
            else:
                before = Invoice.objects.count()
                response = self.staff_admin.post(
                    ADD_URL, draft_form(customer=customer, items=[row])
                )
                assert response.status_code == 302, response.content[:500]
                assert Invoice.objects.count() == before + 1
                draft_id = Invoice.objects.latest("id").id
            assert self._issue(draft_id, via) == 200
        elif operation == "pay":
            open_ = [i for i in invoices if i.amount_due > 0]
            invoice = self._pick(open_, pick)
            if invoice is not None:
                amount = max(
                    (invoice.amount_due * fraction).quantize(Decimal("0.01")), Decimal("0.01")
                )
                before = Payment.objects.count()
                if via == "api":
                    response = self.staff.post(
                        f"{URL}{invoice.id}/payments/", {"amount": str(amount)}
                    )
                    assert response.status_code == 201, response.json()
                else:
                    self._admin_post(
                        invoice.id, "record-payment", {"amount": str(amount), "method": "cash"}
                    )
                assert Payment.objects.count() == before + 1
        elif operation == "unpay":
            payment = self._pick(list(Payment.objects.order_by("id")), pick)
            if payment is not None:
                if via == "api":
                    response = self.admin.delete(
                        f"{URL}{payment.invoice_id}/payments/{payment.id}/"
                    )
                    assert response.status_code == 200, response.json()
                else:
                    self._admin_post(
                        payment.invoice_id, f"payments/{payment.id}/delete", as_admin=True
                    )
                assert not Payment.objects.filter(pk=payment.pk).exists()
        elif operation in ("credit", "credit_part"):
            creditable = [
                i for i in invoices if i.status != "void" and i.gross_total > i.credited_total
            ]
            invoice = self._pick(creditable, pick)
            if invoice is not None:
                if via == "api":
                    draft_id = self.staff.post(f"{URL}{invoice.id}/credit-note/").json()["id"]
                else:
                    self._admin_post(invoice.id, "credit-note")
                    draft_id = Invoice.objects.filter(kind="credit_note").latest("id").id
                if operation == "credit_part":
                    net = (
                        (invoice.gross_total - invoice.credited_total) / Decimal("1.19")
                    ) * fraction
                    net = max(net.quantize(Decimal("0.01")) - Decimal("0.01"), Decimal("0.01"))
                    row = {"description": "Part", "quantity": "1", "unit_price": str(net)}
                    if via == "api":
                        self.staff.patch(f"{URL}{draft_id}/", {"items": [row]}, format="json")
                    else:
                        note = Invoice.objects.get(pk=draft_id)
                        form = draft_form(
                            customer=note.customer_id,
                            kind="credit_note",
                            series=note.series,
                            items=[{**existing_rows(note)[0], "DELETE": True}, row],
                            initial_items=1,
                        )
                        response = self.staff_admin.post(change_url(note), form)
                        assert response.status_code == 302, response.content[:500]
                status = self._issue(draft_id, via)
                assert status in (200, 409)
                if Invoice.objects.get(pk=draft_id).status == "draft":
                    # a full copy after an earlier partial credit: over what is left
                    assert invoice.credited_total > 0
                    self.staff.delete(f"{URL}{draft_id}/")
        elif operation == "void":
            invoice = self._pick(invoices, pick)
            if invoice is not None:
                voidable = (
                    invoice.status in ("issued", "partially_paid")
                    and invoice.paid_total == 0
                    and invoice.gross_total > invoice.credited_total
                    and not Invoice.objects.filter(
                        credited_invoice=invoice, paid_total__gt=0
                    ).exists()
                )
                if via == "api":
                    response = self.staff.post(f"{URL}{invoice.id}/void/", {"reason": "Cancelled"})
                    assert response.status_code == (200 if voidable else 409), response.json()
                else:
                    self._admin_post(invoice.id, "void", {"reason": "Cancelled"})
                assert (Invoice.objects.get(pk=invoice.id).status == "void") == (
                    voidable or invoice.status == "void"
                )
        elif operation == "refund":
            notes = list(Invoice.objects.filter(kind="credit_note", refund_due__gt=0))
            note = self._pick(notes, pick)
            if note is not None:
                amount = max(
                    (note.refund_due * fraction).quantize(Decimal("0.01")), Decimal("0.01")
                )
                if via == "api":
                    response = self.staff.post(f"{URL}{note.id}/payments/", {"amount": str(amount)})
                    assert response.status_code == 201, response.json()
                else:
                    self._admin_post(
                        note.id,
                        "record-payment",
                        {"amount": str(amount), "method": "bank_transfer"},
                    )
                assert Payment.objects.filter(invoice=note).exists()

    def check(self) -> None:
        balances = assert_accounts_consistent(self.customers)
        aging = self.staff.get("/api/reports/aging/").json()["currencies"]
        total_balance = sum(balances.values(), ZERO)
        if aging:
            [eur] = aging
            assert _money(eur["balance"]) == total_balance
            assert sum(_money(b["amount_due"]) for b in eur["buckets"]) == _money(eur["total_due"])
            summary = self.staff.get("/api/reports/summary/").json()["currencies"][0]
            assert _money(summary["outstanding"]) == _money(eur["total_due"])
            assert _money(summary["refund_due"]) == _money(eur["refund_due"])
        else:
            assert total_balance == 0


@contextlib.contextmanager
def ledger_rolled_back(staff_client, admin_client, staff_user, admin_user) -> Iterator[Ledger]:
    """A ledger over two customers of `staff_user` with one issued invoice, inside a
    transaction rolled back at the end (each hypothesis example starts from nothing)."""
    with transaction.atomic():
        customers = [CustomerFactory(owner=staff_user), CustomerFactory(owner=staff_user)]
        ledger = Ledger(staff_client, admin_client, staff_user, admin_user, customers)
        ledger.step("issue", 0, Decimal("1"))
        yield ledger
        transaction.set_rollback(True)
