"""The databases measured: one per kind and scale, created and seeded when missing."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench.seed import SEED_VERSION
from bench.shared import DATA, django_command, log


@dataclass
class Target:
    """One database at one scale: its URL, media folder and server environment."""

    kind: str
    scale: int
    url: str
    media: Path

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.scale}"


def target_for(kind: str, scale: int, postgres_url: str) -> Target:
    media = DATA / f"media-{kind}-{scale}"
    if kind == "sqlite":
        path = DATA / f"bench-{scale}.sqlite3"
        return Target(kind, scale, f"sqlite:///{path}", media)
    parts = urlsplit(postgres_url)
    name = parts.path.lstrip("/") or "billing_bench"
    return Target(kind, scale, urlunsplit(parts._replace(path=f"/{name}_{scale}")), media)


def _pg_admin(url: str):
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname="postgres",
        autocommit=True,
    )


def create_database(target: Target, *, fresh: bool) -> None:
    if target.kind == "sqlite":
        DATA.mkdir(parents=True, exist_ok=True)
        if fresh:
            path = Path(urlsplit(target.url).path)
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            shutil.rmtree(target.media, ignore_errors=True)
        return
    name = urlsplit(target.url).path.lstrip("/")
    with _pg_admin(target.url) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    if fresh:
        shutil.rmtree(target.media, ignore_errors=True)


def ensure_seeded(target: Target, env: dict[str, str], customers: int) -> dict[str, Any]:
    create_database(target, fresh=False)
    marker = django_command(env, "seed", "status")
    wanted = {"invoices": target.scale, "customers": customers}
    if (
        marker
        and all(marker.get(k) == v for k, v in wanted.items())
        and marker.get("version") == SEED_VERSION
    ):
        log(f"{target.key}: reusing the seeded data set ({marker['seeded_at']})")
        django_command(env, "seed", "migrate")
        return marker
    log(f"{target.key}: seeding {target.scale:,} invoices ({customers:,} customers)")
    create_database(target, fresh=True)
    started = time.monotonic()
    marker = django_command(
        env, "seed", "seed", "--invoices", str(target.scale), "--customers", str(customers)
    )
    log(f"{target.key}: seeded in {time.monotonic() - started:.0f} s: {marker['statuses']}")
    return marker
