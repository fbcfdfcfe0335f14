"""`reminder_levels` and `late_interest` are checked when written: API and admin."""

from __future__ import annotations

import json

import pytest
from django.contrib import admin
from django.forms.models import model_to_dict
from django.test import RequestFactory

from settings_app.admin import CompanySettingsAdmin
from settings_app.models import CompanySettings
from settings_app.validators import reminder_levels_errors

pytestmark = pytest.mark.django_db

URL = "/api/settings/company/"
GOOD = [
    {"days_after_due": 0, "fee_amount": "0"},
    {"days_after_due": 14, "fee_amount": "2.50"},
    {"days_after_due": 30, "fee_amount": "5.00", "tax_category": "S", "tax_rate": "19.00"},
]


def test_a_valid_policy_is_stored_and_late_interest_is_exposed(admin_client, company):
    response = admin_client.patch(URL, {"reminder_levels": GOOD}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["reminder_levels"] == GOOD
    assert response.json()["late_interest"] is False
    assert CompanySettings.objects.get().reminder_levels == GOOD


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        ([{"days_after_due": d, "fee_amount": "0"} for d in range(6)], "At most 5"),
        ([{"days_after_due": 14, "fee_amount": "0"}, {"days_after_due": 7}], "later than"),
        ([{"days_after_due": 7}, {"days_after_due": 7}], "later than"),
        ([{"days_after_due": -1, "fee_amount": "0"}], "whole number"),
        ([{"days_after_due": "7", "fee_amount": "0"}], "whole number"),
        ([{"days_after_due": True, "fee_amount": "0"}], "whole number"),
        ([{"days_after_due": 7, "fee_amount": "-1.00"}], "0 or more"),
        ([{"days_after_due": 7, "fee_amount": 5}], "decimal string"),
        ([{"days_after_due": 7, "fee_amount": "NaN"}], "decimal string"),
        ([{"days_after_due": 7, "fee_amount": "1.005"}], "at most 2 decimals"),
        ([{"days_after_due": 7, "fee_amount": "1", "tax_category": "E"}], "tax_category"),
        (
            [{"days_after_due": 7, "fee_amount": "1", "tax_category": "O", "tax_rate": "7"}],
            "rate 0",
        ),
        ([{"days_after_due": 7, "fee_amount": "1", "tax_rate": "101"}], "tax_rate"),
        ([{"days_after_due": 7, "fee": "1"}], "unknown keys fee"),
        ({"days_after_due": 7}, "A list"),
        (["7"], "an object"),
    ],
)
def test_invalid_policies_are_400_with_the_field(admin_client, company, levels, message):
    response = admin_client.patch(URL, {"reminder_levels": levels}, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert any(message in text for text in error["details"]["reminder_levels"]), error
    assert CompanySettings.objects.get().reminder_levels == company.reminder_levels


def test_minor_unit_follows_the_company_currency(admin_client, company):
    levels = [{"days_after_due": 7, "fee_amount": "500.5"}]

    response = admin_client.patch(
        URL, {"reminder_levels": levels, "default_currency": "JPY"}, format="json"
    )
    assert response.status_code == 400
    assert "at most 0 decimals in JPY" in response.json()["error"]["details"]["reminder_levels"][0]
    # an accepted fee becomes invalid when the currency changes under it
    admin_client.patch(URL, {"reminder_levels": levels}, format="json")
    response = admin_client.patch(URL, {"default_currency": "JPY"}, format="json")
    assert response.status_code == 400
    assert CompanySettings.objects.get().default_currency == "EUR"


def test_late_interest_keeps_fees_out_of_vat(admin_client, company):
    taxed = [{"days_after_due": 7, "fee_amount": "5.00", "tax_category": "S", "tax_rate": "19"}]
    admin_client.patch(URL, {"reminder_levels": taxed}, format="json")

    response = admin_client.patch(URL, {"late_interest": True}, format="json")

    assert response.status_code == 400
    assert "BR-O-11" in response.json()["error"]["details"]["reminder_levels"][0]
    assert (
        admin_client.patch(
            URL, {"late_interest": True, "reminder_levels": GOOD[:2]}, format="json"
        ).json()["late_interest"]
        is True
    )


def test_validator_accepts_the_defaults_and_empty():
    assert reminder_levels_errors(CompanySettings().reminder_levels, "EUR") == []
    assert reminder_levels_errors([], "EUR") == []


def _admin_form(admin_user, company, **changes):
    request = RequestFactory().post("/admin/")
    request.user = admin_user
    model_admin = CompanySettingsAdmin(CompanySettings, admin.site)
    form_class = model_admin.get_form(request, company, change=True)
    data = {
        name: value
        for name, value in model_to_dict(company).items()
        if name in form_class.base_fields and value is not None
    }
    data["reminder_levels"] = json.dumps(company.reminder_levels)
    data["email_texts"] = json.dumps(company.email_texts)
    data.update(changes)
    for name in [n for n, v in data.items() if v is False]:
        del data[name]  # an unchecked box is not sent
    return form_class(data=data, instance=company)


def test_admin_form_refuses_a_bad_policy_on_the_field(admin_user, company):
    form = _admin_form(
        admin_user,
        company,
        reminder_levels=json.dumps([{"days_after_due": 14}, {"days_after_due": 7}]),
    )

    assert not form.is_valid()
    assert (
        "Level 2: days_after_due must be later than the level before."
        in form.errors["reminder_levels"]
    )


def test_admin_form_accepts_a_good_policy(admin_user, company):
    form = _admin_form(admin_user, company, reminder_levels=json.dumps(GOOD))

    assert form.is_valid(), form.errors
    form.save()
    assert CompanySettings.objects.get().reminder_levels == GOOD
