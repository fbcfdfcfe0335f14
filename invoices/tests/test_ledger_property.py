"""Any sequence of issues, payments, payment removals, credit notes, voids and refunds
leaves every stored figure equal to a recomputation from the rows, and the customers'
balances, the aging report and the summary tell the same amounts."""

from __future__ import annotations

import pytest
from hypothesis import given

from common.tests.properties import database_examples
from invoices.tests.ledger_driver import ledger_rolled_back, write_steps

pytestmark = pytest.mark.django_db


@database_examples(max_examples=25)
@given(steps=write_steps(max_size=14))
def test_every_figure_agrees_after_any_sequence(
    staff_client, admin_client, staff_user, admin_user, company, steps
):
    with ledger_rolled_back(staff_client, admin_client, staff_user, admin_user) as ledger:
        for operation, pick, fraction, via in steps:
            ledger.step(operation, pick, fraction, via)
            ledger.check()
