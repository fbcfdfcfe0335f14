"""The actions on an invoice's admin page: each POSTs, calls its service, says the answer."""

from __future__ import annotations

from decimal import Decimal

import pytest

from common.tests.factories import CustomerFactory
from documents.models import InvoiceSending
from invoices.models import Invoice, NumberSequence, Payment
from invoices.tests.admin_helpers import change_url, logged_in, messages_of, page_text
from invoices.tests.factories import make_draft, make_issued

pytestmark = pytest.mark.django_db

EUR = "\xa0€"  # Babel puts a no-break space before the symbol


@pytest.fixture
def customer(company, staff_user):
    return CustomerFactory(owner=staff_user, email="ap@buyer.example")


@pytest.fixture
def issued(staff_user, customer) -> Invoice:
    return make_issued(owner=staff_user, customer=customer)  # 119,00 €


@pytest.fixture
def client(staff_user):
    return logged_in(staff_user)


def _post(client, invoice, action: str, data=None):
    return client.post(change_url(invoice, action), data or {}, follow=True)


# --- issue ----------------------------------------------------------------------------


def test_issue_button_issues_the_draft(client, staff_user, customer):
    draft = make_draft(owner=staff_user, customer=customer)

    response = _post(client, draft, "issue")

    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.status == "issued"
    assert draft.issued_by == staff_user
    assert messages_of(response) == [f"Issued as {draft.number}."]
    assert response.redirect_chain[-1][0] == change_url(draft)


def test_a_refused_issue_says_why_and_draws_no_number(client, staff_user, company):
    nowhere = CustomerFactory(owner=staff_user, street="", city="")
    draft = make_draft(owner=staff_user, customer=nowhere)

    response = _post(client, draft, "issue")

    assert response.status_code == 200
    assert messages_of(response) == [
        "The invoice cannot be issued. Customer: The customer's street, city must be "
        "filled in before issuing."
    ]
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert draft.number is None
    assert NumberSequence.objects.count() == 0


def test_actions_answer_only_post(client, issued):
    for action in ("issue", "record-payment", "credit-note", "void", "send", "revoke-link"):
        assert client.get(change_url(issued, action)).status_code == 405


# --- payments ---------------------------------------------------------------------------


def test_record_payment(client, issued, staff_user):
    response = _post(
        client,
        issued,
        "record-payment",
        {"amount": "100.00", "date": issued.issue_date.isoformat(), "method": "card"},
    )

    assert response.status_code == 200
    payment = Payment.objects.get()
    assert (payment.amount, payment.method, payment.recorded_by) == (
        Decimal("100.0000"),
        "card",
        staff_user,
    )
    issued.refresh_from_db()
    assert issued.status == "partially_paid"
    assert issued.paid_total == Decimal("100.00")
    assert issued.amount_due == Decimal("19.00")
    assert messages_of(response) == [
        f"Recorded 100,00{EUR} on {issued.issue_date.isoformat()}; amount due now 19,00{EUR}."
    ]
    # The page lists the payment and the new figures.
    text = page_text(response)
    assert f"Amount due 19,00{EUR}" in text
    assert f"100,00{EUR} Card" in text


def test_a_payment_larger_than_the_amount_due_is_refused(client, issued):
    response = _post(client, issued, "record-payment", {"amount": "500.00", "method": "cash"})

    assert response.status_code == 200
    assert messages_of(response) == [
        "The payment of 500.00 is larger than the open amount of 119.00."
    ]
    assert Payment.objects.count() == 0
    issued.refresh_from_db()
    assert (issued.status, issued.amount_due) == ("issued", Decimal("119.00"))


def test_a_payment_with_a_bad_amount_is_refused_by_the_form(client, issued):
    response = _post(client, issued, "record-payment", {"amount": "lots", "method": "cash"})

    assert messages_of(response) == ["Amount: Enter a number."]
    assert Payment.objects.count() == 0


def test_a_payment_dated_in_the_future_is_refused_by_the_service(client, issued):
    response = _post(client, issued, "record-payment", {"amount": "10.00", "date": "2099-01-01"})

    assert messages_of(response) == ["Date: A payment cannot be dated in the future."]
    assert Payment.objects.count() == 0


def test_admins_remove_a_payment_staff_cannot(admin_user, client, issued):
    _post(client, issued, "record-payment", {"amount": "119.00", "method": "cash"})
    payment = Payment.objects.get()
    url = f"/admin/invoices/invoice/{issued.pk}/payments/{payment.pk}/delete/"

    assert client.post(url).status_code == 403
    assert Payment.objects.filter(pk=payment.pk).exists()

    response = logged_in(admin_user).post(url, follow=True)
    assert response.status_code == 200
    assert not Payment.objects.exists()
    issued.refresh_from_db()
    assert (issued.status, issued.paid_total, issued.amount_due) == (
        "issued",
        Decimal("0.00"),
        Decimal("119.00"),
    )
    assert messages_of(response) == [
        f"Removed the payment of 119,00{EUR} of {payment.date.isoformat()}."
    ]


# --- credit note and void -------------------------------------------------------------


def test_credit_note_creates_a_draft_for_the_invoice_and_opens_it(client, issued):
    response = _post(client, issued, "credit-note")

    assert response.status_code == 200
    note = Invoice.objects.get(kind="credit_note")
    assert (note.status, note.credited_invoice_id, note.gross_total) == (
        "draft",
        issued.pk,
        Decimal("119.00"),
    )
    assert response.redirect_chain[-1][0] == change_url(note)
    assert messages_of(response) == [
        f"Draft credit note for {issued.number} created with its lines; "
        "change what is to be credited and issue it."
    ]


def test_credit_note_of_a_void_invoice_is_refused(client, issued):
    _post(client, issued, "void", {"reason": "Wrong customer"})

    response = _post(client, issued, "credit-note")

    assert messages_of(response) == [
        "A credit note can only refer to an issued invoice. Status: void"
    ]
    assert Invoice.objects.filter(kind="credit_note", status="draft").count() == 0


def test_issued_credit_note_shows_on_the_invoice_page(client, issued):
    _post(client, issued, "credit-note")
    note = Invoice.objects.get(kind="credit_note")
    _post(client, note, "issue")
    note.refresh_from_db()

    page = client.get(change_url(issued))

    issued.refresh_from_db()
    assert issued.status == "credited"
    assert issued.credited_total == Decimal("119.00")
    text = page_text(page)
    assert "Status: Credited" in text
    assert f"Credited 119,00{EUR} Amount due 0,00{EUR}" in text
    assert f'<a href="{change_url(note)}">{note.number}</a>' in page.content.decode()
    # and the credit note links back to the invoice it corrects
    note_page = client.get(change_url(note)).content.decode()
    assert f'<a href="{change_url(issued)}">{issued.number}</a>' in note_page


def test_void_with_a_reason_cancels_with_a_credit_note(client, issued):
    response = _post(client, issued, "void", {"reason": "Wrong customer"})

    issued.refresh_from_db()
    note = Invoice.objects.get(kind="credit_note")
    assert (issued.status, issued.void_reason) == ("void", "Wrong customer")
    assert note.status != "draft"
    assert note.gross_total == Decimal("119.00")
    assert messages_of(response) == [
        f"Voided {issued.number}; cancelled by credit note {note.number}."
    ]
    assert "Void reason: Wrong customer" in page_text(response)


def test_void_without_a_reason_is_refused(client, issued):
    response = _post(client, issued, "void", {"reason": ""})

    assert messages_of(response) == ["Reason: This field is required."]
    issued.refresh_from_db()
    assert issued.status == "issued"


def test_void_of_a_paid_invoice_is_refused(client, issued):
    _post(client, issued, "record-payment", {"amount": "19.00"})

    response = _post(client, issued, "void", {"reason": "Too late"})

    (message,) = messages_of(response)
    assert message == (
        "The invoice has payments; correct it with a credit note instead. "
        "Status: partially_paid; Paid total: 19.00"
    )
    issued.refresh_from_db()
    assert issued.status == "partially_paid"
    assert Invoice.objects.filter(kind="credit_note").count() == 0


# --- sending, link, documents ------------------------------------------------------------


def test_send_queues_an_email_to_the_customer(client, issued, staff_user):
    response = _post(client, issued, "send", {"to": "", "pdf_format": "pdf"})

    sending = InvoiceSending.objects.get()
    assert (sending.to, sending.sent_by, sending.attach_ubl) == (
        ["ap@buyer.example"],
        staff_user,
        False,
    )
    assert messages_of(response) == ["E-mail to ap@buyer.example queued; it leaves in a moment."]


def test_send_to_given_addresses_with_ubl(client, issued):
    _post(
        client,
        issued,
        "send",
        {"to": "a@x.example, b@x.example", "attach_ubl": "on", "pdf_format": "facturx"},
    )

    sending = InvoiceSending.objects.get()
    assert (sending.to, sending.attach_ubl, sending.pdf_format) == (
        ["a@x.example", "b@x.example"],
        True,
        "facturx",
    )


def test_send_without_any_address_is_refused(client, staff_user, company):
    silent = CustomerFactory(owner=staff_user, email="")
    invoice = make_issued(owner=staff_user, customer=silent)

    response = _post(client, invoice, "send", {"to": "", "pdf_format": "pdf"})

    assert messages_of(response) == [
        "The customer has no e-mail address; give one in `to`. "
        "To: The customer has no e-mail address."
    ]
    assert InvoiceSending.objects.count() == 0


def test_send_to_a_bad_address_is_refused_by_the_form(client, issued):
    response = _post(client, issued, "send", {"to": "not-an-address", "pdf_format": "pdf"})

    assert messages_of(response) == ["To: Enter a valid email address."]
    assert InvoiceSending.objects.count() == 0


def test_the_public_link_is_shown_and_can_be_revoked(client, issued):
    old = issued.public_token
    page = client.get(change_url(issued)).content.decode()
    assert f'value="http://testserver/i/{old}/"' in page

    response = _post(client, issued, "revoke-link")

    issued.refresh_from_db()
    assert issued.public_token != old
    assert messages_of(response) == [
        "The customer's old link no longer works; the new one is below."
    ]
    assert f"/i/{issued.public_token}/" in response.content.decode()
    assert client.get(f"/i/{old}/").status_code == 404


def test_a_draft_has_no_public_link_to_revoke(client, staff_user, customer):
    draft = make_draft(owner=staff_user, customer=customer)

    response = _post(client, draft, "revoke-link")

    assert messages_of(response) == ["Only issued invoices have documents."]


@pytest.mark.parametrize(
    ("fmt", "mimetype", "start"),
    [("pdf", "application/pdf", b"%PDF"), ("ubl", "application/xml", b"<?xml")],
)
def test_documents_download_with_the_session(client, issued, fmt, mimetype, start):
    response = client.get(change_url(issued, f"document/{fmt}"))

    assert response.status_code == 200
    assert response["Content-Type"] == mimetype
    assert response["Content-Disposition"].startswith(f'attachment; filename="{issued.number}')
    assert response.content.startswith(start)


def test_a_draft_has_a_pdf_preview_but_no_e_invoice(client, staff_user, customer):
    draft = make_draft(owner=staff_user, customer=customer)

    preview = client.get(change_url(draft, "document/pdf"))
    assert preview.status_code == 200
    assert preview.content.startswith(b"%PDF")

    refused = client.get(change_url(draft, "document/ubl"), follow=True)
    assert messages_of(refused) == ["Drafts have no e-invoice; issue the invoice first."]


# --- ownership ----------------------------------------------------------------------------


def test_staff_cannot_act_on_another_s_invoice(other_staff, issued):
    intruder = logged_in(other_staff)

    assert intruder.get(change_url(issued, "document/pdf")).status_code == 404
    for action, data in [
        ("record-payment", {"amount": "1.00"}),
        ("void", {"reason": "mine now"}),
        ("credit-note", {}),
        ("send", {"to": "x@x.example"}),
        ("revoke-link", {}),
    ]:
        assert intruder.post(change_url(issued, action), data).status_code == 404, action
    issued.refresh_from_db()
    assert issued.status == "issued"
    assert Payment.objects.count() == InvoiceSending.objects.count() == 0
    assert Invoice.objects.count() == 1


def test_a_credit_note_shows_its_refund_due_and_records_the_refund(client, staff_user, customer):
    note = make_issued(owner=staff_user, customer=customer, kind="credit_note", series="CN")
    assert f"Refunded 0,00{EUR} Refund due 119,00{EUR}" in page_text(client.get(change_url(note)))

    response = _post(client, note, "record-payment", {"amount": "119.00"})

    note.refresh_from_db()
    assert (note.status, note.refund_due) == ("paid", Decimal("0.00"))
    assert messages_of(response) == [
        f"Recorded 119,00{EUR} on {note.payments.get().date.isoformat()}; refund due now 0,00{EUR}."
    ]
    assert f"Refunded 119,00{EUR} Refund due 0,00{EUR}" in page_text(response)


def test_issuing_twice_is_refused_by_the_service(client, issued):
    number = issued.number

    response = _post(client, issued, "issue")

    assert messages_of(response) == ["Only drafts can be issued. Status: issued"]
    issued.refresh_from_db()
    assert issued.number == number
    assert NumberSequence.objects.get().last_value == 1


# --- reminders paused (list actions) ---------------------------------------------------


def test_list_actions_pause_and_resume_reminders_of_issued_invoices(client, staff_user, issued):
    changelist = "/admin/invoices/invoice/"
    other = make_issued(owner=staff_user, customer=issued.customer)

    response = client.post(
        changelist,
        {"action": "pause_reminders_selected", "_selected_action": [issued.pk, other.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert messages_of(response) == ["Paused reminders of 2 invoice(s)."]
    assert set(Invoice.objects.values_list("reminders_paused", flat=True)) == {True}
    client.post(
        changelist, {"action": "resume_reminders_selected", "_selected_action": [issued.pk]}
    )
    issued.refresh_from_db()
    other.refresh_from_db()
    assert (issued.reminders_paused, other.reminders_paused) == (False, True)
    assert issued.status == "issued"  # state changed, content untouched
