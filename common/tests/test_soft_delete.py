"""SoftDeleteModel (through Customer): delete hides, restore brings back, hard_delete removes."""

from __future__ import annotations

import pytest

from common.tests.factories import CustomerFactory
from customers.models import Customer

pytestmark = pytest.mark.django_db


def test_delete_hides_from_objects_but_keeps_the_row(staff_user):
    customer = CustomerFactory(owner=staff_user)
    kept = CustomerFactory(owner=staff_user)

    result = customer.delete()

    assert result == (1, {"customers.Customer": 1})
    assert customer.is_deleted is True
    assert list(Customer.objects.values_list("id", flat=True)) == [kept.id]
    assert Customer.all_objects.count() == 2
    row = Customer.all_objects.get(pk=customer.pk)
    assert row.deleted_at is not None
    assert row.is_deleted is True
    with pytest.raises(Customer.DoesNotExist):
        Customer.objects.get(pk=customer.pk)


def test_restore_brings_it_back(staff_user):
    customer = CustomerFactory(owner=staff_user)
    customer.delete()

    Customer.all_objects.get(pk=customer.pk).restore()

    restored = Customer.objects.get(pk=customer.pk)
    assert restored.deleted_at is None
    assert restored.is_deleted is False
    assert Customer.objects.count() == 1


def test_delete_touches_updated_at(staff_user):
    customer = CustomerFactory(owner=staff_user)
    before = customer.updated_at

    customer.delete()

    assert Customer.all_objects.get(pk=customer.pk).updated_at > before


def test_queryset_delete_is_soft_too(staff_user):
    CustomerFactory.create_batch(3, owner=staff_user)

    Customer.objects.filter(owner=staff_user).delete()

    assert Customer.objects.count() == 0
    assert Customer.all_objects.count() == 3
    assert Customer.all_objects.dead().count() == 3
    assert Customer.all_objects.alive().count() == 0


def test_hard_delete_removes_the_row(staff_user):
    customer = CustomerFactory(owner=staff_user)
    other = CustomerFactory(owner=staff_user)

    customer.hard_delete()

    assert list(Customer.all_objects.values_list("id", flat=True)) == [other.id]


def test_queryset_hard_delete_removes_rows(staff_user):
    CustomerFactory.create_batch(2, owner=staff_user)
    Customer.objects.first().delete()

    Customer.all_objects.all().hard_delete()

    assert Customer.all_objects.count() == 0


def test_related_lookups_still_reach_deleted_rows(staff_user):
    """The base manager is all_objects: history (invoices) can still follow its customer."""
    customer = CustomerFactory(owner=staff_user)
    customer.delete()

    assert Customer._meta.base_manager.filter(pk=customer.pk).count() == 1
    assert staff_user.customers.count() == 0
