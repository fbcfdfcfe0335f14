"""Hypothesis profiles, and the settings of property tests that use the database.

The profile comes from HYPOTHESIS_PROFILE (the root conftest loads it):

- `dev`, for a plain `pytest`: new random examples each run, a failure replayed from
  `.hypothesis/` (git-ignored) until it is fixed.
- `ci`, for `make test` and CI: the same examples every run (`derandomize`) and nothing
  stored, so a red run is the change's doing and reproduces with HYPOTHESIS_PROFILE=ci.

Neither has a deadline: the database and the renderers take what a shared machine gives.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

PROFILES = {
    "dev": {"deadline": None},
    "ci": {"deadline": None, "derandomize": True, "database": None, "print_blob": True},
}


def load_profile() -> str:
    for name, values in PROFILES.items():
        settings.register_profile(name, **values)
    name = os.environ.get("HYPOTHESIS_PROFILE") or "dev"
    settings.load_profile(name)
    return name


def database_examples(max_examples: int) -> settings:
    """Settings of a property test over the database: few examples (each writes rows),
    and the function-scoped fixtures (company, users, clients) shared by the examples,
    which start from nothing on their own (a new customer, a rolled-back transaction)."""
    return settings(
        max_examples=max_examples,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
