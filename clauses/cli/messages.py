"""``clauses messages release``: settle messages left "sending" (a SendGrid call without an answer,
or a run killed mid-way), with a dry run."""

from __future__ import annotations

import argparse
import datetime as dt

from clauses.cli.summary import Summary
from clauses.errors import ClausesError

KIND_LABELS = {
    "invitation": "invitation", "reminder": "rappel", "update": "changement", "cancellation": "annulation",
    "thanks": "remerciement", "missed_you": "« nous vous attendions »", "poec_offer": "proposition de POEC",
    "outcome_request": "demande de nouvelles", "waitlist_offer": "place proposée", "offer_expired": "offre expirée",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    from clauses.cli import add_json_flag

    messages = subparsers.add_parser(
        "messages",
        help="messages du registre d'envoi : trancher ceux restés « en cours d'envoi »",
        description="Gestion du registre des messages.",
    )
    actions = messages.add_subparsers(dest="action", required=True, metavar="ACTION")
    release = actions.add_parser(
        "release",
        help="remettre à l'envoi (ou noter envoyés) des messages restés « en cours d'envoi »",
        description="Un message reste « en cours d'envoi » quand SendGrid n'a pas répondu à temps (il l'a "
        "peut-être reçu) ou quand un envoi a été interrompu. L'événement « processed » de SendGrid le "
        "confirme d'habitude en quelques minutes. Sinon, après avoir regardé le journal d'activité de "
        "SendGrid : sans option, les messages choisis sont remis à l'envoi et partiront au prochain envoi "
        "(à ne faire que si SendGrid ne les a pas : sinon la personne les recevrait deux fois) ; avec "
        "--mark-sent, ils sont notés envoyés et ne repartiront jamais. Commencez par --dry-run.",
    )
    release.add_argument("--older-than", type=int, metavar="MINUTES",
                         help="les messages en cours d'envoi depuis au moins ce nombre de minutes")
    release.add_argument("--id", type=int, action="append", dest="ids", metavar="N",
                         help="ce message (numéro du registre) ; l'option peut être répétée")
    release.add_argument("--mark-sent", action="store_true", help="les noter envoyés au lieu de les remettre à l'envoi")
    release.add_argument("--dry-run", action="store_true", help="montrer ce qui serait fait, sans rien changer")
    add_json_flag(release)
    release.set_defaults(handler=run_release)


def _line(message) -> str:
    from clauses.french import datetime_long

    kind = KIND_LABELS.get(message.kind, message.kind)
    since = f"en cours d'envoi depuis le {datetime_long(message.sending_at)}" if message.sending_at else "en cours d'envoi"
    who = message.candidate_name or "candidat inconnu"
    event = f", événement n° {message.event_id}" if message.event_id else ""
    attempts = f"{message.attempts} tentative{'s' if message.attempts > 1 else ''}"
    return f"n° {message.id} — {kind} à {who}{event} — {since} — {attempts}"


def _count(n: int, mark_sent: bool, *, conditional: bool = False) -> str:
    """'3 messages seraient remis à l'envoi…', '1 message noté envoyé'."""
    if n == 0:
        return "aucun message ne serait changé" if conditional else "aucun message changé"
    plural = n > 1
    s = "s" if plural else ""
    be = ("seraient " if plural else "serait ") if conditional else ""
    if mark_sent:
        return f"{n} message{s} {be}noté{s} envoyé{s} (ne repartir{'ont' if plural else 'a'} jamais)"
    return f"{n} message{s} {be}remis à l'envoi (partir{'ont' if plural else 'a'} au prochain envoi)"


def run_release(args: argparse.Namespace) -> Summary:
    from clauses.messages.release import settle, stuck_messages
    from clauses.storage import Database

    if args.older_than is None and not args.ids:
        raise ClausesError("choisissez les messages : --older-than MINUTES (depuis combien de temps ils attendent) "
                           "ou --id N (répétable) ; commencez par --dry-run")
    if args.older_than is not None and args.older_than < 0:
        raise ClausesError("--older-than : un nombre de minutes positif ou nul")
    older_than = dt.timedelta(minutes=args.older_than) if args.older_than is not None else None
    database = Database()
    try:
        with database.transaction() as session:
            found = stuck_messages(session, older_than=older_than, ids=args.ids)
            changed = 0 if args.dry_run else settle(session, found, mark_sent=args.mark_sent)
    finally:
        database.dispose()
    missing = sorted(set(args.ids or []) - {m.id for m in found})
    if args.dry_run:
        title = f"Simulation, rien n'a changé : {_count(len(found), args.mark_sent, conditional=True)}"
    else:
        text = _count(changed, args.mark_sent)
        title = text[:1].upper() + text[1:]
    lines = [_line(m) for m in found]
    if not found:
        lines.append("aucun message en cours d'envoi ne correspond")
    if missing:
        lines.append(f"ignorés (inconnus ou pas en cours d'envoi) : {', '.join(map(str, missing))}")
    data = {
        "ok": True, "dry_run": args.dry_run, "action": "mark_sent" if args.mark_sent else "release",
        "selected": [m.id for m in found], "changed": changed, "ignored": missing,
    }
    return Summary(title=title, data=data, lines=lines)
