"""gunicorn settings; every value can be overridden from the environment."""

import os

# Sync workers = cores: the endpoints are CPU-bound, gthread only added variance
# (docs/PERFORMANCE.md).
workers = int(os.environ.get("GUNICORN_WORKERS", os.cpu_count() or 2))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Imports Django (and WeasyPrint, when used) once, before forking the workers.
preload_app = True
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
