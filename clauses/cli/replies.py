"""``clauses replies [PATH...]``, ``clauses replies list`` and ``clauses replies settle ID...``:
answers received by email (calendar buttons, plain text) and the coordinators' list of those to
look at. Names and addresses are shown here only, on the coordinator's own screen."""

from __future__ import annotations

import argparse

from clauses.cli.summary import Summary
from clauses.errors import ClausesError

ACTIONS = ("list", "settle")


def register(subparsers: argparse._SubParsersAction) -> None:
    from clauses.cli import add_json_flag

    replies = subparsers.add_parser(
        "replies",
        help="intégrer les réponses reçues par e-mail (boutons d'agenda) ; liste des réponses à examiner",
        description="Avec des fichiers .eml (ou des dossiers) : intègre ces messages. Sans fichier : intègre "
        "le dossier de dépôt (<données>/replies/), dont les fichiers sont supprimés une fois intégrés. "
        "Une réponse d'agenda (Accepter, Refuser, Peut-être) inscrit ou enregistre le refus du candidat "
        "invité ; les autres messages (texte libre, réponse falsifiée ou sans correspondance, invitation "
        "modifiée depuis) vont dans la liste à examiner. "
        "« clauses replies list » affiche cette liste ; « clauses replies settle N… » la retire de la liste "
        "une fois traitée.",
    )
    replies.add_argument("paths", nargs="*", metavar="CHEMIN",
                         help="fichiers .eml ou dossiers ; ou 'list' ; ou 'settle' suivi des numéros")
    replies.add_argument("--all", action="store_true", help="list : inclure les réponses déjà traitées")
    replies.add_argument("--no-tentative", action="store_true",
                         help="list : sans les réponses « peut-être » (qui ne demandent rien)")
    add_json_flag(replies)
    replies.set_defaults(handler=run_replies)


def run_replies(args: argparse.Namespace) -> Summary:
    if args.paths and args.paths[0] == "list":
        if len(args.paths) > 1:
            raise ClausesError("« clauses replies list » ne prend pas d'autre argument")
        return show_list(args)
    if args.paths and args.paths[0] == "settle":
        return settle(args.paths[1:])
    return take_in(args.paths)


def take_in(paths: list[str]) -> Summary:
    from clauses.inbound.calendar_replies import LABELS
    from flows.take_in_replies import take_in_replies

    summary = take_in_replies(paths=paths or None)
    lines = [
        f"messages : {summary['messages']} ({summary['recorded']} enregistrés, {summary['duplicates']} déjà reçus)",
        f"participations modifiées : {summary['participations_changed']}",
    ]
    lines += [f"{LABELS.get(k, k)} : {v}" for k, v in summary["outcomes"].items()]
    lines += [f"fichier non lu : {item['file']} ({item['reason']})" for item in summary["unreadable_files"]]
    if summary["to_review"]:
        lines.append(f"à examiner : {summary['to_review']} — voir « clauses replies list »")
    return Summary(title="Réponses reçues par e-mail", data={"ok": True, **summary}, lines=lines)


def _when(moment) -> str:
    from clauses.french import datetime_long

    return datetime_long(moment)


def show_list(args: argparse.Namespace) -> Summary:
    from clauses.inbound.calendar_replies import review_list
    from clauses.storage import Database

    database = Database()
    try:
        with database.transaction() as session:
            items = review_list(session, include_settled=args.all, include_tentative=not args.no_tentative)
    finally:
        database.dispose()
    lines: list[str] = []
    data = []
    for item in items:
        who = item.candidate_name or item.sender or "expéditeur inconnu"
        lines.append(f"n° {item.id} — reçue le {_when(item.received_at)} — {item.label}")
        lines.append(f"    de : {who}")
        if item.event_label:
            lines.append(f"    événement : {item.event_label}"
                         + (f" du {_when(item.event_start)}" if item.event_start else ""))
        if item.subject:
            lines.append(f"    objet : {item.subject}")
        if item.excerpt:
            lines += [f"    | {line}" for line in item.excerpt.splitlines()]
        if item.settled_at:
            lines.append(f"    traitée le {_when(item.settled_at)}")
        data.append({
            "id": item.id, "received_at": item.received_at.isoformat(), "outcome": item.outcome,
            "label": item.label, "candidate_id": item.candidate_id, "candidate": item.candidate_name,
            "sender": item.sender, "event_id": item.event_id, "subject": item.subject, "excerpt": item.excerpt,
            "settled_at": item.settled_at.isoformat() if item.settled_at else None,
        })
    if not items:
        lines.append("aucune réponse à examiner")
    else:
        lines.append("Une fois une réponse traitée : « clauses replies settle N… » (ses détails personnels sont effacés).")
    title = f"Réponses à examiner : {len(items)}"
    return Summary(title=title, data={"ok": True, "replies": data}, lines=lines)


def settle(raw_ids: list[str]) -> Summary:
    from clauses.inbound.calendar_replies import settle as settle_replies
    from clauses.storage import Database

    if not raw_ids:
        raise ClausesError("indiquez les numéros des réponses traitées, par exemple : clauses replies settle 12 14")
    try:
        ids = [int(value) for value in raw_ids]
    except ValueError:
        bad = next(v for v in raw_ids if not v.isdigit())
        raise ClausesError(f"'{bad}' n'est pas un numéro de réponse (voir « clauses replies list »)") from None
    database = Database()
    try:
        with database.transaction() as session:
            done = settle_replies(session, ids)
    finally:
        database.dispose()
    unknown = sorted(set(ids) - set(done))
    lines = [f"traitées : {', '.join(map(str, done)) or 'aucune'}"]
    if unknown:
        lines.append(f"ignorées (inconnues ou déjà traitées) : {', '.join(map(str, unknown))}")
    return Summary(title="Réponses retirées de la liste", data={"ok": True, "settled": done, "ignored": unknown},
                   lines=lines)
