"""Settings for the test suite: the production settings with test-only relaxations."""

import os
import tempfile

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-any-deployment-0123456789")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
# Eager tasks would build four documents inside every issue of every test; the tests of
# that task turn it on (documents/tests), everything else builds on first download.
os.environ.setdefault("DOCUMENTS_STORE_AFTER_ISSUE", "false")
# Each xdist worker gets its own cache namespace on a shared Redis. Set, not defaulted:
# the workers inherit the environment of the controller, which loaded these settings too.
os.environ["CACHE_KEY_PREFIX"] = f"billing-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
# The host's inline render slots (documents.rendering) are per test process: other test
# runs on the machine (and the xdist workers of this one) render at the same time.
os.environ["DOCUMENTS_SLOT_DIR"] = os.path.join(
    tempfile.gettempdir(), f"billing-test-slots-{os.getpid()}"
)

from core.settings import *  # noqa: F403
from core.settings import REST_FRAMEWORK, STORAGES

# Fast hashing: tests create many users; production keeps Argon2.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        **REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
        "anon": "100000/min",
        "user": "100000/min",
        "login": "100000/min",
        "login_username": "100000/min",
        "public_invoice": "100000/min",
    },
}

# The company's calendar (CompanySettings.timezone, default Europe/Berlin) and Django's
# agree in tests, so `timezone.localdate()` in a test is the company's day at any hour.
TIME_ZONE = "Europe/Berlin"

# pytest-django gives each xdist worker its own test database by a name suffix, except
# for Django's own SQLite engine; the metrics wrapper of it (django_prometheus) is told
# here that its test database is the same in-memory one.
if DATABASES["default"]["ENGINE"].endswith(".sqlite3"):  # noqa: F405
    DATABASES["default"].setdefault("TEST", {}).setdefault("NAME", ":memory:")  # noqa: F405
