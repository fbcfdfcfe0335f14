"""Drafts in the back office: written by the draft services, refused like the API refuses.

Every test posts the admin's own forms (main form + item and allowance formsets) as a
logged-in user and checks what the user sees and what the database holds afterwards.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from common.tests.factories import CustomerFactory
from invoices.models import Invoice, InvoiceAllowanceCharge, InvoiceItem
from invoices.tests.admin_helpers import (
    ADD_URL,
    change_url,
    draft_form,
    existing_rows,
    line_form,
    line_formset,
    logged_in,
    page_text,
)
from invoices.tests.factories import line, make_draft, make_issued

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(company, staff_user):
    return CustomerFactory(owner=staff_user, name="Own Customer")


def _nothing_saved() -> None:
    assert Invoice.objects.count() == 0
    assert InvoiceItem.objects.count() == 0
    assert InvoiceAllowanceCharge.objects.count() == 0


# --- creating -------------------------------------------------------------------------


def test_staff_creates_a_draft_with_two_lines_and_its_totals(staff_user, customer):
    response = logged_in(staff_user).post(
        ADD_URL,
        draft_form(
            customer=customer,
            items=[
                {"description": "Work", "quantity": "2", "unit_price": "100.00"},
                {"description": "Books", "unit_price": "10.00", "tax_rate": "7"},
            ],
        ),
    )

    assert response.status_code == 302, page_text(response)[:3000]
    invoice = Invoice.objects.get()
    assert response["Location"] == "/admin/invoices/invoice/"
    assert invoice.owner == staff_user
    assert invoice.status == "draft"
    assert invoice.series == "INV"  # blank: the service's default for invoices
    assert invoice.currency == "EUR"  # blank: the customer's
    assert invoice.net_total == Decimal("210.00")
    assert invoice.tax_total == Decimal("38.70")
    assert invoice.gross_total == Decimal("248.70")
    assert list(invoice.items.values_list("position", "description", "net_amount")) == [
        (1, "Work", Decimal("200.0000")),
        (2, "Books", Decimal("10.0000")),
    ]


def test_a_blank_rate_takes_the_default_of_its_category(staff_user, customer, company):
    company.default_tax_rate = Decimal("7.00")
    company.save()

    response = logged_in(staff_user).post(
        ADD_URL,
        draft_form(
            customer=customer,
            items=[
                {"description": "Standard", "tax_rate": ""},
                {"description": "Export", "tax_category": "G", "tax_rate": ""},
            ],
        ),
    )

    assert response.status_code == 302, page_text(response)[:3000]
    rates = list(Invoice.objects.get().items.values_list("tax_category", "tax_rate"))
    assert rates == [("S", Decimal("7.00")), ("G", Decimal("0.00"))]


def test_new_lines_start_with_the_company_default_rate(staff_user, customer, company):
    company.default_tax_rate = Decimal("7.00")
    company.save()

    response = logged_in(staff_user).get(ADD_URL)

    assert response.status_code == 200
    formset = line_formset(response)
    assert formset.forms[0]["tax_rate"].value() == Decimal("7.00")
    assert formset.empty_form["tax_rate"].value() == Decimal("7.00")  # "Add another"
    assert 'name="items-0-tax_rate" value="7.00"' in response.content.decode()


def test_document_allowance_lowers_the_totals(staff_user, customer):
    response = logged_in(staff_user).post(
        ADD_URL,
        draft_form(
            customer=customer,
            items=[{"unit_price": "100.00"}],
            allowances=[{"amount": "10.00", "reason": "Loyalty"}],
        ),
    )

    assert response.status_code == 302, page_text(response)[:3000]
    invoice = Invoice.objects.get()
    assert invoice.allowance_total == Decimal("10.00")
    assert invoice.gross_total == Decimal("107.10")  # 90.00 + 19 %
    assert invoice.allowances_charges_json[0]["amount"] == "10.00"


# --- lines the API refuses are refused here, with its messages -------------------------

REFUSED_LINES = [
    ({"quantity": "-5"}, "quantity", "Ensure this value is greater than 0."),
    ({"tax_category": "Z", "tax_rate": "19"}, "tax_rate", "Tax category Z takes a rate of 0."),
    (
        {"tax_category": "S", "tax_rate": "0"},
        "tax_rate",
        "Standard rated (S) lines need a rate above 0 (BR-S-05).",
    ),
    (
        {"unit_price": "10.00", "discount_amount": "10.01"},
        "discount_amount",
        "The discount is larger than the line's amount.",
    ),
]


@pytest.mark.parametrize(("row", "field", "message"), REFUSED_LINES)
def test_a_refused_line_is_shown_on_its_field_and_nothing_is_created(
    staff_user, customer, row, field, message
):
    response = logged_in(staff_user).post(
        ADD_URL,
        draft_form(
            customer=customer, items=[{"description": "Fine"}, {"description": "Bad", **row}]
        ),
    )

    assert response.status_code == 200
    assert line_form(response, 1).errors == {field: [message]}
    assert line_form(response, 0).errors == {}
    text = page_text(response)
    assert "Please correct the error below." in text
    assert message in text
    assert "{" not in " ".join(str(e) for e in response.context["errors"])
    _nothing_saved()


@pytest.mark.parametrize(("row", "field", "message"), REFUSED_LINES)
def test_a_refused_line_on_an_existing_draft_leaves_it_as_it_was(
    staff_user, customer, row, field, message
):
    draft = make_draft(owner=staff_user, customer=customer)
    before = list(draft.items.values_list("id", "quantity", "tax_rate"))
    rows = existing_rows(draft)
    rows[0].update(row)

    response = logged_in(staff_user).post(
        change_url(draft), draft_form(customer=customer, items=rows, initial_items=1)
    )

    assert response.status_code == 200
    assert line_form(response, 0).errors == {field: [message]}
    draft.refresh_from_db()
    assert draft.gross_total == Decimal("119.00")
    assert list(draft.items.values_list("id", "quantity", "tax_rate")) == before


def test_errors_land_on_the_row_they_belong_to_past_deleted_and_blank_rows(staff_user, customer):
    draft = make_draft(owner=staff_user, customer=customer, items=[line("A"), line("B")])
    rows = existing_rows(draft)
    rows[0]["DELETE"] = True  # the service never sees this row
    rows.append({"description": "C", "quantity": "-1"})

    response = logged_in(staff_user).post(
        change_url(draft), draft_form(customer=customer, items=rows, initial_items=2)
    )

    assert response.status_code == 200
    assert line_form(response, 2).errors == {"quantity": ["Ensure this value is greater than 0."]}
    assert line_form(response, 1).errors == {}
    assert draft.items.count() == 2


def test_a_refused_allowance_is_shown_on_its_field(staff_user, customer):
    response = logged_in(staff_user).post(
        ADD_URL,
        draft_form(
            customer=customer,
            items=[{}],
            allowances=[{"amount": "5.00", "tax_category": "E", "tax_rate": "19"}],
        ),
    )

    assert response.status_code == 200
    assert line_form(response, 0, "allowances_charges").errors == {
        "tax_rate": ["Tax category E takes a rate of 0."]
    }
    _nothing_saved()


def test_a_due_date_before_the_issue_date_is_refused_on_its_field(staff_user, customer):
    response = logged_in(staff_user).post(
        ADD_URL,
        draft_form(customer=customer, items=[{}], issue_date="2026-03-10", due_date="2026-03-01"),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "due_date": ["The due date cannot be before the issue date."]
    }
    _nothing_saved()


def test_a_date_out_of_range_is_refused(staff_user, customer):
    response = logged_in(staff_user).post(
        ADD_URL, draft_form(customer=customer, items=[{}], issue_date="1999-12-31")
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "issue_date": ["Ensure the date is between 2000-01-01 and 2099-12-31."]
    }
    _nothing_saved()


def test_an_unknown_currency_is_refused(staff_user, customer):
    response = logged_in(staff_user).post(
        ADD_URL, draft_form(customer=customer, items=[{}], currency="XXY")
    )

    assert response.status_code == 200
    assert "currency" in response.context["adminform"].form.errors
    _nothing_saved()


def test_a_credit_note_in_the_invoice_series_is_refused(staff_user, customer):
    original = make_issued(owner=staff_user, customer=customer)

    response = logged_in(staff_user).post(
        ADD_URL,
        draft_form(
            customer=customer,
            items=[{}],
            kind="credit_note",
            credited_invoice=original,
            series="INV",
        ),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "series": ["Credit notes are numbered in the CN series."]
    }
    assert Invoice.objects.count() == 1


# --- editing --------------------------------------------------------------------------


def test_editing_a_draft_replaces_its_lines_and_recomputes(staff_user, customer):
    draft = make_draft(owner=staff_user, customer=customer, items=[line("A"), line("B")])
    rows = existing_rows(draft)
    rows[0]["DELETE"] = True
    rows[1]["quantity"] = "3"
    rows.append({"description": "C", "unit_price": "50.00", "tax_rate": "7"})

    response = logged_in(staff_user).post(
        change_url(draft),
        draft_form(customer=customer, items=rows, initial_items=2, notes="Thanks"),
    )

    assert response.status_code == 302, page_text(response)[:3000]
    draft.refresh_from_db()
    assert draft.notes == "Thanks"
    assert list(draft.items.values_list("description", "net_amount")) == [
        ("B", Decimal("300.0000")),
        ("C", Decimal("50.0000")),
    ]
    assert draft.net_total == Decimal("350.00")
    assert draft.tax_total == Decimal("60.50")  # 57.00 + 3.50
    assert draft.gross_total == Decimal("410.50")


def test_kind_owner_and_credited_invoice_are_fixed_on_an_existing_draft(staff_user, customer):
    draft = make_draft(owner=staff_user, customer=customer)
    client = logged_in(staff_user)

    page = client.get(change_url(draft))
    form_fields = set(page.context["adminform"].form.fields)
    assert {"kind", "credited_invoice", "owner"}.isdisjoint(form_fields)
    assert {"customer", "series", "issue_date", "due_date", "notes"} <= form_fields

    response = client.post(
        change_url(draft),
        draft_form(
            customer=customer, items=existing_rows(draft), initial_items=1, kind="credit_note"
        ),
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.kind == "invoice"


def test_the_change_page_of_an_issued_invoice_is_view_only(staff_user, customer):
    issued = make_issued(owner=staff_user, customer=customer)
    client = logged_in(staff_user)

    page = client.get(change_url(issued))
    assert page.status_code == 200
    assert page.context["adminform"].form.fields == {}
    assert 'name="_save"' not in page.content.decode()

    refused = client.post(
        change_url(issued),
        draft_form(customer=customer, items=existing_rows(issued), initial_items=1, notes="x"),
    )
    assert refused.status_code == 403
    issued.refresh_from_db()
    assert issued.notes == ""


def test_a_draft_is_deleted_through_the_service_an_issued_one_is_not(staff_user, customer):
    draft = make_draft(owner=staff_user, customer=customer)
    issued = make_issued(owner=staff_user, customer=customer)
    client = logged_in(staff_user)

    response = client.post(change_url(draft, "delete"), {"post": "yes"})
    assert response.status_code == 302
    assert not Invoice.objects.filter(pk=draft.pk).exists()
    assert InvoiceItem.objects.filter(invoice_id=draft.pk).count() == 0

    assert client.post(change_url(issued, "delete"), {"post": "yes"}).status_code == 403
    assert Invoice.objects.filter(pk=issued.pk).exists()


# --- choices: what the user may use --------------------------------------------------


def test_staff_choose_among_their_own_live_customers(staff_user, other_staff, customer):
    gone = CustomerFactory(owner=staff_user, name="Gone")
    gone.delete()
    CustomerFactory(owner=other_staff, name="Theirs")

    page = logged_in(staff_user).get(ADD_URL)

    choices = page.context["adminform"].form.fields["customer"].queryset
    assert [c.name for c in choices] == ["Own Customer"]


def test_admins_choose_among_all_live_customers(admin_user, staff_user, other_staff, customer):
    CustomerFactory(owner=other_staff, name="Theirs")
    CustomerFactory(owner=staff_user, name="Gone").delete()

    page = logged_in(admin_user).get(ADD_URL)

    choices = page.context["adminform"].form.fields["customer"].queryset
    assert sorted(c.name for c in choices) == ["Own Customer", "Theirs"]


def test_staff_cannot_bill_another_staff_member_s_customer(staff_user, other_staff, company):
    theirs = CustomerFactory(owner=other_staff)

    response = logged_in(staff_user).post(ADD_URL, draft_form(customer=theirs, items=[{}]))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "customer": ["Select a valid choice. That choice is not one of the available choices."]
    }
    _nothing_saved()


def test_credited_invoice_choices_are_the_user_s_issued_invoices(staff_user, other_staff, customer):
    mine = make_issued(owner=staff_user, customer=customer)
    make_draft(owner=staff_user, customer=customer)
    make_issued(owner=other_staff)
    make_issued(owner=staff_user, customer=customer, kind="credit_note", series="CN")

    page = logged_in(staff_user).get(ADD_URL)

    choices = page.context["adminform"].form.fields["credited_invoice"].queryset
    assert list(choices) == [mine]


def test_staff_cannot_credit_another_staff_member_s_invoice(staff_user, other_staff, customer):
    theirs = make_issued(owner=other_staff)

    response = logged_in(staff_user).post(
        ADD_URL,
        draft_form(customer=customer, items=[{}], kind="credit_note", credited_invoice=theirs),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "credited_invoice": [
            "Select a valid choice. That choice is not one of the available choices."
        ]
    }
    assert Invoice.objects.filter(kind="credit_note").count() == 0


def test_a_credit_note_is_for_the_customer_of_its_invoice(staff_user, customer):
    original = make_issued(owner=staff_user, customer=customer)
    elsewhere = CustomerFactory(owner=staff_user)

    response = logged_in(staff_user).post(
        ADD_URL,
        draft_form(customer=elsewhere, items=[{}], kind="credit_note", credited_invoice=original),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "customer": ["A credit note is for the customer of the invoice it corrects."]
    }
    assert Invoice.objects.filter(kind="credit_note").count() == 0


def test_staff_create_a_credit_note_for_their_invoice(staff_user, customer):
    original = make_issued(owner=staff_user, customer=customer)

    response = logged_in(staff_user).post(
        ADD_URL,
        draft_form(
            customer=customer,
            items=[{"description": "Refund", "unit_price": "50.00"}],
            kind="credit_note",
            credited_invoice=original,
            issue_date=dt.date.today().isoformat(),
        ),
    )

    assert response.status_code == 302, page_text(response)[:3000]
    note = Invoice.objects.get(kind="credit_note")
    assert note.credited_invoice == original
    assert note.series == "CN"
    assert note.gross_total == Decimal("59.50")


def test_admins_create_a_draft_for_a_staff_member(admin_user, staff_user, customer):
    page = logged_in(admin_user).get(ADD_URL)
    assert page.context["adminform"].form.initial["owner"] == admin_user.pk

    response = logged_in(admin_user).post(
        ADD_URL, draft_form(customer=customer, items=[{}], owner=staff_user)
    )

    assert response.status_code == 302, page_text(response)[:3000]
    assert Invoice.objects.get().owner == staff_user


def test_delete_selected_drafts_goes_through_the_service(staff_user, customer):
    drafts = [make_draft(owner=staff_user, customer=customer) for _ in range(2)]

    response = logged_in(staff_user).post(
        "/admin/invoices/invoice/",
        {"action": "delete_selected", "_selected_action": [d.pk for d in drafts], "post": "yes"},
    )

    assert response.status_code == 302
    assert Invoice.objects.count() == 0
    assert InvoiceItem.objects.count() == 0
