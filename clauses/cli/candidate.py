"""``clauses candidate show ID|EMAIL|SOURCE:ID``: one person's history, printed on this terminal only.

No Prefect run (so no log and no artifact holds it) and no ``--json`` file: the lines go to
standard output and nowhere else."""

from __future__ import annotations

import argparse

from clauses.cli.summary import Summary


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "candidate",
        help="show one candidate's history (invitations, answers, attendance, messages)",
        description="Show one person's history in French: invitations, answers, attendance and every "
        "message with its state. Printed on this terminal only, never in a log or an artifact.",
    )
    sub = parser.add_subparsers(dest="candidate_command", required=True, metavar="ACTION")
    show = sub.add_parser("show", help="one candidate's history",
                          description="Find the person by number, email address or partner identifier "
                          "(SOURCE:IDENTIFIANT, or the identifier alone).")
    show.add_argument("who", metavar="ID|EMAIL|SOURCE:ID")
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
