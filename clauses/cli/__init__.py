"""The ``clauses`` command line: one program, one subcommand per job.

Each subcommand module defines ``register(subparsers)`` and a handler returning a ``Summary``;
``--json`` prints the summary's data, otherwise its human lines. Exit codes: 0 success, 1 unexpected
failure, 2 bad input or configuration (the message says what to do next).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Sequence

from clauses.cli.summary import Summary

# Subcommand modules, in the order `clauses --help` lists them.
COMMAND_MODULES = [
    "clauses.cli.ingest",
    "clauses.cli.forecast",
    "clauses.cli.plan",
    "clauses.cli.inbound",
    "clauses.cli.replies",
    "clauses.cli.messages",
    "clauses.cli.outreach",
    "clauses.cli.report",
    "clauses.cli.demo",
    "clauses.cli.service",
    "clauses.cli.web",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clauses",
        description="Plan recruitment events for the social insertion clauses of public works.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print a machine-readable JSON summary")


def main(argv: Sequence[str] | None = None) -> int:
    from clauses.errors import ClausesError

    # Prefect's local server can take a while to start on a busy 2-core machine, and it must not try
    # to send usage telemetry from a public-service network (it logs an error when it cannot).
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        summary: Summary = args.handler(args)
    except ClausesError as exc:
        _report_error(args, exc, code=2)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    if getattr(args, "json", False):
        print(json.dumps(summary.data, ensure_ascii=False, indent=2, default=str))
    else:
        print(summary.text())
    return 0 if summary.ok else 1


def _report_error(args: argparse.Namespace, exc: Exception, code: int) -> None:
    if getattr(args, "json", False):
        data = {"ok": False, "error": str(exc)}
        problems = getattr(exc, "problems", None)
        if problems:
            data["problems"] = [p.as_dict() for p in problems]
        print(json.dumps(data, ensure_ascii=False, indent=2))
    print(f"error: {exc}", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
