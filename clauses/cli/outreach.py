"""``clauses invite``, ``clauses followups`` and ``clauses preview KIND``."""

from __future__ import annotations

import argparse
from pathlib import Path

from clauses.cli.summary import Summary
from clauses.french import counted


def register(subparsers: argparse._SubParsersAction) -> None:
    from clauses.cli import add_json_flag
    from clauses.messages.render import KINDS

    invite = subparsers.add_parser(
        "invite",
        help="inviter des candidats aux événements approuvés (e-mail et invitation d'agenda)",
        description="Choisir les invités de chaque événement approuvé à venir (public prioritaire, métiers souhaités, "
        "commune, au plus quelques messages par semaine : réglages dans config/outreach.yaml), "
        "puis envoyer les invitations par le transport configuré (dossier d'envoi ou SendGrid). "
        "Relancer la commande n'envoie rien deux fois.",
    )
    invite.add_argument("--event", dest="event_ids", type=int, action="append", metavar="ÉVÉNEMENT",
                        help="cet événement seulement (numéro ; répétable)")
    invite.add_argument("--outbox", metavar="DOSSIER", help="dossier d'envoi du transport fichier (par défaut : <données>/outbox)")
    invite.add_argument("--batch-size", type=int, default=500, metavar="N", help="messages par lot (par défaut 500)")
    add_json_flag(invite)
    invite.set_defaults(handler=run_invite)

    followups = subparsers.add_parser(
        "followups",
        help="envoyer les rappels et relances du jour",
        description="Rappels, changements, annulations, remerciements, « nous vous attendions », propositions de "
        "POEC et demandes de nouvelles après une POEC (délais réglables dans config/outreach.yaml). "
        "Peut être lancée deux fois par jour sans rien envoyer deux fois.",
    )
    followups.add_argument("--outbox", metavar="DOSSIER",
                           help="dossier d'envoi du transport fichier (par défaut : <données>/outbox)")
    followups.add_argument("--batch-size", type=int, default=500, metavar="N", help="messages par lot (par défaut 500)")
    add_json_flag(followups)
    followups.set_defaults(handler=run_followups)

    preview = subparsers.add_parser(
        "preview",
        help="écrire un message d'exemple dans des fichiers (.html, .txt, .eml, .ics)",
        description="Écrire un message du type demandé, rempli de données d'exemple, dans des fichiers à ouvrir.",
    )
    preview.add_argument("kind", choices=KINDS, metavar="TYPE", help="type de message : " + ", ".join(KINDS))
    preview.add_argument("--out", metavar="DOSSIER", help="dossier (par défaut : <données>/preview)")
    add_json_flag(preview)
    preview.set_defaults(handler=run_preview)


def held_by_cap_fr(count: int, cap: int) -> str:
    """Messages due but not queued this week, and why: « 10 messages reportés : pas plus de 3 e-mails
    par personne et par semaine »."""
    return (f"{counted(count, 'message reporté', 'messages reportés')} : pas plus de "
            f"{counted(cap, 'e-mail', 'e-mails')} par personne et par semaine")


def _lines(result: dict) -> list[str]:
    from flows.outreach_common import KIND_LABELS_FR

    lines = [
        held_by_cap_fr(count, result["weekly_cap"]) if kind == "held_by_cap" else f"{KIND_LABELS_FR.get(kind, kind)} à envoyer : {count}"
        for kind, count in sorted(result["planned"].items())
    ]
    lines.append(f"envoyés : {result['sent']} ; non envoyés (personne injoignable ou événement annulé) : "
                 f"{result['skipped']} ; refusés par le prestataire : {result['failed']}")
    recovered = result.get("recovered") or {}
    if any(recovered.values()):
        lines.append(f"messages interrompus : {recovered.get('sent', 0)} confirmés, {recovered.get('released', 0)} "
                     f"remis à l'envoi, {recovered.get('waiting', 0)} en attente de l'accusé de SendGrid")
    return lines


def run_invite(args: argparse.Namespace) -> Summary:
    from flows.send_invitations import send_invitations

    result = send_invitations(event_ids=args.event_ids, batch_size=args.batch_size, outbox=args.outbox)
    return Summary(title="Invitations", data={"ok": True, **result}, lines=_lines(result))


def run_followups(args: argparse.Namespace) -> Summary:
    from flows.send_followups import send_followups

    result = send_followups(batch_size=args.batch_size, outbox=args.outbox)
    return Summary(title="Relances", data={"ok": True, **result}, lines=_lines(result))


def run_preview(args: argparse.Namespace) -> Summary:
    from clauses import settings
    from clauses.config import load_config
    from clauses.messages.preview import write_preview

    folder = Path(args.out) if args.out else settings.output_dir("preview")
    paths = write_preview(args.kind, load_config(), folder)
    return Summary(title=f"Aperçu du message « {args.kind} »", data={"ok": True, "files": [str(p) for p in paths]},
                   lines=[str(p) for p in paths])
