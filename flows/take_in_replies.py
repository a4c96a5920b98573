"""Flow ``take_in_replies``: answers that came back by email (calendar buttons, plain text) → the
participations they change, and the coordinators' list of those a person must look at.

Story: take the .eml files given, or every file in the drop folder (``<data dir>/replies/``, where a
mailbox exported by hand is put) → record each message once, apply the calendar answers, a task per
chunk of files → publish counts by outcome. Files of the drop folder are deleted once recorded (they
hold personal data). The artifact and the logs show counts and outcomes only, never a name or an
address: the names are in ``clauses replies list``, on the coordinator's machine. Replies that
SendGrid's Inbound Parse posts are taken in by the web service as they come, not by this flow.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from clauses.inbound import calendar_replies as cr
from clauses.storage import Database

FILES_PER_TASK = 200


@task(name="take in a chunk of reply files", cache_policy=NO_CACHE)
def take_in_chunk(paths: list[str], from_drop_folder: bool) -> list[cr.FileResult]:
    database = Database()
    try:
        return cr.take_in_files(database, [Path(p) for p in paths], delete_after=from_drop_folder)
    finally:
        database.dispose()


def _markdown(summary: dict) -> str:
    lines = [
        "# Réponses reçues par e-mail",
        "",
        "| messages | déjà reçus | enregistrés | participations modifiées | à examiner |",
        "|---:|---:|---:|---:|---:|",
        f"| {summary['messages']} | {summary['duplicates']} | {summary['recorded']} "
        f"| {summary['participations_changed']} | {summary['to_review']} |",
    ]
    if summary["outcomes"]:
        lines += ["", "| résultat | nombre |", "|---|---:|"]
        lines += [f"| {cr.LABELS.get(k, k)} | {v} |" for k, v in summary["outcomes"].items()]
    if summary["to_review"]:
        lines += ["", "La liste à examiner, avec les noms : `clauses replies list` sur le poste du coordinateur."]
    if summary["unreadable_files"]:
        lines += ["", f"Fichiers non lus : {len(summary['unreadable_files'])}"]
    return "\n".join(lines)


@flow(name="take_in_replies")
def take_in_replies(paths: list[str] | None = None) -> dict:
    """Take in answers received by email (.eml files) and apply the calendar replies.

    Args:
        paths: .eml files or folders of them; default: the drop folder (``<data dir>/replies/``),
            whose files are deleted once recorded.
    """
    logger = get_run_logger()
    from_drop_folder = not paths
    files, missing = cr.eml_files([cr.drop_folder()] if from_drop_folder else paths)
    results: list[cr.FileResult] = list(missing)
    names = [str(p) for p in files]
    for start in range(0, len(names), FILES_PER_TASK):
        results += take_in_chunk(names[start : start + FILES_PER_TASK], from_drop_folder)
    summary = cr.counts([r.outcome for r in results if r.outcome is not None])
    summary["unreadable_files"] = [{"file": r.file, "reason": r.problem} for r in results if r.problem]
    logger.info("%d message(s): %d recorded, %d already known, %d to review; outcomes %s",
                summary["messages"], summary["recorded"], summary["duplicates"], summary["to_review"],
                summary["outcomes"])
    create_markdown_artifact(markdown=_markdown(summary), key="email-replies", description="Réponses reçues par e-mail")
    return summary
