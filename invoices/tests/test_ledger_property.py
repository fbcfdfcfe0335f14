"""Any sequence of issues, payments, payment removals, credit notes, voids and refunds
leaves every stored figure equal to a recomputation from the rows, and the customers'
balances, the aging report and the summary tell the same amounts."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.tests.factories import CustomerFactory
from customers.models import Customer
from invoices.models import Invoice, InvoiceKind, Payment

pytestmark = pytest.mark.django_db
URL = "/api/invoices/"
ZERO = Decimal("0")
PRICES = ("100.00", "33.33", "1018.49", "0.01")
OPERATIONS = ("issue", "pay", "unpay", "credit", "credit_part", "void", "refund")


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
    """Drives the API as a bookkeeper would; `check()` recomputes everything."""

    def __init__(self, staff_client, admin_client, customers):
        self.staff, self.admin, self.customers = staff_client, admin_client, customers

    def _pick(self, rows, pick: int):
        return rows[pick % len(rows)] if rows else None

    def step(self, operation: str, pick: int, fraction: Decimal) -> None:
        invoices = list(Invoice.objects.filter(kind="invoice").exclude(status="draft"))
        if operation == "issue":
            customer = self._pick(self.customers, pick)
            draft = self.staff.post(
                URL,
                {
                    "customer": customer.id,
                    "items": [
                        {
                            "description": "Work",
                            "quantity": str(1 + pick % 3),
                            "unit_price": PRICES[pick % len(PRICES)],
                        }
                    ],
                },
                format="json",
            )
            assert draft.status_code == 201, draft.json()
            issued = self.staff.post(f"{URL}{draft.json()['id']}/issue/")
            assert issued.status_code == 200, issued.json()
        elif operation == "pay":
            open_ = [i for i in invoices if i.amount_due > 0]
            invoice = self._pick(open_, pick)
            if invoice is not None:
                amount = max(
                    (invoice.amount_due * fraction).quantize(Decimal("0.01")), Decimal("0.01")
                )
                response = self.staff.post(f"{URL}{invoice.id}/payments/", {"amount": str(amount)})
                assert response.status_code == 201, response.json()
        elif operation == "unpay":
            payment = self._pick(list(Payment.objects.order_by("id")), pick)
            if payment is not None:
                response = self.admin.delete(f"{URL}{payment.invoice_id}/payments/{payment.id}/")
                assert response.status_code == 200, response.json()
        elif operation in ("credit", "credit_part"):
            creditable = [
                i for i in invoices if i.status != "void" and i.gross_total > i.credited_total
            ]
            invoice = self._pick(creditable, pick)
            if invoice is not None:
                draft = self.staff.post(f"{URL}{invoice.id}/credit-note/").json()
                if operation == "credit_part":
                    net = (
                        (invoice.gross_total - invoice.credited_total) / Decimal("1.19")
                    ) * fraction
                    net = max(net.quantize(Decimal("0.01")) - Decimal("0.01"), Decimal("0.01"))
                    self.staff.patch(
                        f"{URL}{draft['id']}/",
                        {
                            "items": [
                                {"description": "Part", "quantity": "1", "unit_price": str(net)}
                            ]
                        },
                        format="json",
                    )
                response = self.staff.post(f"{URL}{draft['id']}/issue/")
                assert response.status_code in (200, 409), response.json()
                if response.status_code == 409:  # a full copy after an earlier partial credit
                    assert response.json()["error"]["code"] == "credit_exceeds_invoice"
                    self.staff.delete(f"{URL}{draft['id']}/")
        elif operation == "void":
            invoice = self._pick(invoices, pick)
            if invoice is not None:
                response = self.staff.post(f"{URL}{invoice.id}/void/", {"reason": "Cancelled"})
                voidable = (
                    invoice.status in ("issued", "partially_paid")
                    and invoice.paid_total == 0
                    and invoice.gross_total > invoice.credited_total
                    and not Invoice.objects.filter(
                        credited_invoice=invoice, paid_total__gt=0
                    ).exists()
                )
                assert response.status_code == (200 if voidable else 409), response.json()
        elif operation == "refund":
            notes = list(Invoice.objects.filter(kind="credit_note", refund_due__gt=0))
            note = self._pick(notes, pick)
            if note is not None:
                amount = max(
                    (note.refund_due * fraction).quantize(Decimal("0.01")), Decimal("0.01")
                )
                response = self.staff.post(f"{URL}{note.id}/payments/", {"amount": str(amount)})
                assert response.status_code == 201, response.json()

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


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(OPERATIONS),
            st.integers(min_value=0, max_value=50),
            st.sampled_from([Decimal("0.3"), Decimal("0.5"), Decimal("1")]),
        ),
        min_size=1,
        max_size=14,
    )
)
def test_every_figure_agrees_after_any_sequence(
    staff_client, admin_client, staff_user, company, steps
):
    with transaction.atomic():
        customers = [CustomerFactory(owner=staff_user), CustomerFactory(owner=staff_user)]
        ledger = Ledger(staff_client, admin_client, customers)
        ledger.step("issue", 0, Decimal("1"))
        for operation, pick, fraction in steps:
            ledger.step(operation, pick, fraction)
            ledger.check()
        transaction.set_rollback(True)
