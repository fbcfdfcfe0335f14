"""The benchmark: seed, serve with gunicorn, drive with wrk, compare with the floor.

    make bench                                  # 10,000 invoices, PostgreSQL + SQLite
    make bench BENCH_ARGS="--duration 5 --databases postgres --scenarios list,issue"
    make bench BENCH_ARGS="--scales 10000,100000"   # list page p50 as the data grows

See bench/README.md for what is measured and how to read the table; the code lives in
one module per role (bench/cli.py is where a run starts).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, Python puts bench/ first on the path: the project root instead, so
# `bench.*` imports resolve and bench/'s modules never shadow the project's apps.
BENCH_DIR = str(ROOT / "bench")
sys.path[:] = [str(ROOT)] + [p for p in sys.path if p not in (BENCH_DIR, str(ROOT))]

from bench.cli import main  # noqa: E402

if __name__ == "__main__":
    main()
