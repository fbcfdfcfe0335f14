"""A list revalidation reads its remembered ETag in the throttle's Redis round trip
(common.throttling's script), and answers exactly as a separate read would."""

from __future__ import annotations

import os

import pytest

from common import shared_cache
from invoices.tests.factories import make_draft

INVOICES = "/api/invoices/?page_size=50"


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs the shared cache")
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)  # the remembered tag is skipped inside a transaction
def test_the_remembered_list_etag_comes_with_the_throttle(
    monkeypatch, staff_client, company, staff_user
):
    make_draft(owner=staff_user)
    etag = staff_client.get(INVOICES)["ETag"]
    assert staff_client.get(INVOICES, HTTP_IF_NONE_MATCH=etag).status_code == 304  # remembers

    def separate_read(keys):
        raise AssertionError(f"read apart from the throttle: {keys}")

    monkeypatch.setattr(shared_cache, "get_many", separate_read)
    response = staff_client.get(INVOICES, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response["ETag"] == etag
    make_draft(owner=staff_user)  # a change: the prefetched version is not the tag's
    monkeypatch.undo()
    changed = staff_client.get(INVOICES, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed.json()["count"] == 2
