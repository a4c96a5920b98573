"""``clauses serve``: run every deployment of prefect.yaml from this machine, on its schedule, and
the web service (``clauses web``) beside them."""

from __future__ import annotations

import argparse

from clauses.cli.summary import Summary


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="exécuter chaque déploiement de prefect.yaml selon son calendrier (il faut « prefect server start »)",
        description="Exécuter depuis ce processus chaque déploiement déclaré dans prefect.yaml : calendriers à "
        "l'heure de Paris, exécutions lancées depuis l'interface Prefect ou « prefect deployment run ». Il faut un "
        "serveur Prefect lancé (« prefect server start », puis PREFECT_API_URL=http://127.0.0.1:4200/api).",
    )
    parser.add_argument("--limit", type=int, default=2, metavar="N", help="exécutions simultanées au plus (par défaut 2)")
    parser.add_argument("--no-web", action="store_true",
                        help="ne pas lancer le service web (réponses, désinscriptions, agendas, webhooks) dans ce processus")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> Summary:
    from prefect.settings import PREFECT_API_URL

    from clauses.errors import ClausesError

    if not PREFECT_API_URL.value():
        raise ClausesError(
            "aucun serveur Prefect : en lancer un avec « prefect server start » et définir "
            "PREFECT_API_URL=http://127.0.0.1:4200/api (le serveur temporaire local ne suit pas de calendrier)"
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
        print(f"service web : {web.url}", file=sys.stderr, flush=True)
    try:
        serve_all(limit=args.limit)
    finally:
        if web is not None:
            web.stop()
    return Summary(title="Déploiements arrêtés")
