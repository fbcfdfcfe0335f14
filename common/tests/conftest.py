"""Fixtures of the API-wide tests (schema, contract, access)."""

from __future__ import annotations

import io

import pytest
import yaml
from django.core.management import call_command


@pytest.fixture(scope="session")
def schema(django_db_blocker) -> dict:
    """The OpenAPI document as a client reads it (the YAML of `manage.py spectacular`),
    generated once per test process: tests read it, none may change it."""
    with django_db_blocker.unblock():
        out = io.StringIO()
        call_command("spectacular", "--format", "openapi", stdout=out)
    return yaml.safe_load(out.getvalue())
