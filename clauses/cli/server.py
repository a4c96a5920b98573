"""``clauses server start|stop|status``: this machine's background service (a local Prefect
server, every deployment on its schedule, the web service), run from the data folder."""

from __future__ import annotations

import argparse
import datetime as dt

from clauses.cli.summary import Summary

LABELS = {
    "prefect": "Serveur Prefect",
    "serve": "Déploiements planifiés",
    "web": "Service web",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    from clauses.cli import add_json_flag

    parser = subparsers.add_parser(
        "server",
        help="démarrer, arrêter ou consulter le service d'arrière-plan de cette machine",
        description="Le service d'arrière-plan de cette machine : un serveur Prefect local (base SQLite "
        "dans le dossier de données), chaque déploiement de prefect.yaml selon son calendrier, et le "
        "service web. Tant qu'il tourne, toutes les commandes l'utilisent et démarrent sans attendre.",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    start = actions.add_parser("start", help="démarrer ce qui ne tourne pas encore (sans effet si tout tourne)")
    start.add_argument("--port", type=int, help="port du serveur Prefect (par défaut 4200, ou un port libre)")
    start.add_argument("--web-port", type=int, metavar="PORT",
                       help="port du service web (par défaut : config/messaging.yaml, 8030)")
    add_json_flag(start)
    start.set_defaults(handler=run_start)
    stop = actions.add_parser("stop", help="tout arrêter proprement")
    add_json_flag(stop)
    stop.set_defaults(handler=run_stop)
    status = actions.add_parser("status", help="ce qui tourne, depuis quand, et où sont les journaux")
    add_json_flag(status)
    status.set_defaults(handler=run_status)


def _named(names: list[str]) -> str:
    return ", ".join(LABELS[name][0].lower() + LABELS[name][1:] for name in names)


def _since(iso: str) -> str:
    from clauses.french import datetime_long

    return datetime_long(dt.datetime.fromisoformat(iso))


def _lines(state: dict) -> list[str]:
    from clauses.background import log_file

    lines = []
    for name, label in LABELS.items():
        process = state["processes"].get(name)
        if process:
            lines.append(f"{label} : en marche depuis le {_since(process['started_at'])} (pid {process['pid']})")
        elif name == "web":
            lines.append(f"{label} : non démarré (la commande « clauses web » n'existe pas encore ici)"
                         if not state.get("web_available", True) else f"{label} : arrêté")
        else:
            lines.append(f"{label} : arrêté")
    if state["healthy"]:
        lines.append(f"Interface Prefect : {state['ui_url']}")
    lines.append(f"Journaux : {log_file('prefect').parent}")
    return lines


def _with_web(state: dict) -> dict:
    from clauses.background import has_subcommand

    return {**state, "web_available": has_subcommand("web")}


def run_start(args: argparse.Namespace) -> Summary:
    from clauses.background import start

    state = _with_web(start(port=args.port, web_port=args.web_port))
    started = state["started"]
    title = ("Service d'arrière-plan démarré : " + _named(started)
             if started else "Le service d'arrière-plan tournait déjà : rien à démarrer")
    return Summary(title=title, data={"ok": True, **state}, lines=_lines(state))


def run_stop(args: argparse.Namespace) -> Summary:
    from clauses.background import stop

    stopped = stop()
    title = ("Service d'arrière-plan arrêté : " + _named(stopped)
             if stopped else "Le service d'arrière-plan ne tournait pas : rien à arrêter")
    return Summary(title=title, data={"ok": True, "stopped": stopped})


def run_status(args: argparse.Namespace) -> Summary:
    from clauses.background import status

    state = _with_web(status())
    running = [name for name, process in state["processes"].items() if process]
    if state["healthy"] and "serve" in running:
        title = "Service d'arrière-plan en marche : les commandes utilisent son serveur Prefect"
    elif state["healthy"]:
        title = ("Service d'arrière-plan incomplet : les commandes utilisent son serveur Prefect, mais les "
                 "déploiements ne sont pas servis (relancez « clauses server start »)")
    elif running:
        title = "Service d'arrière-plan incomplet : relancez « clauses server start »"
    else:
        title = "Service d'arrière-plan arrêté : les commandes démarrent un serveur Prefect temporaire"
    return Summary(title=title, data={"ok": True, **state}, lines=_lines(state))
