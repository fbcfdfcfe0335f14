"""Real servers for tests: gunicorn with deploy/gunicorn.conf.py and a Celery worker, as
subprocesses on the test database (PostgreSQL: a subprocess cannot see SQLite's
in-memory test database, nor rows a test has not committed: `transaction=True`)."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

from common.tests.redis_servers import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def database_url() -> str:
    """The test database as a DATABASE_URL (pytest-django's name, e.g. test_billing_gw0)."""
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{quote(db['USER'] or '', safe='')}{password}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


def app_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """Production settings (core.settings, DEBUG off) on the test database, no throttling
    in the way, tasks on an in-memory broker unless told otherwise."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "GUNICORN_", "PYTEST_", "CELERY_", "PROMETHEUS_"))
    }
    rate = "1000000/min"
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "core.settings",
            "DATABASE_URL": database_url(),
            "DEBUG": "false",
            # The test process's keys: tokens it makes are valid on the server.
            "SECRET_KEY": settings.SECRET_KEY,
            "JWT_SIGNING_KEY": settings.SIMPLE_JWT["SIGNING_KEY"],
            "SECURE_SSL_REDIRECT": "false",
            "REDIS_URL": "",
            "CELERY_BROKER_URL": "memory://",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "DOCUMENTS_STORE_AFTER_ISSUE": "false",
            "MEDIA_ROOT": str(tmp_path / "media"),
            "DOCUMENTS_SLOT_DIR": str(tmp_path / "slots"),
            "THROTTLE_RATE_USER": rate,
            "THROTTLE_RATE_ANON": rate,
            "THROTTLE_RATE_LOGIN": rate,
            "GUNICORN_ACCESS_LOG": "/dev/null",
            "EINVOICE_WARM_UP": "false",  # start-up time the tests do not measure
            "PYTHONUNBUFFERED": "1",
            **overrides,
        }
    )
    return env


class LiveProcess:
    """A subprocess with its output in a log file, stopped (TERM, then KILL) on exit."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args, self.env, self.log_path = args, env, log
        self.process: subprocess.Popen | None = None
        self.port = 0

    def children(self) -> list[int]:
        """The pids of its child processes (gunicorn's workers)."""
        assert self.process is not None
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def start(self, ready: Callable[[], bool], timeout: float = 90) -> None:
        with self.log_path.open("wb") as out:
            self.process = subprocess.Popen(
                self.args,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: stopping it stops its children
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.args[0]} exited:\n{self.log()[-3000:]}")
            if ready():
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.args[0]} not ready after {timeout} s:\n{self.log()[-3000:]}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def get(port: int, path: str, headers: dict[str, str] | None = None, timeout: float = 60):
    """One GET on a new connection: (status, headers, body, seconds)."""
    return request(port, "GET", path, headers, timeout=timeout)


def request(
    port: int,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 60,
):
    """One request on a new connection: (status, headers, body, seconds)."""
    started = time.perf_counter()
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        client.request(method, path, body=body, headers=headers or {})
        response = client.getresponse()
        body = response.read()
        return response.status, dict(response.getheaders()), body, time.perf_counter() - started
    finally:
        client.close()


@contextlib.contextmanager
def gunicorn(env: dict[str, str], log: Path) -> Iterator[LiveProcess]:
    """gunicorn with the project's deploy/gunicorn.conf.py on a free port (`.port`)."""
    port = free_port()
    server = LiveProcess(
        [
            str(BIN / "gunicorn"),
            "core.wsgi:application",
            "--config",
            "deploy/gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        env,
        log,
    )

    def answers() -> bool:
        try:
            return get(port, "/health/", timeout=2)[0] == 200
        except OSError:
            return False

    server.start(answers)
    server.port = port
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def celery_worker(env: dict[str, str], log: Path) -> Iterator[LiveProcess]:
    """`celery -A core worker` (prefork, one child) as the deployment runs it."""
    worker = LiveProcess(
        [
            str(BIN / "celery"),
            "-A",
            "core",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            "1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--hostname",
            f"test-{os.getpid()}@%h",
        ],
        env,
        log,
    )
    worker.start(lambda: " ready." in worker.log())
    try:
        yield worker
    finally:
        worker.stop()
