"""Flow ``record_attendance``: a partner's attendance or registration sheet → participation states
(registered, declined, attended, no-show, excused, interested, enrolled, completed, hired).

Story: read and check every line, then record them in one transaction (all or nothing, unless
``skip_invalid``) → publish counts and the problems (row, column, reason; never a name or an
address). The follow-ups (``send_followups``) read the states recorded here.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from clauses.errors import ClausesError, Problem
from clauses.inbound.attendance import AttendanceOutcome, record_attendance as record_sheet
from clauses.storage import Database

MAX_PROBLEMS_SHOWN = 30
STATUS_LABELS_FR = {
    "registered": "inscrits", "declined": "désistés", "attended": "présents", "no_show": "absents",
    "excused": "excusés", "interested": "intéressés (POEC)", "enrolled": "entrés en formation",
    "completed": "formations terminées", "hired": "embauchés",
}


@task(name="check and record an attendance sheet", cache_policy=NO_CACHE)
def record_file(path: Path, skip_invalid: bool, default_status: str | None, source: str | None) -> AttendanceOutcome:
    database = Database()
    try:
        return record_sheet(database, path, skip_invalid=skip_invalid, default_status=default_status,
                            default_source=source)
    finally:
        database.dispose()


def _markdown(title: str, file: str, outcome: AttendanceOutcome | None, problems: list[Problem]) -> str:
    lines = [f"# {title}", "", f"Fichier : `{file}`"]
    if outcome is not None:
        lines += [
            "",
            "| lignes | nouvelles participations | changements d'état | inchangées | rejetées |",
            "|---:|---:|---:|---:|---:|",
            f"| {outcome.lines} | {outcome.created} | {outcome.changed} | {outcome.unchanged} | {outcome.rejected} |",
        ]
        if outcome.walk_in_rows:
            lines += ["", f"Personnes venues sans invitation, à rapprocher d'un candidat : {len(outcome.walk_in_rows)} "
                      f"(lignes {', '.join(map(str, outcome.walk_in_rows))}) ; rien n'a été deviné."]
        if outcome.statuses:
            lines += ["", "| état | lignes |", "|---|---:|"]
            lines += [f"| {STATUS_LABELS_FR.get(k, k)} | {v} |" for k, v in sorted(outcome.statuses.items())]
    if problems:
        lines += ["", f"## Problèmes ({len(problems)})", "", "| ligne | colonne | motif |", "|---|---|---|"]
        for problem in problems[:MAX_PROBLEMS_SHOWN]:
            lines.append(f"| {problem.row if problem.row is not None else ''} | {problem.column or ''} "
                         f"| {problem.reason.replace('|', '/')} |")
        if len(problems) > MAX_PROBLEMS_SHOWN:
            lines.append(f"\n… et {len(problems) - MAX_PROBLEMS_SHOWN} autres.")
    return "\n".join(lines)


@flow(name="record_attendance")
def record_attendance(path: str, skip_invalid: bool = False, default_status: str | None = None,
                      source: str | None = None) -> dict:
    """Record a partner's attendance or registration sheet.

    Args:
        path: a .csv or .xlsx sheet (see ``clauses/inbound/attendance.py`` for its columns).
        skip_invalid: record the valid lines and write the rejected ones, with reasons, to a CSV.
        default_status: the status of lines without one, e.g. "inscrit" for a registration list.
        source: the partner whose identifiers the sheet uses, when it has no "Source" column.
    """
    logger = get_run_logger()
    name = Path(path).name
    try:
        outcome = record_file(Path(path), skip_invalid, default_status, source)
    except ClausesError as exc:
        problems: list[Problem] = getattr(exc, "problems", [])
        create_markdown_artifact(markdown=_markdown("Présences : fichier refusé, rien n'a changé", name, None, problems),
                                 key="attendance", description="Présences et inscriptions")
        raise
    logger.info("%s: %d line(s), %d new, %d changed, %d unchanged, %d rejected", outcome.file, outcome.lines,
                outcome.created, outcome.changed, outcome.unchanged, outcome.rejected)
    create_markdown_artifact(markdown=_markdown("Présences et inscriptions enregistrées", outcome.file, outcome, outcome.problems),
                             key="attendance", description="Présences et inscriptions")
    return outcome.as_dict()
