"""Every issued document validates in its customer's profile (issue 13, item 4), and
what cannot is refused at issue with the rule and the field to fix (item 3).

Invoices and credit notes are written and issued through the API with validation on;
their UBL and CII downloads are then checked again here against XSD + CEN + the
profile's rules (Peppol BIS 3 or XRechnung 3), with zero errors, and a copy with one
total changed by 0.01 must fail, or the check proves nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from lxml import etree

from customers.models import Customer
from customers.services import customer_create
from documents.einvoice import schematron
from documents.einvoice.validation import errors_only, validate_cii, validate_ubl
from invoices.models import Invoice

pytestmark = pytest.mark.skipif(
    not schematron.rules_available(),
    reason=f"official e-invoice rule sources not found at {schematron.rules_dir()}",
)

PROFILES = ("peppol", "xrechnung", "en16931")
LEITWEG_ID = "04011000-12345-03"  # valid check digits (a KoSIT example's)

BUYERS: dict[str, dict[str, Any]] = {
    "DE": {"tax_id": "DE987654321", "city": "München", "postal_code": "80331"},
    "FR": {"tax_id": "FR40303265045", "city": "Paris", "postal_code": "75001"},
    "NL": {"tax_id": "NL123456789B01", "city": "Amsterdam", "postal_code": "1011 AB"},
    "BE": {"tax_id": "BE0123456749", "city": "Bruxelles", "postal_code": "1000"},
    "IT": {"tax_id": "IT00743110157", "city": "Milano", "postal_code": "20121"},
    "FI": {"tax_id": "FI12345671", "city": "Helsinki", "postal_code": "00100"},
    "AT": {"tax_id": "ATU12345678", "city": "Wien", "postal_code": "1010"},
    # No VAT id: Peppol needs an explicit endpoint (DUNS, EAS 0060).
    "US": {"city": "New York", "postal_code": "10001", "endpoint": ("0060", "123456789")},
}


def item(description="Consulting", quantity="1", price="100.00", category="S", rate="19", **kw):
    return {
        "description": description,
        "quantity": quantity,
        "unit_price": price,
        "tax_category": category,
        "tax_rate": rate,
        **kw,
    }


# name: (buyer country, currency, invoice fields)
SCENARIOS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "S 19/7": ("DE", "EUR", {"items": [item(), item("Books", "3", "12.50", rate="7")]}),
    "S 20/5.5/10": (
        "FR",
        "EUR",
        {"items": [item(rate="20"), item("Food", "2", "9.99", rate="5.5"), item(rate="10")]},
    ),
    "S 21/9": ("NL", "EUR", {"items": [item(rate="21"), item("Bread", "4", "2.35", rate="9")]}),
    "S 24/14/10 SEK": (
        "FI",
        "SEK",
        {"items": [item(rate="24"), item(rate="14"), item("Paper", "7", "3.3333", rate="10")]},
    ),
    "Z": ("DE", "EUR", {"items": [item(category="Z", rate="0")]}),
    "E with reason": (
        "AT",
        "CHF",
        {
            "items": [item("Training", category="E", rate="0")],
            "vat_exemptions": [
                {"tax_category": "E", "code": "VATEX-EU-132-1I", "reason": "Art. 132(1)(i)"}
            ],
        },
    ),
    "AE": ("BE", "EUR", {"items": [item(category="AE", rate="0")]}),
    "K with delivery": (
        "IT",
        "EUR",
        {"items": [item(category="K", rate="0")], "delivery_date": "2026-01-05"},
    ),
    "G USD": ("US", "USD", {"items": [item(category="G", rate="0")]}),
    "O alone": ("DE", "EUR", {"items": [item(category="O", rate="0")]}),
    "allowances, charges, period": (
        "DE",
        "EUR",
        {
            "items": [
                item(quantity="10", price="19.95", discount_amount="5.00"),
                item("Setup", charge_amount="12.00", rate="7"),
            ],
            "allowances_charges": [
                {"is_charge": False, "amount": "10.00", "reason": "Loyalty", "tax_rate": "19"},
                {"is_charge": True, "amount": "4.90", "reason": "Freight", "tax_rate": "19"},
            ],
            "period_start": "2026-01-01",
            "period_end": "2026-01-31",
            "order_reference": "PO-2026-17",
            "payment_terms": "30 days net",
        },
    ),
    "special characters": (
        "DE",
        "EUR",
        {
            "items": [item("Ünïcödé <&> \"quoted\" 'x' 日本語 Ελληνικά Кириллица")],
            "notes": "Tom & Jerry <GmbH> — ½ price",
        },
    ),
}


@pytest.fixture
def seller(company):
    company.contact_name = "Erika Mustermann"
    company.phone = "+49 30 1234567"
    company.save()
    return company


def _customer(owner, country: str, profile: str) -> Customer:
    data = dict(BUYERS[country])
    scheme, endpoint = data.pop("endpoint", ("", ""))
    return customer_create(
        owner=owner,
        name=f"Käufer {country} & Co.",
        email=f"ap@{country.lower()}.example",
        street="Main Street 1",
        country=country,
        currency="EUR",
        einvoice_profile=profile,
        endpoint_scheme=scheme,
        endpoint_id=endpoint,
        buyer_reference=LEITWEG_ID if profile == "xrechnung" else f"REF-{country}",
        **data,
    )


def _issue(client, customer: Customer, currency: str, fields: dict[str, Any], **extra):
    body = {"customer": customer.pk, "currency": currency, **fields, **extra}
    created = client.post("/api/invoices/", body, format="json")
    assert created.status_code == 201, created.json()
    return client.post(f"/api/invoices/{created.json()['id']}/issue/", {}, format="json")


def _tampered(xml: bytes, syntax: str) -> bytes:
    root = etree.fromstring(xml)
    name = "PayableAmount" if syntax == "ubl" else "DuePayableAmount"
    element = next(root.iter(f"{{*}}{name}"))
    element.text = str(Decimal(element.text) + Decimal("0.01"))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _check_downloads(client, invoice_id: int, profile: str) -> None:
    for syntax, validate in (("ubl", validate_ubl), ("cii", validate_cii)):
        response = client.get(f"/api/invoices/{invoice_id}/{syntax}/")
        assert response.status_code == 200, (syntax, response.content[:500])
        xml = response.content
        errors = errors_only(validate(xml, profile))
        assert errors == [], (syntax, [(v.rule_id, v.message[:120]) for v in errors])
        rules = {v.rule_id for v in errors_only(validate(_tampered(xml, syntax), profile))}
        assert rules & {"BR-CO-16", "BR-CO-15"}, (syntax, rules)


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_issued_documents_validate_in_their_profile(
    scenario, profile, staff_client, staff_user, seller, settings
):
    settings.EINVOICE_VALIDATE_ON_ISSUE = True
    country, currency, fields = SCENARIOS[scenario]
    customer = _customer(staff_user, country, profile)

    issued = _issue(staff_client, customer, currency, fields)

    assert issued.status_code == 200, issued.json()
    body = issued.json()
    assert body["einvoice_profile"] == profile
    _check_downloads(staff_client, body["id"], profile)


@pytest.mark.parametrize("profile", PROFILES)
def test_partially_paid_invoice_and_its_credit_note(
    profile, staff_client, staff_user, seller, settings
):
    settings.EINVOICE_VALIDATE_ON_ISSUE = True
    customer = _customer(staff_user, "DE", profile)
    invoice = _issue(staff_client, customer, "EUR", SCENARIOS["S 19/7"][2]).json()
    paid = staff_client.post(
        f"/api/invoices/{invoice['id']}/payments/",
        {"amount": "50.00", "date": timezone.localdate().isoformat()},
        format="json",
    )
    assert paid.status_code == 201, paid.json()
    _check_downloads(staff_client, invoice["id"], profile)  # as issued: nothing paid

    draft = staff_client.post(f"/api/invoices/{invoice['id']}/credit-note/", {}, format="json")
    assert draft.status_code == 201, draft.json()
    issued = staff_client.post(f"/api/invoices/{draft.json()['id']}/issue/", {}, format="json")
    assert issued.status_code == 200, issued.json()
    _check_downloads(staff_client, issued.json()["id"], profile)


# --- refused at issue, with the rule and the field; no number drawn -----------------


def _refusal(response) -> dict[str, list[str]]:
    assert response.status_code == 409, response.json()
    error = response.json()["error"]
    assert error["code"] in ("einvoice_invalid", "invoice_not_issuable"), error
    assert not Invoice.objects.filter(number__isnull=False).exists()
    return error["details"]


@pytest.mark.parametrize(
    ("profile", "country", "change", "fields", "rule", "field"),
    [
        # Peppol: a buyer with neither VAT id nor endpoint has no electronic address.
        ("peppol", "US", {"endpoint": None}, {}, "PEPPOL-EN16931-R010", "customer.endpoint_id"),
        # XRechnung: no buyer reference (BT-10), and none is made up.
        ("xrechnung", "DE", {"buyer_reference": ""}, {}, "BR-DE-15", "buyer_reference"),
        # Reverse charge to a buyer without VAT id.
        (
            "en16931",
            "US",
            {},
            {"items": [item(category="AE", rate="0")]},
            "BR-AE-02",
            "customer.tax_id",
        ),
        # A unit code outside UN/ECE rec 20.
        ("en16931", "DE", {}, {"items": [item(unit_code="PCS")]}, "BR-CL-23", "items.0.unit_code"),
        # O mixed with S.
        (
            "en16931",
            "DE",
            {},
            {"items": [item(), item(category="O", rate="0")]},
            "BR-O-11",
            None,
        ),
    ],
)
def test_unexportable_invoices_are_refused_with_the_field(
    profile, country, change, fields, rule, field, staff_client, staff_user, seller, settings
):
    settings.EINVOICE_VALIDATE_ON_ISSUE = True
    customer = _customer(staff_user, country, profile)
    for name, value in change.items():
        if name == "endpoint":
            customer.endpoint_id = customer.endpoint_scheme = ""
        else:
            setattr(customer, name, value)
    customer.save()
    fields = fields or SCENARIOS["S 19/7"][2]
    extra = {"buyer_reference": customer.buyer_reference}

    details = _refusal(_issue(staff_client, customer, "EUR", fields, **extra))

    assert rule in details["rules"], details
    listed = [v for v in details["violations"] if v["rule"] == rule]
    assert listed and listed[0]["message"]
    if field:
        assert listed[0]["field"] == field, listed


def test_exempt_without_reason_is_refused(staff_client, staff_user, seller, settings):
    settings.EINVOICE_VALIDATE_ON_ISSUE = False  # refused by the services, setting or not
    customer = _customer(staff_user, "DE", "en16931")
    details = _refusal(
        _issue(staff_client, customer, "EUR", {"items": [item(category="E", rate="0")]})
    )
    assert "vat_exemptions" in details


def test_vat_exemptions_are_validated_on_write(staff_client, staff_user, seller):
    customer = _customer(staff_user, "DE", "en16931")
    response = staff_client.post(
        "/api/invoices/",
        {
            "customer": customer.pk,
            "items": [item()],
            "vat_exemptions": [
                {"tax_category": "E", "code": "VATEX-XX-NOPE"},
                {"tax_category": "AE"},
            ],
        },
        format="json",
    )
    assert response.status_code == 400, response.json()
    details = response.json()["error"]["details"]["vat_exemptions"]
    assert set(details) == {"0", "1"}


def test_period_end_before_start_is_a_400(staff_client, staff_user, seller):
    customer = _customer(staff_user, "DE", "en16931")
    response = staff_client.post(
        "/api/invoices/",
        {
            "customer": customer.pk,
            "items": [item()],
            "period_start": "2026-02-01",
            "period_end": "2026-01-01",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "period_end" in response.json()["error"]["details"]


def test_business_terms_are_read_back_and_printed(staff_client, staff_user, seller):
    customer = _customer(staff_user, "DE", "xrechnung")
    fields = SCENARIOS["allowances, charges, period"][2]
    created = staff_client.post(
        "/api/invoices/", {"customer": customer.pk, **fields}, format="json"
    ).json()
    assert created["buyer_reference"] == LEITWEG_ID  # the customer's default BT-10
    assert created["order_reference"] == "PO-2026-17"
    assert (created["period_start"], created["period_end"]) == ("2026-01-01", "2026-01-31")
    assert created["payment_terms"] == "30 days net"
    pdf = staff_client.get(f"/api/invoices/{created['id']}/pdf/")
    assert pdf.status_code == 200


def test_default_payment_terms_in_the_customers_language(staff_client, staff_user, seller):
    customer = _customer(staff_user, "DE", "en16931")
    customer.preferred_language = "de"
    customer.save()
    issued = _issue(staff_client, customer, "EUR", SCENARIOS["S 19/7"][2]).json()
    due = dt.date.fromisoformat(issued["due_date"])
    assert issued["payment_terms"].startswith("Zahlbar ohne Abzug bis ")
    assert str(due.year) in issued["payment_terms"]


@pytest.mark.parametrize(
    ("scheme", "endpoint", "status"),
    [("9930", "DE987654321", 201), ("XX", "1", 400), ("0204", "04011000-12345-04", 400)],
)
def test_customer_endpoint_is_checked(staff_client, scheme, endpoint, status):
    response = staff_client.post(
        "/api/customers/",
        {"name": "B", "endpoint_scheme": scheme, "endpoint_id": endpoint},
        format="json",
    )
    assert response.status_code == status, response.json()


def test_wrong_leitweg_check_digits_are_a_400(staff_client):
    response = staff_client.post(
        "/api/customers/",
        {"name": "B", "einvoice_profile": "xrechnung", "buyer_reference": "04011000-12345-04"},
        format="json",
    )
    assert response.status_code == 400
    assert "buyer_reference" in response.json()["error"]["details"]


def test_settings_endpoint_scheme_is_an_eas_code(admin_client, company):
    bad = admin_client.patch(
        "/api/settings/company/", {"endpoint_scheme": "EMX", "endpoint_id": "x"}, format="json"
    )
    assert bad.status_code == 400
    good = admin_client.patch(
        "/api/settings/company/",
        {"endpoint_scheme": "9930", "endpoint_id": "DE123456789", "contact_name": "Erika"},
        format="json",
    )
    assert good.status_code == 200, good.json()
    assert good.json()["contact_name"] == "Erika"


# --- currencies (item 6) ------------------------------------------------------------


def test_jpy_line_off_the_yen_is_refused_for_peppol_with_r120(
    staff_client, staff_user, seller, settings
):
    settings.EINVOICE_VALIDATE_ON_ISSUE = True
    fields = {"items": [item(quantity="3", price="33.5")]}  # 100.5 -> 101 yen
    details = _refusal(_issue(staff_client, _customer(staff_user, "DE", "peppol"), "JPY", fields))
    assert "PEPPOL-EN16931-R120" in details["rules"]
    assert "items.0.unit_price" in details["fields"], details
    # EN 16931 and XRechnung have no R120: the same invoice is issued and valid there.
    for profile in ("en16931", "xrechnung"):
        customer = _customer(staff_user, "DE", profile)
        issued = _issue(staff_client, customer, "JPY", fields)
        assert issued.status_code == 200, issued.json()
        assert issued.json()["items"][0]["net_amount"] == "101"
        _check_downloads(staff_client, issued.json()["id"], profile)


@pytest.mark.parametrize("profile", PROFILES)
def test_kwd_with_three_decimals_is_refused_and_two_pass(
    profile, staff_client, staff_user, seller, settings
):
    settings.EINVOICE_VALIDATE_ON_ISSUE = True
    customer = _customer(staff_user, "DE", profile)
    details = _refusal(_issue(staff_client, customer, "KWD", {"items": [item(price="1.234")]}))
    assert any(rule.startswith("BR-DEC-") for rule in details["rules"])
    assert "currency" in details["fields"]
    issued = _issue(staff_client, customer, "KWD", {"items": [item(price="100.000")]})
    assert issued.status_code == 200, issued.json()
    _check_downloads(staff_client, issued.json()["id"], profile)
