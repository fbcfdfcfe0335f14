"""The server measured: gunicorn with deploy/gunicorn.conf.py and production settings."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.databases import Target
from bench.shared import DATA, ROOT

RATE = "1000000/s"  # throttling stays on, far above what one machine can send
CACHE_PREFIX = f"bench-{os.getpid()}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(target: Target, secret_key: str, *, settings: str, redis_url: str) -> dict[str, str]:
    """Production settings (DEBUG off) as `make serve` runs them, plus the bench's needs.

    `redis_url`: the cache as production has it (Redis, shared by the workers) when one
    answers, else "" (a per-process cache)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": settings,
            "DATABASE_URL": target.url,
            "MEDIA_ROOT": str(target.media),
            # The admin's pages (the dashboard scenario) need collected static files.
            "STATIC_ROOT": str(DATA / "static"),
            "DEBUG": "false",
            "SECRET_KEY": secret_key,
            "SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback
            "THROTTLE_RATE_USER": RATE,
            "THROTTLE_RATE_ANON": RATE,
            "THROTTLE_RATE_LOGIN": RATE,
            "THROTTLE_RATE_PUBLIC_INVOICE": RATE,
            "JWT_ACCESS_TOKEN_MINUTES": "240",
            # The issue scenario measures issuing as production runs it: with the e-invoice
            # check (UBL, XSD, CEN and profile rules) before the number is drawn.
            "EINVOICE_VALIDATE_ON_ISSUE": "true",
            # Redis is the cache only: tasks are queued in memory, as a broker would take
            # them, and never run in the web workers (production runs them on Celery workers).
            "REDIS_URL": redis_url,
            "CACHE_KEY_PREFIX": CACHE_PREFIX,
            "CELERY_BROKER_URL": "memory://",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "GUNICORN_WORKERS": "2",
            "GUNICORN_MAX_REQUESTS": "0",  # no worker recycling in the middle of a run
            "GUNICORN_ACCESS_LOG": "/dev/null",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


class Server:
    """gunicorn with deploy/gunicorn.conf.py (2 sync workers) on a free loopback port."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        self.log_file = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "core.wsgi:application",
                "--config",
                str(ROOT / "deploy" / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{self.port}",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"gunicorn exited early; see {self.log_path}")
            try:
                if self.http("GET", "/health/", timeout=2)[0] == 200:
                    return self
            except OSError:
                time.sleep(0.2)
        self.__exit__(None, None, None)
        sys.exit(f"gunicorn did not answer /health/ within 60 s; see {self.log_path}")

    def __exit__(self, *exc: object) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # our own gunicorn's group
                self.process.wait()
        self.log_file.close()

    def http(
        self,
        method: str,
        path: str,
        body: Any = None,
        timeout: float = 30,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            headers = {**(headers or {})}
            if body is not None:
                headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode() if body is not None else None
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def etag(self, path: str, headers: dict[str, str]) -> tuple[int, str | None]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            return response.status, response.getheader("ETag")
        finally:
            connection.close()

    def login(self, username: str, password: str) -> str:
        status, content = self.http(
            "POST", "/api/auth/login/", {"username": username, "password": password}
        )
        if status != 200:
            sys.exit(f"login failed ({status}): {content[:300]!r}")
        return json.loads(content)["access"]
