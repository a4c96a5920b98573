"""``clauses serve``: run every deployment of prefect.yaml from this machine, on its schedule."""

from __future__ import annotations

import argparse

from clauses.cli.summary import Summary


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="serve every deployment of prefect.yaml on its schedule (needs `prefect server start`)",
        description="Serve every deployment declared in prefect.yaml from this process: schedules in "
        "Europe/Paris, runs started from the Prefect UI or `prefect deployment run`. Needs a running "
        "Prefect server (`prefect server start`, then PREFECT_API_URL=http://127.0.0.1:4200/api).",
    )
    parser.add_argument("--limit", type=int, default=2, help="how many runs at once (default 2)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> Summary:
    from prefect.settings import PREFECT_API_URL

    from clauses.errors import ClausesError

    if not PREFECT_API_URL.value():
        raise ClausesError(
            "no Prefect server to serve to: start one with `prefect server start` and set "
            "PREFECT_API_URL=http://127.0.0.1:4200/api (the local temporary server cannot run schedules)"
        )
    from flows.deployments import serve_all

    serve_all(limit=args.limit)
    return Summary(title="Stopped serving")
