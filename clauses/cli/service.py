"""``clauses serve``: run every deployment of prefect.yaml from this machine, on its schedule, and
the web service (``clauses web``) beside them."""

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
    parser.add_argument("--no-web", action="store_true",
                        help="do not run the web service (answers, unsubscribe, calendars, webhooks) in this process")
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

    web = None
    if not args.no_web:
        import sys

        from clauses.config import load_config
        from clauses.storage import Database
        from clauses.web import WebServer, create_app

        settings = load_config().messaging.web
        web = WebServer(create_app(database=Database()), host=settings.bind_host, port=settings.port).start()
        print(f"web service on {web.url}", file=sys.stderr, flush=True)
    try:
        serve_all(limit=args.limit)
    finally:
        if web is not None:
            web.stop()
    return Summary(title="Stopped serving")
