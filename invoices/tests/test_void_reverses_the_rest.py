"""Void after partial credit notes: the cancellation reverses exactly what is left, per
VAT category and rate, to the cent, though VAT is rounded per document (a void invoice
owes 0.00 and its credit notes add up to its gross)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from customers.models import Customer
from documents.adapters import invoice_document
from documents.einvoice.cii import build_cii
from documents.einvoice.ubl import build_ubl
from documents.einvoice.validation import cii_errors, ubl_errors
from invoices.calculation import CalculationError
from invoices.models import Invoice
from invoices.tests.admin_helpers import change_url, logged_in
from invoices.tests.factories import allowance, line, make_issued
from invoices.totals import totals_for

pytestmark = pytest.mark.django_db
URL = "/api/invoices/"


def _credit_part(client, invoice_id: int, *items: dict) -> dict:
    draft = client.post(f"{URL}{invoice_id}/credit-note/").json()
    patched = client.patch(f"{URL}{draft['id']}/", {"items": list(items)}, format="json")
    assert patched.status_code == 200, patched.json()
    issued = client.post(f"{URL}{draft['id']}/issue/")
    assert issued.status_code == 200, issued.json()
    return issued.json()


def _part(unit_price: str, tax_rate: str = "19.00") -> dict:
    return {"description": "Part", "quantity": "1", "unit_price": unit_price, "tax_rate": tax_rate}


def _cancellation(body: dict) -> dict:
    return [note for note in body["credit_notes"] if note["id"] != body["id"]][-1]


def _breakdown(document: dict) -> list[tuple[str, str, str, str]]:
    return [
        (g["tax_category"], g["tax_rate"], g["taxable_amount"], g["tax_amount"])
        for g in document["tax_breakdown"]
    ]


def _assert_void_and_settled(client, invoice_id: int, gross: str) -> dict:
    body = client.get(f"{URL}{invoice_id}/").json()
    assert (body["status"], body["amount_due"], body["credited_total"]) == ("void", "0.00", gross)
    grosses = sum(Decimal(note["gross_total"]) for note in body["credit_notes"])
    assert grosses == Decimal(gross)
    assert Customer.all_objects.get(pk=body["customer"]).balance_due == Decimal("0.00")
    return body


def test_void_after_a_one_cent_credit_reverses_the_cent_of_vat_left(
    staff_client, staff_user, company
):
    # given 3 x 0.01 + 19 % (0.0057 -> 0.01) = 0.04, credited 0.01 (VAT 0.0019 -> 0.00):
    # left are net 0.02 and VAT 0.01, though 0.02 x 19 % rounds to 0.00
    invoice = make_issued(owner=staff_user, items=[line(quantity="3", unit_price="0.01")])
    assert invoice.gross_total == Decimal("0.04")
    first = _credit_part(staff_client, invoice.id, _part("0.01"))
    assert first["gross_total"] == "0.01"

    response = staff_client.post(f"{URL}{invoice.id}/void/", {"reason": "Cancelled"})

    assert response.status_code == 200, response.json()
    body = _assert_void_and_settled(staff_client, invoice.id, "0.04")
    cancellation = staff_client.get(f"{URL}{_cancellation(body)['id']}/").json()
    assert (cancellation["net_total"], cancellation["tax_total"]) == ("0.02", "0.01")
    assert (cancellation["gross_total"], cancellation["status"]) == ("0.03", "paid")
    assert _breakdown(cancellation) == [("S", "19.00", "0.02", "0.01")]
    [item] = cancellation["items"]
    assert (item["quantity"], item["unit_price"], item["net_amount"]) == (
        "1.0000",
        "0.0200",
        "0.02",
    )


def test_void_reverses_each_rate_and_a_group_with_vat_but_no_net_left(
    staff_client, staff_user, company
):
    # given 19 %: 3 x 0.01 (VAT 0.01) and 7 %: 100.00 (VAT 7.00) = 107.04; credited at
    # 19 % 0.02 then 0.01 (VAT 0.00 each) and at 7 % 10.00 (0.70)
    invoice = make_issued(
        owner=staff_user,
        items=[line(quantity="3", unit_price="0.01"), line(unit_price="100.00", tax_rate="7.00")],
    )
    assert invoice.gross_total == Decimal("107.04")
    _credit_part(staff_client, invoice.id, _part("0.02"), _part("10.00", "7.00"))
    _credit_part(staff_client, invoice.id, _part("0.01"))

    response = staff_client.post(f"{URL}{invoice.id}/void/", {"reason": "Cancelled"})

    assert response.status_code == 200, response.json()
    body = _assert_void_and_settled(staff_client, invoice.id, "107.04")
    cancellation = staff_client.get(f"{URL}{_cancellation(body)['id']}/").json()
    # at 19 % no net is left, only its cent of VAT; at 7 % 90.00 and 6.30
    assert _breakdown(cancellation) == [
        ("S", "19.00", "0.00", "0.01"),
        ("S", "7.00", "90.00", "6.30"),
    ]
    assert (cancellation["net_total"], cancellation["tax_total"]) == ("90.00", "6.31")
    assert cancellation["gross_total"] == "96.31"
    assert [(i["tax_rate"], i["net_amount"]) for i in cancellation["items"]] == [
        ("19.00", "0.00"),
        ("7.00", "90.00"),
    ]


def test_void_reverses_a_rate_credited_beyond_the_invoice_with_an_allowance(
    staff_client, staff_user, company
):
    # given 19 %: 100.00 (119.00); a credit note of 10.00 at 7 % (10.70), a rate the
    # invoice never had: left are +100.00 at 19 % and -10.00 at 7 %
    invoice = make_issued(owner=staff_user, items=[line(unit_price="100.00")])
    _credit_part(staff_client, invoice.id, _part("10.00", "7.00"))

    response = staff_client.post(f"{URL}{invoice.id}/void/", {"reason": "Cancelled"})

    assert response.status_code == 200, response.json()
    body = _assert_void_and_settled(staff_client, invoice.id, "119.00")
    cancellation = staff_client.get(f"{URL}{_cancellation(body)['id']}/").json()
    assert _breakdown(cancellation) == [
        ("S", "19.00", "100.00", "19.00"),
        ("S", "7.00", "-10.00", "-0.70"),
    ]
    assert (cancellation["allowance_total"], cancellation["gross_total"]) == ("10.00", "108.30")


def test_void_without_earlier_credits_mirrors_the_invoice_with_its_allowances(
    staff_client, staff_user, company
):
    invoice = make_issued(
        owner=staff_user,
        items=[line(quantity="3", unit_price="0.01"), line(unit_price="10.00", tax_rate="7.00")],
        allowances_charges=[allowance("1.00", "7.00"), allowance("0.50", charge=True)],
    )

    response = staff_client.post(f"{URL}{invoice.id}/void/", {"reason": "Cancelled"})

    assert response.status_code == 200, response.json()
    body = _assert_void_and_settled(staff_client, invoice.id, str(invoice.gross_total))
    cancellation = staff_client.get(f"{URL}{_cancellation(body)['id']}/").json()
    assert _breakdown(cancellation) == _breakdown(body)
    assert len(cancellation["allowances_charges"]) == 2


def test_the_admin_void_action_reverses_the_cent_too(staff_client, staff_user, company):
    invoice = make_issued(owner=staff_user, items=[line(quantity="3", unit_price="0.01")])
    _credit_part(staff_client, invoice.id, _part("0.01"))

    response = logged_in(staff_user).post(change_url(invoice, "void"), {"reason": "Cancelled"})

    assert response.status_code == 302
    _assert_void_and_settled(staff_client, invoice.id, "0.04")
    assert Invoice.objects.filter(credited_invoice=invoice).count() == 2


def test_a_full_copy_after_a_partial_credit_is_refused_not_rounded(
    staff_client, staff_user, company
):
    # the "credit the rest" path is the void; a copy of every line exceeds what is left
    invoice = make_issued(owner=staff_user, items=[line(quantity="3", unit_price="0.01")])
    _credit_part(staff_client, invoice.id, _part("0.01"))
    draft = staff_client.post(f"{URL}{invoice.id}/credit-note/").json()

    refused = staff_client.post(f"{URL}{draft['id']}/issue/")

    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "credit_exceeds_invoice")
    body = staff_client.get(f"{URL}{invoice.id}/").json()
    assert (body["status"], body["amount_due"], body["credited_total"]) == (
        "issued",
        "0.03",
        "0.01",
    )


def _einvoice_errors(doc) -> set[str]:
    found = ubl_errors(build_ubl(doc)) + cii_errors(build_cii(doc, facturx=True))
    return {violation.rule_id for violation in found}


def test_the_cancellations_with_a_cent_of_vat_export_valid_e_invoices(
    staff_client, staff_user, company
):
    invoice = make_issued(
        owner=staff_user,
        items=[line(quantity="3", unit_price="0.01"), line(unit_price="100.00", tax_rate="7.00")],
    )
    _credit_part(staff_client, invoice.id, _part("0.02"), _part("10.00", "7.00"))
    _credit_part(staff_client, invoice.id, _part("0.01"))
    body = staff_client.post(f"{URL}{invoice.id}/void/", {"reason": "Cancelled"}).json()
    cancellation = Invoice.objects.get(pk=_cancellation(body)["id"])
    doc = invoice_document(cancellation)

    assert _einvoice_errors(doc) == set()
    # the rules do check the VAT: beyond their tolerance (±1) the same document fails
    [cent, seven] = doc.tax_breakdown
    off = dataclasses.replace(cent, tax_amount=Decimal("1.01"))
    tampered = dataclasses.replace(
        doc,
        tax_breakdown=(off, seven),
        tax_total=Decimal("7.31"),
        gross_total=Decimal("97.31"),
        amount_due=Decimal("97.31"),
    )
    assert "BR-S-09" in _einvoice_errors(tampered)


def _row(**fields: str) -> dict:
    return line(**fields, price_base_quantity="1", discount_amount="0", charge_amount="0")


def test_given_vat_replaces_a_group_s_and_the_totals_follow():
    items = [_row(quantity="2", unit_price="0.01"), _row(unit_price="10.00", tax_rate="7.00")]

    totals = totals_for(
        items=items,
        allowances_charges=[],
        currency="EUR",
        tax_amounts={("S", Decimal("19")): Decimal("0.01")},
    )

    assert [(g.tax_rate, g.taxable_amount, g.tax_amount) for g in totals.tax_breakdown] == [
        (Decimal("19.00"), Decimal("0.02"), Decimal("0.01")),
        (Decimal("7.00"), Decimal("10.00"), Decimal("0.70")),
    ]
    assert (totals.net_total, totals.tax_total, totals.gross_total, totals.amount_due) == (
        Decimal("10.02"),
        Decimal("0.71"),
        Decimal("10.73"),
        Decimal("10.73"),
    )
    assert totals.line_nets == (Decimal("0.02"), Decimal("10.00"))


def test_given_vat_for_a_group_without_lines_is_refused():
    with pytest.raises(CalculationError, match="without lines"):
        totals_for(
            items=[_row()],
            allowances_charges=[],
            currency="EUR",
            tax_amounts={("S", Decimal("7.00")): Decimal("0.01")},
        )


@pytest.mark.parametrize("credited_first", [False, True])
def test_void_of_an_exempt_invoice_keeps_its_exemption(
    staff_client, staff_user, company, credited_first
):
    exemption = {"tax_category": "E", "code": "VATEX-EU-132-1I", "reason": "Education"}
    invoice = make_issued(
        owner=staff_user,
        items=[line(unit_price="80.00", tax_category="E", tax_rate="0"), line()],
        vat_exemptions=[exemption],
    )
    if credited_first:
        _credit_part(staff_client, invoice.id, _part("10.00"))

    response = staff_client.post(f"{URL}{invoice.id}/void/", {"reason": "Cancelled"})

    assert response.status_code == 200, response.json()
    body = _assert_void_and_settled(staff_client, invoice.id, "199.00")
    cancellation = staff_client.get(f"{URL}{_cancellation(body)['id']}/").json()
    assert cancellation["vat_exemptions"] == [exemption]
