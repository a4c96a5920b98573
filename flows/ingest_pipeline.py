"""Flow ``ingest_pipeline``: load the pipeline of sites and lots (CSV, XLSX, DECP JSON).

A story in three steps: read and validate the file (nothing written), store the lots in one
transaction (all or nothing), publish a summary. ``path`` may be a file or a drop folder, whose
files are ingested one by one in name order (each file is atomic on its own).
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from clauses import french, settings
from clauses.config import load_config
from clauses.errors import ClausesError
from clauses.ingest.pipeline import ValidatedPipeline
from clauses.ingest.paths import pipeline_files
from clauses.ingest.pipeline_ingest import read_pipeline, store_pipeline
from clauses.ingest.results import IngestResult, file_sha256
from clauses.storage import Database
from flows.artifacts import publish_ingest_result

@task(name="read and validate pipeline file", cache_policy=NO_CACHE)
def read_and_validate(path: Path, decp_assume_clause: bool, whole_country: bool) -> ValidatedPipeline:
    return read_pipeline(path, load_config(), assume_clause=decp_assume_clause, whole_country=whole_country)


@task(name="store lots", cache_policy=NO_CACHE)
def store(validated: ValidatedPipeline, sha256: str, skip_invalid: bool) -> IngestResult:
    return store_pipeline(Database(), validated, load_config(), sha256=sha256, skip_invalid=skip_invalid)


@flow(name="ingest_pipeline")
def ingest_pipeline(
    path: str | None = None,
    skip_invalid: bool = False,
    decp_assume_clause: bool = False,
    whole_country: bool = False,
) -> list[dict]:
    """Ingest a pipeline file, or every pipeline file of a folder.

    Args:
        path: a .csv, .xlsx or DECP .json file, or a folder of them. Default: the drop folder
            (DATA_DIR/drop), whose files are moved to drop/done/ once ingested.
        skip_invalid: load the valid rows and write the rejected ones to a CSV, instead of refusing
            a file with any invalid row.
        decp_assume_clause: DECP 1.x files have no social-consideration field: treat every
            construction record (CPV division 45) as carrying a clause.
        whole_country: keep DECP records outside the configured territory.
    """
    logger = get_run_logger()
    drop_folder = path is None
    folder = settings.output_dir("drop") if drop_folder else Path(path)
    results, refused = [], []
    for file in pipeline_files(folder):
        validated = read_and_validate(file, decp_assume_clause, whole_country)
        try:
            result = store(validated, file_sha256(file), skip_invalid)
        except ClausesError as exc:
            rejected = IngestResult(kind="pipeline", file=file.name, rejected=len(validated.rejected), problems=validated.problems)
            publish_ingest_result(rejected, key="pipeline-ingestion", title="Chantiers : fichier refusé, rien n'a changé")
            refused.append((file.name, exc))
            continue
        logger.info("%s : %s", file.name, " ; ".join(result.lines()))
        publish_ingest_result(result, key="pipeline-ingestion", title="Chantiers et lots importés")
        results.append(result.as_dict())
        if drop_folder:
            done = settings.output_dir("drop/done")
            file.replace(done / file.name)
    if len(refused) == 1 and not results:
        raise refused[0][1]
    if refused:
        names = ", ".join(name for name, _ in refused)
        raise ClausesError(f"{french.counted(len(refused), 'fichier refusé', 'fichiers refusés')}, rien n'a changé pour "
                          f"{'lui' if len(refused) == 1 else 'eux'} : {names} ; les autres ont été chargés.\n"
                          + "\n".join(str(exc) for _, exc in refused))
    return results
