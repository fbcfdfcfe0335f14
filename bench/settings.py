"""The project's settings plus the benchmark's floor views (`bench.urls`).

Served with DJANGO_SETTINGS_MODULE=bench.settings; everything else comes from the
environment exactly as in production (bench/run.py sets the variables).
"""

from core.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
