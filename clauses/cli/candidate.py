"""``clauses candidate show ID|EMAIL|SOURCE:ID``: one person's history, printed on this terminal only.

No Prefect run (so no log and no artifact holds it) and no ``--json`` file: the lines go to
standard output and nowhere else."""

from __future__ import annotations

import argparse

from clauses.cli.summary import Summary


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "candidate",
        help="l'historique d'un candidat (invitations, réponses, présences, messages)",
        description="Affiche l'historique d'une personne : invitations, réponses, présences et chaque "
        "message avec son état. Affiché sur ce terminal seulement, jamais dans un journal ni un artefact.",
    )
    sub = parser.add_subparsers(dest="candidate_command", required=True, metavar="ACTION")
    show = sub.add_parser("show", help="l'historique d'un candidat",
                          description="Trouve la personne par son numéro, son adresse e-mail ou l'identifiant "
                          "de son partenaire (SOURCE:IDENTIFIANT, ou l'identifiant seul).")
    show.add_argument("who", metavar="N°|E-MAIL|SOURCE:IDENTIFIANT")
    show.set_defaults(handler=run_show)


def run_show(args: argparse.Namespace) -> Summary:
    from clauses.outreach.history import candidate_history
    from clauses.storage import Database

    database = Database()
    try:
        with database.transaction() as session:
            history = candidate_history(session, args.who)
    finally:
        database.dispose()
    return Summary(title=history.lines[0], data={"ok": True, "candidate_id": history.candidate_id},
                   lines=history.lines[1:])
