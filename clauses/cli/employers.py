"""``clauses entreprises contacts FICHIER`` and ``clauses entreprises inviter``: the employers of
recruitment events (their contact addresses, and their invitations)."""

from __future__ import annotations

import argparse

from clauses.cli.summary import Summary
from clauses.french import counted


def register(subparsers: argparse._SubParsersAction) -> None:
    from clauses.cli import add_json_flag

    parser = subparsers.add_parser(
        "entreprises",
        help="les employeurs des rencontres de recrutement : adresses de contact, invitations",
        description="Les entreprises titulaires des lots (et les membres du GEIQ, config/employers.yaml) invitées "
        "aux rencontres de recrutement.",
    )
    sub = parser.add_subparsers(dest="employers_command", required=True, metavar="ACTION")
    contacts = sub.add_parser(
        "contacts", help="importer les adresses de contact des entreprises (CSV ou XLSX)",
        description="Colonnes : SIRET (ou Entreprise, pour une entreprise connue par son nom seulement), Courriel, "
        "Contact (facultatif : la personne à saluer). Une ligne par entreprise ; une nouvelle adresse remplace "
        "l'ancienne. Le fichier est pris en entier ou refusé en entier. Les adresses ne sont jamais affichées.",
    )
    contacts.add_argument("path", metavar="FICHIER")
    add_json_flag(contacts)
    contacts.set_defaults(handler=run_contacts)

    invite = sub.add_parser(
        "inviter", help="inviter les entreprises aux rencontres de recrutement approuvées",
        description="Choisir les entreprises de chaque rencontre de recrutement approuvée à venir, puis envoyer "
        "leurs invitations (e-mail et invitation d'agenda). D'abord les titulaires des lots du métier que la "
        "rencontre sert (celle qui doit le plus d'heures d'insertion en premier), puis les entreprises "
        "adhérentes du GEIQ de ce métier, dans la limite des places employeurs de la rencontre. "
        "Affiche, pour chaque rencontre, les entreprises invitées, celles en attente d'une place et celles "
        "qui ne sont pas invitées, avec la raison. Relancer la commande n'envoie rien deux fois.",
    )
    invite.add_argument("--event", dest="event_ids", type=int, action="append", metavar="ÉVÉNEMENT",
                        help="cette rencontre seulement (numéro ; répétable)")
    invite.add_argument("--outbox", metavar="DOSSIER", help="dossier d'envoi du transport fichier (par défaut : <données>/outbox)")
    invite.add_argument("--batch-size", type=int, default=500, metavar="N", help="messages par lot (par défaut 500)")
    add_json_flag(invite)
    invite.set_defaults(handler=run_invite)


def run_contacts(args: argparse.Namespace) -> Summary:
    from clauses.config import load_config
    from clauses.ingest.company_contacts import import_contacts
    from clauses.storage import Database

    database = Database()
    try:
        with database.transaction() as session:
            result = import_contacts(session, load_config(), args.path)
    finally:
        database.dispose()
    lines = [f"{counted(result.rows, 'ligne lue', 'lignes lues')} : {counted(result.created, 'adresse ajoutée', 'adresses ajoutées')}, "
             f"{counted(result.updated, 'modifiée', 'modifiées')}, {counted(result.unchanged, 'inchangée', 'inchangées')}",
             *result.warnings]
    return Summary(title=f"Adresses des entreprises importées ({result.file})", data={"ok": True, **result.as_dict()},
                   lines=lines)


def run_invite(args: argparse.Namespace) -> Summary:
    from clauses.cli.outreach import _lines
    from flows.send_employer_invitations import event_lines, send_employer_invitations

    result = send_employer_invitations(event_ids=args.event_ids, batch_size=args.batch_size, outbox=args.outbox)
    lines = event_lines(result["events"]) or ["aucune rencontre de recrutement approuvée à venir : aucune entreprise à inviter"]
    return Summary(title="Invitations des employeurs", data={"ok": True, **result}, lines=lines + _lines(result))
