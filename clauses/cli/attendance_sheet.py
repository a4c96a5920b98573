"""``clauses attendance sheet EVENT_ID``: write an event's pre-filled attendance sheet (XLSX).

Registered by ``clauses.cli.inbound`` (the ``attendance`` command keeps its ``FILE`` form)."""

from __future__ import annotations

import argparse
from pathlib import Path

from clauses.cli.summary import Summary
from clauses.errors import ClausesError
from clauses.french import counted


def run_sheet(args: argparse.Namespace) -> Summary:
    from clauses.inbound.attendance_sheet import write_attendance_sheet
    from clauses.storage import Database

    if args.path != "sheet":
        raise ClausesError(f"« {args.path} » : écrivez « clauses attendance sheet N° » pour une feuille d'émargement, "
                           "ou « clauses attendance FICHIER » pour enregistrer une feuille remplie")
    if args.event_id is None or not str(args.event_id).isdigit():
        raise ClausesError("donnez le numéro de l'événement (celui de « clauses plan show »), "
                           "par exemple : clauses attendance sheet 12")
    database = Database()
    try:
        with database.transaction() as session:
            written = write_attendance_sheet(session, int(args.event_id), Path(args.output) if args.output else None)
    finally:
        database.dispose()
    return Summary(
        title=f"Feuille d'émargement de l'événement n° {written.event_id} écrite",
        data={"ok": True, "event_id": written.event_id, "people": written.people, "path": str(written.path)},
        lines=[f"{written.path}", f"{counted(written.people, 'personne invitée ou inscrite', 'personnes invitées ou inscrites')}, des lignes vides "
               "pour les personnes venues sans invitation",
               f"Une fois remplie : clauses attendance {written.path.name}"],
    )


def walk_in_lines(result: dict) -> list[str]:
    """What the coordinator reads about people who came without an invitation (row numbers only)."""
    rows = result.get("walk_in_rows") or []
    lines = []
    if result.get("unfilled"):
        lines.append(counted(result["unfilled"], "ligne sans statut, non enregistrée", "lignes sans statut, non enregistrées"))
    if rows:
        lines.append(f"{counted(len(rows), 'personne venue', 'personnes venues')} sans invitation "
                     f"({'ligne' if len(rows) == 1 else 'lignes'} {', '.join(map(str, rows))}) : "
                     "à rapprocher d'un candidat (clauses candidate show), rien n'a été deviné")
        if result.get("walk_ins_file"):
            lines.append(f"leurs lignes : {result['walk_ins_file']}")
    return lines
