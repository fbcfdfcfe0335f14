"""Editable e-mail texts: what may be saved (API and admin), how they are filled in."""

from __future__ import annotations

import json

import pytest
from django.contrib import admin as django_admin
from django.forms.models import model_to_dict
from django.test import RequestFactory

from documents.email_texts import KEYS, email_text, email_texts_errors, fill
from settings_app.models import CompanySettings

URL = "/api/settings/company/"
VALUES = {
    "number": "INV-1",
    "amount_due": "€5.00",
    "due_date": "Jan 1, 2027",
    "days_overdue": "3",
    "company": "Seller GmbH",
    "customer": "Buyer {SA}",  # braces in a value stay text
}
GOOD = {
    "invoice": {
        "de": {"subject": "Ihre Rechnung {number}", "intro": "Bitte zahlen Sie {amount_due}."}
    },
    "reminder_2": {"en": {"subject": "Still open: {number} ({days_overdue} days)"}},
}


def test_every_placeholder_and_literal_braces_are_accepted() -> None:
    texts = {
        "credit_note": {
            "fr": {
                "intro": "{number} {amount_due} {due_date} {days_overdue} {company} {customer} {{x}}"
            }
        }
    }
    assert email_texts_errors(texts) == []
    assert email_texts_errors(GOOD) == []
    assert set(KEYS) == {"invoice", "credit_note", *(f"reminder_{n}" for n in range(1, 6))}


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        (
            {"invoice": {"en": {"subject": "Hi {name}"}}},
            "invoice.en.subject: unknown placeholder {name}",
        ),
        ({"reminder_1": {"de": {"intro": "Betrag {amount_due"}}}, "reminder_1.de.intro: malformed"),
        ({"reminder_1": {"de": {"intro": "zu zahlen }"}}}, "reminder_1.de.intro: malformed"),
        (
            {"invoice": {"en": {"subject": "{number.__class__}"}}},
            "unknown placeholder {number.__class__}",
        ),
        ({"invoice": {"en": {"subject": "{0}"}}}, "invoice.en.subject: unknown placeholder {0}"),
        ({"invoice": {"en": {"subject": "{}"}}}, "invoice.en.subject: unknown placeholder {}"),
        ({"invoice": {"en": {"subject": "{amount_due:>20}"}}}, "takes no format or conversion"),
        ({"invoice": {"en": {"subject": "{number!r}"}}}, "takes no format or conversion"),
        ({"invoice": {"en": {"subject": "Line\nbreak"}}}, "invoice.en.subject: no line breaks"),
        ({"invoice": {"en": {"subject": ""}}}, "invoice.en.subject: expected a non-empty text"),
        ({"invoice": {"en": {"subject": 5}}}, "invoice.en.subject: expected a non-empty text"),
        ({"invoice": {"en": {"greeting": "Hi"}}}, "invoice.en.greeting: unknown field"),
        ({"invoice": {"it": {"subject": "Fattura"}}}, "invoice.it: unknown language"),
        ({"reminder_6": {"en": {"subject": "x"}}}, "reminder_6: unknown text"),
        ({"invoice": "Invoice {number}"}, "invoice: expected an object by language"),
        (["invoice"], "expected an object like"),
    ],
)
def test_what_is_refused_names_the_text(texts, message: str) -> None:
    problems = email_texts_errors(texts)
    assert len(problems) == 1
    assert message in problems[0]


def test_fill_refuses_what_the_check_refuses() -> None:
    assert fill("Invoice {number} for {customer}", VALUES) == "Invoice INV-1 for Buyer {SA}"
    with pytest.raises(ValueError, match="unknown placeholder"):
        fill("Invoice {nope}", VALUES)


@pytest.mark.django_db
def test_a_company_text_wins_and_a_broken_one_falls_back_to_the_default() -> None:
    texts = {"reminder_1": {"en": {"subject": "Pay {number} now", "intro": "Broken {oops}"}}}
    subject, intro = email_text(texts, key="reminder_1", lang="en", values=VALUES)
    assert subject == "Pay INV-1 now"
    assert intro.startswith("Our invoice INV-1 was due on Jan 1, 2027")
    assert "{" not in intro
    # Another language keeps its translated default; level 4 reads as the final notice.
    assert email_text(texts, key="reminder_1", lang="de", values=VALUES)[0] == (
        "Zahlungserinnerung: Rechnung INV-1"
    )
    assert email_text({}, key="reminder_4", lang="fr", values=VALUES)[0] == (
        "Mise en demeure : facture INV-1"
    )


# --- the two ways in: API and admin ---------------------------------------------------


@pytest.mark.django_db
def test_api_saves_valid_texts(admin_client, company) -> None:
    response = admin_client.patch(URL, {"email_texts": GOOD}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["email_texts"] == GOOD
    assert CompanySettings.objects.get().email_texts == GOOD


@pytest.mark.django_db
def test_api_refuses_an_unknown_placeholder_naming_the_key(admin_client, company) -> None:
    bad = {"reminder_1": {"de": {"subject": "Mahnung {nummer}"}}}
    response = admin_client.patch(URL, {"email_texts": bad}, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    [message] = error["details"]["email_texts"]
    assert message.startswith("reminder_1.de.subject: unknown placeholder {nummer}")
    assert CompanySettings.objects.get().email_texts == {}


@pytest.mark.django_db
def test_api_refuses_a_malformed_text(admin_client, company) -> None:
    bad = {"invoice": {"en": {"intro": "Pay {amount_due"}}}
    response = admin_client.patch(URL, {"email_texts": bad}, format="json")
    assert response.status_code == 400
    assert "invoice.en.intro: malformed" in response.json()["error"]["details"]["email_texts"][0]


def _admin_form(company, email_texts, user):
    """The company settings admin's own form, bound to the stored values plus the texts."""
    model_admin = django_admin.site._registry[CompanySettings]
    request = RequestFactory().post("/")
    request.user = user
    form_class = model_admin.get_form(request, obj=company)
    data = {
        key: value
        for key, value in model_to_dict(company).items()
        if key in form_class.base_fields and value is not None and key != "logo"
    }
    data["reminder_levels"] = json.dumps(company.reminder_levels)
    data["email_texts"] = email_texts if isinstance(email_texts, str) else json.dumps(email_texts)
    return form_class(data=data, instance=company)


@pytest.mark.django_db
def test_admin_form_refuses_an_unknown_placeholder(company, admin_user) -> None:
    form = _admin_form(company, {"credit_note": {"fr": {"subject": "Avoir {numero}"}}}, admin_user)
    assert not form.is_valid()
    assert form.errors["email_texts"] == [
        "credit_note.fr.subject: unknown placeholder {numero}; use {number}, {amount_due}, "
        "{due_date}, {days_overdue}, {company}, {customer}"
    ]


@pytest.mark.django_db
def test_admin_form_saves_valid_texts(company, admin_user) -> None:
    form = _admin_form(company, GOOD, admin_user)
    assert form.is_valid(), form.errors
    form.save()
    assert CompanySettings.objects.get().email_texts == GOOD


@pytest.mark.django_db
def test_admin_form_empty_box_means_no_own_texts(company, admin_user) -> None:
    company.email_texts = GOOD
    company.save()
    form = _admin_form(company, "", admin_user)
    assert form.is_valid(), form.errors
    form.save()
    assert CompanySettings.objects.get().email_texts == {}
