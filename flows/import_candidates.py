"""Flow ``import_candidates``: import a partner's list of candidates (CSV or XLSX).

Validate (nothing written), merge and store in one transaction, publish counts only: the
artifact and the logs never show a name, an email or a phone number.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from clauses.config import load_config
from clauses.errors import ClausesError, Problem
from clauses.ingest.candidates import import_candidates_file
from clauses.ingest.results import IngestResult
from clauses.storage import Database
from flows.artifacts import publish_ingest_result


@task(name="validate, merge and store candidates", cache_policy=NO_CACHE)
def import_file(path: Path, source: str | None, skip_invalid: bool) -> IngestResult:
    return import_candidates_file(Database(), path, load_config(), default_source=source, skip_invalid=skip_invalid)


@flow(name="import_candidates")
def import_candidates(path: str, source: str | None = None, skip_invalid: bool = False) -> dict:
    """Import candidates.

    Args:
        path: a .csv or .xlsx file from a partner.
        source: the partner's name when the file has no "Source" column (e.g. "France Travail").
        skip_invalid: import the valid rows and write the rejected ones to a CSV.
    """
    logger = get_run_logger()
    try:
        result = import_file(Path(path), source, skip_invalid)
    except ClausesError as exc:
        problems: list[Problem] = getattr(exc, "problems", [])
        refused = IngestResult(kind="candidates", file=Path(path).name, rejected=len({p.row for p in problems}), problems=problems)
        publish_ingest_result(refused, key="candidate-import", title="Candidats : fichier refusé, rien n'a changé", show_problem_values=False)
        raise
    logger.info("%s : %s", result.file, " ; ".join(result.lines()))
    publish_ingest_result(result, key="candidate-import", title="Candidats importés", show_problem_values=False)
    return result.as_dict()
