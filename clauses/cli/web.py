"""``clauses web``: run the web service (answers, unsubscribe, calendar feeds, SendGrid webhooks)."""

from __future__ import annotations

import argparse
import sys

from clauses.cli.summary import Summary


def register(subparsers: argparse._SubParsersAction) -> None:
    from clauses.cli import add_json_flag

    parser = subparsers.add_parser(
        "web",
        help="run the web service: candidates' answers, unsubscribe, partners' calendars, SendGrid webhooks",
        description="Serve candidates' answer and unsubscribe pages, the partners' calendar feeds and "
        "SendGrid's webhooks (event webhook, inbound parse) from one web application. Listens on "
        "loopback by default: put a TLS reverse proxy in front, and set web.public_url in "
        "config/messaging.yaml (or CLAUSES_PUBLIC_URL) to the address it serves. Ctrl-C stops it.",
    )
    parser.add_argument("--host", help="address to listen on (default: configuration, 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default: configuration, 8030)")
    parser.add_argument("--feed-urls", action="store_true",
                        help="print each partner's secret calendar address and stop")
    add_json_flag(parser)
    parser.set_defaults(handler=run)


def serve_app(host: str, port: int, *, label: str = "web service", path: str = ""):
    """Run the application in the foreground until Ctrl-C; returns the app (for its counts)."""
    from clauses.storage import Database
    from clauses.web import WebServer, create_app

    app = create_app(database=Database())
    server = WebServer(app, host=host, port=port)
    # On stderr, so that ``--json`` output stays one JSON document.
    print(f"listening on {server.url}{path} ({label}); Ctrl-C to stop", file=sys.stderr, flush=True)
    server.run()
    return app


def run(args: argparse.Namespace) -> Summary:
    from clauses.config import load_config
    from clauses.messages.links import public_url

    config = load_config()
    if args.feed_urls:
        from clauses.web.feeds import feed_urls

        urls = feed_urls(config, public_url(config))
        return Summary(title="Partners' calendar addresses (keep them secret)", data={"ok": True, "feeds": urls},
                       lines=[f"{key}: {url}" for key, url in urls.items()])
    web = config.messaging.web
    app = serve_app(args.host or web.bind_host, web.port if args.port is None else args.port)
    counts = app.state.counts.values
    return Summary(title="Web service stopped", data={"ok": True, "public_url": public_url(config), **counts},
                   lines=[f"links point to {public_url(config)}"] + [f"webhook {k}: {v}" for k, v in counts.items()])
