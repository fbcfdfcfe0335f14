"""What every part of the benchmark shares: where things are, the defaults, the log, and
running one of the benchmark's Django commands (`python -m bench.<module>`)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
DATA = BENCH / "data"
RESULTS = BENCH / "results"
LUA = BENCH / "wrk" / "scenario.lua"
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/billing_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
DATABASES = ("postgres", "sqlite")
DEFAULT_SETTINGS = "bench.settings"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def django_command(env: dict[str, str], module: str, *args: str) -> Any:
    """Run `python -m bench.<module> args...`; answers the JSON of its last stdout line."""
    completed = subprocess.run(
        [sys.executable, "-m", f"bench.{module}", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        sys.exit(f"bench.{module} {' '.join(args)} failed (exit {completed.returncode})")
    lines = [line for line in completed.stdout.splitlines() if line.strip()]
    return json.loads(lines[-1])
