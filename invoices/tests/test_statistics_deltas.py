"""The customer figures that issuing and payments move by deltas equal a recomputation."""

from __future__ import annotations

import contextlib
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.exceptions import BusinessException
from common.tests.factories import CustomerFactory
from common.tests.properties import database_examples
from customers.models import Customer
from customers.services import customer_statistics_recompute
from invoices import services
from invoices.models import Payment
from invoices.tests.factories import line, make_draft

FIGURES = ("invoice_count", "total_invoiced", "total_paid", "balance_due", "last_invoice_date")

steps = st.lists(
    st.one_of(
        st.tuples(st.just("issue"), st.sampled_from(["10.00", "0.01", "999.99"])),
        st.tuples(st.just("credit"), st.just("")),
        st.tuples(st.just("pay"), st.sampled_from(["0.01", "5.00", "all"])),
        st.tuples(st.just("unpay"), st.just("")),
        st.tuples(st.just("void"), st.just("")),
        st.tuples(st.just("refund"), st.just("")),
    ),
    min_size=1,
    max_size=8,
)


def _figures(customer: Customer) -> tuple:
    return tuple(Customer.all_objects.filter(pk=customer.pk).values_list(*FIGURES).get())


@pytest.mark.django_db
@database_examples(25)
# A new customer per example: the shared company and user do not carry state across.
@given(steps=steps)
def test_figures_after_any_sequence_of_writes_equal_a_recomputation(company, staff_user, steps):
    customer = CustomerFactory(owner=staff_user)
    issued = []
    for action, value in steps:
        open_ = [i for i in issued if i.kind == "invoice" and i.amount_due > 0]
        if action == "issue":
            draft = make_draft(owner=staff_user, customer=customer, items=[line(unit_price=value)])
            issued.append(services.invoice_issue(invoice=draft))
        elif action == "credit" and open_:
            with contextlib.suppress(BusinessException):  # already credited: refused
                note = services.invoice_credit_note_create(invoice=open_[0])
                issued.append(services.invoice_issue(invoice=note))
        elif action == "pay" and open_:
            invoice = open_[-1]
            invoice.refresh_from_db()
            amount = (
                invoice.amount_due if value == "all" else min(Decimal(value), invoice.amount_due)
            )
            services.payment_record(invoice=invoice, amount=amount)
        elif action == "unpay" and Payment.objects.filter(invoice__customer=customer).exists():
            services.payment_delete(payment=Payment.objects.filter(invoice__customer=customer)[0])
        elif action == "refund":
            owed = [i for i in issued if i.kind == "credit_note" and i.refund_due > 0]
            if owed:
                services.payment_record(invoice=owed[0], amount=owed[0].refund_due)
        elif action == "void" and open_:
            invoice = open_[0]
            invoice.refresh_from_db()
            if invoice.paid_total == 0:
                # refused when a refund was paid on one of its credit notes
                with contextlib.suppress(BusinessException):
                    services.invoice_void(invoice=invoice, reason="test")
        issued = [type(i).objects.get(pk=i.pk) for i in issued]

    kept = _figures(customer)
    customer_statistics_recompute(customer_ids=[customer.pk])
    assert kept == _figures(customer)
