"""CompanySettings is a singleton: the database refuses a second row; the admin hides add/delete."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from common.tests.factories import CompanySettingsFactory
from settings_app.models import CompanySettings

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/settings_app/companysettings/"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_second_row_is_refused_by_the_database(company):
    with pytest.raises(IntegrityError), transaction.atomic():
        CompanySettings.objects.create(legal_name="Second")

    assert CompanySettings.objects.count() == 1
    assert CompanySettings.objects.get().legal_name == "Seller GmbH"


def test_a_row_with_another_singleton_value_is_refused_too(company):
    with pytest.raises(IntegrityError), transaction.atomic():
        CompanySettings.objects.create(singleton=2, legal_name="Sneaky")

    assert CompanySettings.objects.count() == 1


def test_bulk_create_cannot_sneak_in_a_second_row(company):
    with pytest.raises(IntegrityError), transaction.atomic():
        CompanySettings.objects.bulk_create([CompanySettings(legal_name="Bulk")])

    assert CompanySettings.objects.count() == 1


def test_load_creates_once_and_then_returns_the_same_row(db):
    first = CompanySettings.load()
    second = CompanySettings.load()

    assert first.pk == second.pk
    assert CompanySettings.objects.count() == 1


def test_admin_can_add_while_no_row_exists(admin_user):
    client = _client(admin_user)

    assert client.get(f"{CHANGELIST}add/").status_code == 200
    assert client.get(CHANGELIST).context["has_add_permission"] is True


def test_admin_hides_add_once_a_row_exists(admin_user, company):
    client = _client(admin_user)

    changelist = client.get(CHANGELIST)

    assert changelist.status_code == 200
    assert changelist.context["has_add_permission"] is False
    assert f'href="{CHANGELIST}add/"'.encode() not in changelist.content
    assert client.get(f"{CHANGELIST}add/").status_code == 403


def test_admin_refuses_delete(admin_user, company):
    client = _client(admin_user)

    assert client.get(f"{CHANGELIST}{company.pk}/delete/").status_code == 403
    assert client.post(f"{CHANGELIST}{company.pk}/delete/", {"post": "yes"}).status_code == 403
    client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [company.pk], "post": "yes"}
    )
    assert b'value="delete_selected"' not in client.get(CHANGELIST).content
    assert CompanySettings.objects.count() == 1


def test_admin_changes_the_row(admin_user, company, django_capture_on_commit_callbacks):
    client = _client(admin_user)
    form = client.get(f"{CHANGELIST}{company.pk}/change/").context["adminform"].form
    # What the browser posts: each field as rendered (JSON fields as JSON text).
    values = {name: form[name].value() for name in form.fields}
    data = {name: "" if value is None else value for name, value in values.items()}
    data.update(legal_name="Changed In Admin", logo="")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{CHANGELIST}{company.pk}/change/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert CompanySettings.objects.get().legal_name == "Changed In Admin"
    assert Client().get("/api/settings/company/public/").json()["legal_name"] == "Changed In Admin"


def test_staff_cannot_see_company_settings_in_admin(staff_user, company):
    client = _client(staff_user)

    assert client.get(CHANGELIST).status_code == 403
    assert client.get(f"{CHANGELIST}{company.pk}/change/").status_code == 403


def test_factory_reuses_the_single_row(db):
    assert CompanySettingsFactory().pk == CompanySettingsFactory().pk
