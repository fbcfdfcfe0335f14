"""The invoice list of the back office: money in one format, overdue, bounded queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from common.money_format import format_money
from common.tests.factories import CustomerFactory
from invoices import services
from invoices.models import Invoice
from invoices.tests.admin_helpers import CHANGELIST, logged_in, page_text
from invoices.tests.factories import line, make_draft, make_issued
from settings_app.calendar import company_today

pytestmark = pytest.mark.django_db


def _listed(response) -> list[str]:
    assert response.status_code == 200
    return sorted(str(invoice) for invoice in response.context["cl"].result_list)


def test_money_format_is_the_same_everywhere():
    assert format_money(Decimal("1212.0000"), "EUR") == "1.212,00\xa0€"
    assert format_money(Decimal("1212"), "JPY") == "1.212\xa0¥"
    assert format_money(Decimal("1.234"), "KWD") == "1,234\xa0KWD"
    assert format_money(Decimal("-0.00"), "EUR") == "0,00\xa0€"
    assert format_money(None, "EUR") == "-"


def test_list_shows_money_with_its_currency(company, staff_user):
    customer = CustomerFactory(owner=staff_user)
    invoice = make_issued(
        owner=staff_user, customer=customer, items=[line(quantity="10", unit_price="101.00")]
    )
    services.payment_record(invoice=invoice, amount=Decimal("200.00"))
    make_issued(owner=staff_user, customer=customer, kind="credit_note", series="CN")

    response = logged_in(staff_user).get(CHANGELIST)

    text = page_text(response)
    # gross, paid, credited, amount due, refund due
    assert "1.201,90\xa0€ 200,00\xa0€ 0,00\xa0€ 1.001,90\xa0€ 0,00\xa0€" in text
    assert "119,00\xa0€ 0,00\xa0€ 0,00\xa0€ 0,00\xa0€ 119,00\xa0€" in text  # the credit note


def test_overdue_column_and_filter_follow_the_api_rule(company, staff_user):
    customer = CustomerFactory(owner=staff_user, payment_terms_days=0)
    today = company_today()
    long_ago = today - dt.timedelta(days=40)
    late = make_issued(owner=staff_user, customer=customer, issue_date=long_ago)
    paid = make_issued(owner=staff_user, customer=customer, issue_date=long_ago)
    services.payment_record(invoice=paid, amount=paid.gross_total, date=today)
    on_time = make_issued(owner=staff_user, customer=customer, issue_date=today)
    draft = make_draft(owner=staff_user, customer=customer, issue_date=long_ago, due_date=long_ago)
    client = logged_in(staff_user)

    overdue = client.get(CHANGELIST, {"overdue": "yes"})
    not_overdue = client.get(CHANGELIST, {"overdue": "no"})

    late.refresh_from_db()
    assert _listed(overdue) == [late.number]
    assert _listed(not_overdue) == sorted([str(paid), str(on_time), str(draft)])
    rows = {str(i): i for i in client.get(CHANGELIST).context["cl"].result_list}
    admin = client.get(CHANGELIST).context["cl"].model_admin
    assert [admin.overdue(rows[str(x)]) for x in (late, paid, on_time, draft)] == [
        True,
        False,
        False,
        False,
    ]
    assert 'alt="True"' in overdue.content.decode()


def _invoices(count: int, owner) -> None:
    customer = CustomerFactory(owner=owner)
    for n in range(count):
        invoice = make_draft(owner=owner, customer=customer, items=[line(), line()])
        if n % 2:
            services.invoice_issue(invoice=invoice)


@pytest.mark.parametrize("count", [3, 30])
def test_changelist_queries_do_not_grow_with_the_rows(
    company, staff_user, django_assert_max_num_queries, count
):
    _invoices(count, staff_user)
    client = logged_in(staff_user)
    client.get(CHANGELIST)  # warm the settings cache and the session

    # session, user, the user's permissions (2: the side bar's other apps), count (2:
    # filtered and total), the rows with their customers, the date hierarchy (2) and the
    # currency filter's choices: the same 10 for 3 rows or 30.
    with django_assert_max_num_queries(10):
        response = client.get(CHANGELIST)

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == count


def test_admins_see_everyone_s_invoices_staff_their_own(
    company, admin_user, staff_user, other_staff
):
    mine = make_draft(owner=staff_user)
    theirs = make_draft(owner=other_staff)

    assert _listed(logged_in(admin_user).get(CHANGELIST)) == sorted([str(mine), str(theirs)])
    assert _listed(logged_in(staff_user).get(CHANGELIST)) == [str(mine)]


def test_customer_filter_link_lists_one_customer_s_invoices(company, staff_user):
    one = CustomerFactory(owner=staff_user)
    mine = make_draft(owner=staff_user, customer=one)
    make_draft(owner=staff_user)

    response = logged_in(staff_user).get(CHANGELIST, {"customer__id__exact": one.pk})

    assert _listed(response) == [str(mine)]


def test_totals_box_and_vat_breakdown_on_the_change_page(company, staff_user):
    invoice = make_issued(
        owner=staff_user, items=[line(unit_price="1000.00"), line(unit_price="10.00", tax_rate="7")]
    )

    text = page_text(logged_in(staff_user).get(f"/admin/invoices/invoice/{invoice.pk}/change/"))

    assert (
        "Totals: Line total 1.010,00\xa0€ Allowances 0,00\xa0€ Charges 0,00\xa0€ "
        "Net total 1.010,00\xa0€ Tax total 190,70\xa0€ Gross total 1.200,70\xa0€ "
        "Paid 0,00\xa0€ Credited 0,00\xa0€ Amount due 1.200,70\xa0€"
    ) in text
    assert "S 19.00 1.000,00\xa0€ 190,00\xa0€" in text
    assert "S 7.00 10,00\xa0€ 0,70\xa0€" in text
    assert Invoice.objects.get(pk=invoice.pk).gross_total == Decimal("1200.70")
