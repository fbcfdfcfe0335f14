"""The back office: admins see every customer (deleted ones too) and restore them;
staff see only their own live customers."""

from __future__ import annotations

import pytest
from django.test import Client

from common.tests.factories import CustomerFactory
from customers.models import Customer

pytestmark = pytest.mark.django_db
# The add form as a person fills it in.
CUSTOMER_FORM = {
    "name": "Via admin",
    "currency": "EUR",
    "payment_terms_days": 30,
    "preferred_language": "en",
    "country": "DE",
    "einvoice_profile": "en16931",
    "reminders_enabled": "on",
}

CHANGELIST = "/admin/customers/customer/"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def books(staff_user, other_staff):
    mine = CustomerFactory(owner=staff_user, name="Mine Live")
    gone = CustomerFactory(owner=staff_user, name="Mine Deleted")
    gone.delete()
    theirs = CustomerFactory(owner=other_staff, name="Theirs Live")
    return {"mine": mine, "gone": gone, "theirs": theirs}


def _listed(response) -> list[str]:
    assert response.status_code == 200
    return sorted(customer.name for customer in response.context["cl"].result_list)


def test_admin_changelist_shows_every_customer_including_deleted(admin_user, books):
    response = _client(admin_user).get(CHANGELIST)

    assert _listed(response) == ["Mine Deleted", "Mine Live", "Theirs Live"]
    assert b"Restore selected deleted customers" in response.content


def test_admin_can_filter_deleted_ones(admin_user, books):
    assert _listed(_client(admin_user).get(CHANGELIST, {"deleted": "yes"})) == ["Mine Deleted"]
    assert _listed(_client(admin_user).get(CHANGELIST, {"deleted": "no"})) == [
        "Mine Live",
        "Theirs Live",
    ]


def test_admin_search_works(admin_user, books):
    assert _listed(_client(admin_user).get(CHANGELIST, {"q": "Theirs"})) == ["Theirs Live"]


def test_admin_restore_action(admin_user, books):
    response = _client(admin_user).post(
        CHANGELIST,
        {"action": "restore_selected", "_selected_action": [books["gone"].pk, books["mine"].pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "Restored 1 customer(s)." in [str(m) for m in response.context["messages"]]
    assert Customer.objects.filter(pk=books["gone"].pk).count() == 1
    assert Customer.all_objects.filter(deleted_at__isnull=False).count() == 0


def test_admin_opens_a_deleted_customer_with_statistics_read_only(admin_user, books):
    response = _client(admin_user).get(f"{CHANGELIST}{books['gone'].pk}/change/")

    assert response.status_code == 200
    form_fields = set(response.context["adminform"].form.fields)
    assert {"name", "owner", "tax_id"} <= form_fields
    assert {"invoice_count", "balance_due", "deleted_at"}.isdisjoint(form_fields)


def test_staff_changelist_shows_only_their_live_customers(staff_user, books):
    response = _client(staff_user).get(CHANGELIST)

    assert _listed(response) == ["Mine Live"]
    assert b"Restore selected deleted customers" not in response.content


def test_staff_cannot_open_another_s_customer(staff_user, books):
    client = _client(staff_user)

    response = client.get(f"{CHANGELIST}{books['theirs'].pk}/change/")

    # The admin redirects to its index for objects outside the user's queryset.
    assert response.status_code == 302
    assert client.get(f"{CHANGELIST}{books['mine'].pk}/change/").status_code == 200


def test_staff_forms_render_with_the_owner_read_only(staff_user, books):
    client = _client(staff_user)

    add = client.get(f"{CHANGELIST}add/")
    change = client.get(f"{CHANGELIST}{books['mine'].pk}/change/")

    for response in (add, change):
        assert response.status_code == 200
        assert "owner" not in response.context["adminform"].form.fields
        assert "owner" in response.context["adminform"].readonly_fields


def test_staff_adds_a_customer_owned_by_themselves(staff_user, company):
    response = _client(staff_user).post(f"{CHANGELIST}add/", CUSTOMER_FORM)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Customer.objects.get(name="Via admin").owner_id == staff_user.id


def test_anonymous_is_sent_to_login(books):
    response = Client().get(CHANGELIST)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


# --- writes go through customers.services -------------------------------------------------


def _spy(monkeypatch, name: str) -> list[dict]:
    import customers.admin

    calls: list[dict] = []
    original = getattr(customers.admin, name)

    def spy(**kwargs):
        calls.append(kwargs)
        return original(**kwargs)

    monkeypatch.setattr(customers.admin, name, spy)
    return calls


def test_adding_a_customer_calls_the_create_service(staff_user, company, monkeypatch):
    calls = _spy(monkeypatch, "customer_create")

    response = _client(staff_user).post(f"{CHANGELIST}add/", CUSTOMER_FORM)

    assert response.status_code == 302
    customer = Customer.objects.get(name="Via admin")
    assert response["Location"] == CHANGELIST
    assert [(c["owner"], c["name"]) for c in calls] == [(staff_user, "Via admin")]
    assert customer.owner == staff_user


def test_changing_a_customer_calls_the_update_service(staff_user, books, monkeypatch):
    calls = _spy(monkeypatch, "customer_update")
    mine = books["mine"]
    form = {
        **CUSTOMER_FORM,
        "name": "Renamed",
        "email": mine.email,
        "tax_id": mine.tax_id,
        "street": mine.street,
        "city": mine.city,
        "postal_code": mine.postal_code,
        "country": mine.country,
    }

    response = _client(staff_user).post(f"{CHANGELIST}{mine.pk}/change/", form)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert [c["name"] for c in calls] == ["Renamed"]
    assert "email" not in calls[0]  # only what changed
    mine.refresh_from_db()
    assert mine.name == "Renamed"


def test_deleting_a_customer_in_the_admin_is_soft(staff_user, books):
    mine = books["mine"]

    response = _client(staff_user).post(f"{CHANGELIST}{mine.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Customer.objects.filter(pk=mine.pk).exists()
    assert Customer.all_objects.get(pk=mine.pk).deleted_at is not None


# --- the customer's page lists its invoices and its balance ---------------------------------


def test_customer_page_lists_invoices_and_balance(staff_user, other_staff, admin_user, company):
    from decimal import Decimal

    from invoices import services
    from invoices.tests.factories import line, make_draft, make_issued

    customer = CustomerFactory(owner=staff_user, name="Buyer")
    issued = make_issued(owner=staff_user, customer=customer, items=[line(unit_price="1000.00")])
    services.payment_record(invoice=issued, amount=Decimal("190.00"))
    draft = make_draft(owner=staff_user, customer=customer)
    customer.refresh_from_db()

    response = _client(staff_user).get(f"{CHANGELIST}{customer.pk}/change/")

    assert response.status_code == 200
    html = response.content.decode()
    assert customer.balance_due == Decimal("1000.00")
    assert '<span class="customer-balance">1.000,00\xa0€</span>' in html
    assert [row["number"] for row in response.context["customer_invoices"]] == [
        f"Draft #{draft.pk}",
        issued.number,
    ]
    row = response.context["customer_invoices"][1]
    assert (row["status"], row["gross"], row["open"]) == (
        "partially paid",
        "1.190,00\xa0€",
        "1.000,00\xa0€",
    )
    assert f'<a href="/admin/invoices/invoice/{issued.pk}/change/">{issued.number}</a>' in html
    assert f'href="/admin/invoices/invoice/{issued.pk}/document/pdf/"' in html
    assert f'href="/admin/invoices/invoice/?customer__id__exact={customer.pk}"' in html
    # An invoice someone else wrote for this customer is theirs: staff do not see it.
    admins = make_draft(owner=admin_user, customer=customer)
    listed = _client(staff_user).get(f"{CHANGELIST}{customer.pk}/change/").context
    assert len(listed["customer_invoices"]) == 2
    everything = _client(admin_user).get(f"{CHANGELIST}{customer.pk}/change/").context
    assert everything["customer_invoices"][0]["number"] == f"Draft #{admins.pk}"


def test_customer_list_shows_the_balance_with_its_currency(staff_user, company):
    customer = CustomerFactory(owner=staff_user, name="Owing")
    Customer.objects.filter(pk=customer.pk).update(balance_due="1212.00")

    response = _client(staff_user).get(CHANGELIST)

    assert "1.212,00\xa0€" in response.content.decode()
