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


# Prometheus' multiprocess mode (PROMETHEUS_MULTIPROC_DIR, DEPLOYMENT.md §8): each process
# keeps its metrics in files there and /metrics sums them, whichever worker answers.
def _dead(path: str) -> bool:
    pid = os.path.basename(path).rsplit("_", 1)[-1].removesuffix(".db")
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except (ValueError, PermissionError):
        return False
    return False


def on_starting(server):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        os.makedirs(directory, exist_ok=True)
        # A restart starts the counts again (Prometheus reads that as a counter reset);
        # files of running processes (a Celery worker on this host) stay.
        for name in os.listdir(directory):
            path = os.path.join(directory, name)
            if name.endswith(".db") and _dead(path):
                os.remove(path)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess  # after the app: its mode is set

        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker):
    # Compile the e-invoice rule stylesheets in each worker as it starts (0.2-0.9 s of CPU
    # per profile), not inside the first issue it serves. After the fork: Saxon's
    # compiled executables are per process. EINVOICE_WARM_UP=false skips it.
    if os.environ.get("EINVOICE_WARM_UP", "true").lower() in ("0", "false", "no"):
        return
    from documents.einvoice.validation import compile_schematrons

    compile_schematrons()
