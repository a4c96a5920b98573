"""``clauses events [PATH...]``, ``clauses events serve`` and ``clauses attendance PATH``."""

from __future__ import annotations

import argparse

from clauses.cli.summary import Summary
from clauses.french import counted


def register(subparsers: argparse._SubParsersAction) -> None:
    from clauses.cli import add_json_flag

    events = subparsers.add_parser(
        "events",
        help="enregistrer les événements d'e-mail de SendGrid (rejets, désinscriptions…) ou lancer leur réception",
        description="Avec des fichiers : enregistrer les événements de ces lots signés. Sans fichier : "
        "enregistrer tous les lots mis en attente par le récepteur. « clauses events serve » lance le service web "
        "(comme « clauses web ») à l'adresse du webhook : il vérifie la signature de SendGrid et met chaque lot en "
        "attente. Les lots non signés ou falsifiés sont refusés.",
    )
    events.add_argument("paths", nargs="*", metavar="FICHIER", help="des lots signés (fichiers), ou « serve »")
    events.add_argument("--skip-invalid", action="store_true",
                        help="dans un lot signé, enregistrer les événements bien formés et signaler les autres")
    events.add_argument("--host", metavar="ADRESSE",
                        help="serve : adresse d'écoute (par défaut : la configuration, 127.0.0.1)")
    events.add_argument("--port", type=int, metavar="PORT",
                        help="serve : port d'écoute (par défaut : la configuration, 8025)")
    add_json_flag(events)
    events.set_defaults(handler=run_events)

    attendance = subparsers.add_parser(
        "attendance",
        help="enregistrer une feuille d'inscription ou d'émargement d'un partenaire",
        description="Enregistrer les participations (inscrit, présent, absent, excusé, intéressé, entré en "
        "formation, embauché…) d'une feuille CSV ou XLSX. Une feuille dont une ligne est invalide est refusée "
        "en entier et rien ne change, sauf avec --skip-invalid. Réenregistrer une feuille ne change rien.",
    )
    attendance.add_argument("path", metavar="FICHIER",
                            help="une feuille .csv ou .xlsx, ou « sheet » pour écrire la feuille d'émargement d'un événement")
    attendance.add_argument("event_id", nargs="?", metavar="N°",
                            help="avec « sheet » : le numéro de l'événement, tel que « clauses plan show » l'affiche")
    attendance.add_argument("--output", metavar="DOSSIER", help="avec « sheet » : où écrire le fichier XLSX")
    attendance.add_argument("--skip-invalid", action="store_true", help="enregistrer les lignes valides ; écrire les lignes refusées dans un CSV")
    attendance.add_argument("--status", dest="default_status", metavar="STATUT",
                            help="statut des lignes qui n'en ont pas, par ex. « inscrit » pour une liste d'inscription")
    attendance.add_argument("--source", metavar="PARTENAIRE",
                            help="le partenaire dont la feuille utilise les identifiants, si elle n'a pas de colonne « Source »")
    add_json_flag(attendance)
    attendance.set_defaults(handler=run_attendance)


def run_events(args: argparse.Namespace) -> Summary:
    if args.paths == ["serve"]:
        return serve(args)
    from flows.ingest_email_events import EFFECT_LABELS, ingest_email_events

    summary = ingest_email_events(paths=args.paths or None, skip_invalid=args.skip_invalid)
    lines = [
        f"fichiers : {summary['files']} ({summary['accepted_files']} acceptés)",
        f"événements : {summary['received']} reçus, {summary['stored']} enregistrés, {summary['duplicates']} en double",
    ]
    lines += [f"effet « {EFFECT_LABELS.get(name, name)} » : {count}" for name, count in summary["effects"].items()]
    if summary["messages_reconciled"]:
        lines.append(f"messages dont l'envoi est confirmé : {summary['messages_reconciled']}")
    if summary.get("rejects_file"):
        lines.append(f"événements refusés et raisons : {summary['rejects_file']}")
    return Summary(title="Événements d'e-mail enregistrés", data={"ok": True, **summary}, lines=lines)


def serve(args: argparse.Namespace) -> Summary:
    """The event webhook now lives in the web service: this runs the web service on the event
    webhook's address (``clauses web`` does the same on the web service's)."""
    from clauses.cli.web import serve_app
    from clauses.config import load_config
    from clauses.inbound.email_events import resolve_public_key

    settings = load_config().messaging.sendgrid.event_webhook
    resolve_public_key(settings)  # no key: say so now (exit 2) rather than refuse every batch
    app = serve_app(args.host or settings.bind_host, settings.port if args.port is None else args.port,
                    label="service web avec le webhook des événements SendGrid", path=settings.path)
    counts = app.state.counts.values
    return Summary(title="Réception des événements arrêtée", data={"ok": True, **counts},
                   lines=[f"{name} : {count}" for name, count in counts.items()])


def run_attendance(args: argparse.Namespace) -> Summary:
    if args.path == "sheet" or args.event_id is not None:
        from clauses.cli.attendance_sheet import run_sheet

        return run_sheet(args)
    from flows.record_attendance import STATUS_LABELS_FR, record_attendance

    result = record_attendance(path=args.path, skip_invalid=args.skip_invalid,
                               default_status=args.default_status, source=args.source)
    lines = [
        f"{result['file']} : {counted(result['lines'], 'ligne', 'lignes')}, "
        f"{counted(result['created'], 'nouvelle participation', 'nouvelles participations')}, "
        f"{counted(result['changed'], 'modifiée', 'modifiées')}, {counted(result['unchanged'], 'inchangée', 'inchangées')}, "
        f"{counted(result['rejected'], 'refusée', 'refusées')}",
    ]
    lines += [f"{STATUS_LABELS_FR.get(status, status)} : {count}" for status, count in result["statuses"].items()]
    if result.get("rejects_file"):
        lines.append(f"lignes refusées et raisons : {result['rejects_file']}")
    from clauses.cli.attendance_sheet import walk_in_lines

    lines += walk_in_lines(result)
    return Summary(title="Présences enregistrées", data={"ok": True, **result}, lines=lines)
