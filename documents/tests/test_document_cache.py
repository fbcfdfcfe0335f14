"""Issued invoices' e-invoices are built and validated once per version of the invoice."""

from __future__ import annotations

from decimal import Decimal
from unittest import mock

import pytest

from documents import renderers, services
from invoices import services as invoice_services
from invoices.tests.factories import make_issued

pytestmark = pytest.mark.django_db


def _ubl(client, invoice):
    response = client.get(f"/api/invoices/{invoice.pk}/ubl/")
    assert response.status_code == 200
    return b"".join(response)


def test_the_same_version_is_built_once_and_a_payment_builds_it_anew(
    staff_client, staff_user, company
):
    invoice = make_issued(owner=staff_user)
    builds = mock.Mock(wraps=renderers.render_ubl)

    with mock.patch.dict(renderers.RENDERERS, {"ubl": builds}):
        first = _ubl(staff_client, invoice)
        again = _ubl(staff_client, invoice)
        assert builds.call_count == 1
        assert again == first
        assert b"<cbc:PrepaidAmount" in first

        invoice_services.payment_record(invoice=invoice, amount=Decimal("19.00"))
        paid = _ubl(staff_client, invoice)

    assert builds.call_count == 2
    assert b'currencyID="EUR">19.00</cbc:PrepaidAmount>' in paid
    assert paid != first


def test_a_cache_outage_still_answers_the_document(staff_client, staff_user, company, settings):
    invoice = make_issued(owner=staff_user)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }

    assert b"<cbc:PayableAmount" in _ubl(staff_client, invoice)


def test_the_key_names_the_code_the_format_and_the_version(staff_user, company):
    invoice = make_issued(owner=staff_user)

    key = services.document_cache_key(invoice, "ubl")

    assert key.endswith(f":ubl:{invoice.pk}:{invoice.updated_at.isoformat()}")
    assert services._CODE_DIGEST in key
