"""Flow ``ingest_email_events``: SendGrid's signed Event Webhook batches → stored events and their
effects (bounced addresses, opt-outs, activity, sent messages).

Story: take the files given, or every batch the receiver (``clauses events serve``) spooled → verify
each signature and store its events, a task per chunk of files → publish counts. Spooled batches
are deleted once stored (they hold addresses) and parked in ``rejected/`` otherwise. Logs and the
artifact show counts and file names only, never an address. A run with a rejected file ends failed,
after the other files are stored, so someone looks at it.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from clauses.config import load_config
from clauses.errors import InputError, Problem
from clauses.inbound import email_events as ee
from clauses.storage import Database

FILES_PER_TASK = 200

EFFECT_LABELS = {
    "email_bounced": "adresse invalide (bounce, dropped)",
    "opted_out": "désinscription",
    "opted_in": "réinscription",
    "activity": "activité (ouverture, clic)",
    "stale_address": "bounce d'une ancienne adresse (ignoré)",
    "no_candidate": "aucun candidat trouvé",
    "anonymised": "candidat anonymisé (ignoré)",
    "unchanged": "déjà pris en compte",
    "stored": "enregistré seulement",
}


@task(name="verify and store a chunk of webhook batches", cache_policy=NO_CACHE)
def ingest_chunk(paths: list[str], skip_invalid: bool, from_spool: bool) -> list[ee.FileOutcome]:
    settings = load_config().messaging.sendgrid.event_webhook
    public_key = ee.resolve_public_key(settings)
    database = Database()
    try:
        return ee.ingest_paths(database, [Path(p) for p in paths], public_key, skip_invalid=skip_invalid,
                               from_spool=from_spool, max_age_seconds=settings.max_age_seconds)
    finally:
        database.dispose()


def _markdown(summary: dict) -> str:
    lines = [
        "# Événements email SendGrid",
        "",
        "| fichiers | acceptés | événements reçus | enregistrés | doublons | messages confirmés envoyés |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {summary['files']} | {summary['accepted_files']} | {summary['received']} | {summary['stored']} "
        f"| {summary['duplicates']} | {summary['messages_reconciled']} |",
    ]
    if summary["types"]:
        lines += ["", "| type | nombre |", "|---|---:|"] + [f"| {k} | {v} |" for k, v in summary["types"].items()]
    if summary["effects"]:
        lines += ["", "| effet | nombre |", "|---|---:|"]
        lines += [f"| {EFFECT_LABELS.get(k, k)} | {v} |" for k, v in summary["effects"].items()]
    if summary["rejected_files"]:
        lines += ["", f"## Fichiers refusés ({len(summary['rejected_files'])})", "", "| fichier | motif |", "|---|---|"]
        for item in summary["rejected_files"][:30]:
            lines.append(f"| `{item['file']}` | {' ; '.join(item['reasons']).replace('|', '/')} |")
    return "\n".join(lines)


@flow(name="ingest_email_events")
def ingest_email_events(paths: list[str] | None = None, skip_invalid: bool = False) -> dict:
    """Store SendGrid email events and apply their effects on candidates.

    Args:
        paths: signed envelope files (see ``clauses/inbound/email_events.py``); default: every
            batch waiting in the receiver's spool folder.
        skip_invalid: in a correctly signed batch, store the well-formed events and report the
            others (by default such a batch is refused whole).
    """
    logger = get_run_logger()
    from_spool = not paths
    files = [str(p) for p in ee.spooled_files()] if from_spool else list(paths)
    outcomes: list[ee.FileOutcome] = []
    for start in range(0, len(files), FILES_PER_TASK):
        outcomes += ingest_chunk(files[start : start + FILES_PER_TASK], skip_invalid, from_spool)
    summary = ee.summarise(outcomes)
    rejects = ee.write_event_rejects(outcomes) if skip_invalid else None
    summary["rejects_file"] = str(rejects) if rejects else None
    logger.info(
        "%d file(s), %d accepted; %d event(s) stored, %d duplicate(s); effects %s",
        summary["files"], summary["accepted_files"], summary["stored"], summary["duplicates"], summary["effects"],
    )
    create_markdown_artifact(markdown=_markdown(summary), key="email-events", description="Événements email SendGrid")
    if summary["rejected_files"]:
        problems = [Problem(item["file"], None, None, reason) for item in summary["rejected_files"] for reason in item["reasons"]]
        raise InputError(problems, hint="Les lots signés refusés sont mis de côté dans le dossier rejected/ de l'attente.")
    return summary
