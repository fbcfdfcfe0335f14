"""`python -m bench.seed COMMAND`: see bench/seed/__init__.py."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

import bench.seed  # noqa: E402
from bench.seed.dataset import seed  # noqa: E402
from bench.seed.marker import read_marker  # noqa: E402
from bench.seed.runs import prepare  # noqa: E402
from bench.seed.verify import verify  # noqa: E402


def _answer(data: Any) -> None:
    sys.stdout.write(json.dumps(data, default=str) + "\n")


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=bench.seed.__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("status")
    seed_parser = commands.add_parser("seed")
    seed_parser.add_argument("--invoices", type=int, default=10_000)
    seed_parser.add_argument("--customers", type=int, default=1_000)
    seed_parser.add_argument("--seed", type=int, default=7)
    prepare_parser = commands.add_parser("prepare")
    prepare_parser.add_argument("--drafts", type=int, default=4_000)
    prepare_parser.add_argument("--warmup-drafts", type=int, default=1_000)
    prepare_parser.add_argument("--payment-targets", type=int, default=200)
    commands.add_parser("migrate")
    commands.add_parser("verify")
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.command == "status":
        _answer(read_marker())
    elif args.command == "migrate":
        call_command("migrate", verbosity=0, interactive=False)
        _answer({"migrated": True})
    elif args.command == "seed":
        _answer(seed(invoices=args.invoices, customers=args.customers, seed_value=args.seed))
    elif args.command == "prepare":
        password = os.environ.get("BENCH_PASSWORD", "")
        if not password:
            raise SystemExit("BENCH_PASSWORD is not set")
        _answer(
            prepare(
                drafts=args.drafts,
                warmup_drafts=args.warmup_drafts,
                payment_targets=args.payment_targets,
                password=password,
            )
        )
    elif args.command == "verify":
        _answer(verify())


if __name__ == "__main__":
    main()
