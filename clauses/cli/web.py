"""``clauses web``: run the web service (answers, unsubscribe, calendar feeds, SendGrid webhooks)."""

from __future__ import annotations

import argparse
import sys

from clauses.cli.summary import Summary


def register(subparsers: argparse._SubParsersAction) -> None:
    from clauses.cli import add_json_flag

    parser = subparsers.add_parser(
        "web",
        help="lancer le service web : réponses des candidats, désinscriptions, agendas des partenaires, webhooks SendGrid",
        description="Sert les pages de réponse et de désinscription des candidats, les agendas des partenaires "
        "et les webhooks de SendGrid (événements, Inbound Parse) depuis une seule application web. Écoute sur "
        "l'adresse locale par défaut : placez devant un mandataire inverse TLS et réglez web.public_url dans "
        "config/messaging.yaml (ou CLAUSES_PUBLIC_URL) sur l'adresse publique. Ctrl-C l'arrête.",
    )
    parser.add_argument("--host", metavar="ADRESSE", help="adresse d'écoute (par défaut : la configuration, 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port d'écoute (par défaut : la configuration, 8030)")
    parser.add_argument("--feed-urls", action="store_true",
                        help="afficher l'adresse secrète de l'agenda de chaque partenaire, puis s'arrêter")
    add_json_flag(parser)
    parser.set_defaults(handler=run)


def serve_app(host: str, port: int, *, label: str = "service web", path: str = ""):
    """Run the application in the foreground until Ctrl-C; returns the app (for its counts)."""
    from clauses.storage import Database
    from clauses.web import WebServer, create_app

    app = create_app(database=Database())
    server = WebServer(app, host=host, port=port)
    # On stderr, so that ``--json`` output stays one JSON document.
    print(f"à l'écoute sur {server.url}{path} ({label}) ; Ctrl-C pour arrêter", file=sys.stderr, flush=True)
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
