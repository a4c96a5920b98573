"""Flow ``apply_retention``: candidates inactive for the configured period (24 months by default)
are anonymised or deleted with everything personal linked to them; the run is recorded and
published with counts only.

Story: one task does the whole run in one transaction (candidates in batches inside), so a failure
changes nothing in the database → a markdown artifact with the counts.
"""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from clauses.config import load_config
from clauses.retention import apply_retention as apply_retention_core
from clauses.storage import Database

COUNT_LABELS = {
    "candidates_examined": "Candidats examinés",
    "candidates_inactive": "Candidats inactifs",
    "candidates_anonymised": "Candidats anonymisés",
    "candidates_deleted": "Candidats supprimés",
    "identities_deleted": "Identifiants partenaires supprimés",
    "participations_archived": "Participations conservées anonymement",
    "messages_scrubbed": "Messages nettoyés",
    "outbox_files_deleted": "Fichiers .eml supprimés",
    "company_contacts_retired": "Contacts d’entreprise retirés",
}


@task(cache_policy=NO_CACHE)
def apply_in_one_transaction(mode: str | None, inactive_months: int | None, dry_run: bool) -> dict:
    database = Database()
    try:
        with database.transaction() as session:
            result = apply_retention_core(session, load_config(), mode=mode, inactive_months=inactive_months, dry_run=dry_run)
    finally:
        database.dispose()
    return result.as_dict()


def markdown_summary(result: dict) -> str:
    title = "Conservation des données" + (" — simulation (rien n'a été modifié)" if result["dry_run"] else "")
    mode = "anonymisation" if result["mode"] == "anonymise" else "suppression"
    lines = [
        f"# {title}",
        "",
        f"Mode : {mode}. Inactifs depuis plus de {result['inactive_months']} mois "
        f"(aucune activité depuis le {result['cutoff'][:10]}). Exécution n° {result['run_id']}.",
        "",
        "| | nombre |",
        "|---|---:|",
        *(f"| {label} | {result[key]} |" for key, label in COUNT_LABELS.items()),
    ]
    return "\n".join(lines)


@flow(name="apply_retention")
def apply_retention(mode: str | None = None, inactive_months: int | None = None, dry_run: bool = False) -> dict:
    """Anonymise (default) or delete the candidates inactive for ``inactive_months``."""
    logger = get_run_logger()
    result = apply_in_one_transaction(mode, inactive_months, dry_run)
    logger.info("retention run %s: %s inactive candidate(s), dry run %s", result["run_id"], result["candidates_inactive"], dry_run)
    create_markdown_artifact(markdown=markdown_summary(result), key="retention-run", description="Conservation des données")
    return result


if __name__ == "__main__":  # pragma: no cover
    apply_retention()
