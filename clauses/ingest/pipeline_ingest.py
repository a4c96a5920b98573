"""Ingest one pipeline file (CSV, XLSX or DECP JSON) into the database, all or nothing.

By default a file with any invalid row is rejected whole and the database is left exactly as it
was. With ``skip_invalid`` the valid rows are loaded and the rejected ones written, with their
reasons, to a CSV in the data folder's ``rejects/``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from clauses import settings
from clauses.config import Config
from clauses.errors import InputError, Problem
from clauses.exports import write_csv
from clauses.ingest.pipeline import PIPELINE_COLUMNS, REQUIRED_COLUMNS, SELF_TRIMMED_COLUMNS, ValidatedPipeline, validate_pipeline
from clauses.ingest.pipeline_store import store_lots
from clauses.ingest.results import IngestResult, file_sha256
from clauses.readers.decp import read_decp
from clauses.readers.tabular import read_sheet
from clauses.storage import Database, ImportRun
from clauses.storage.reference_sync import sync_reference

SKIP_HINT = "Corriger le fichier puis le charger de nouveau, ou utiliser --skip-invalid pour ne charger que les lignes valides."


def read_pipeline(
    path: Path | str, config: Config, *, assume_clause: bool = False, whole_country: bool = False
) -> ValidatedPipeline:
    """Read and validate a pipeline file; touches no database."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        decp = read_decp(path, config, assume_clause=assume_clause, whole_country=whole_country)
        validated = validate_pipeline(
            decp.frame, decp.labels, file=path.name, source="decp", config=config,
            skipped=decp.skipped, row_problems=decp.row_problems,
        )
        validated.problems[:0] = decp.problems
        return validated
    sheet = read_sheet(path, PIPELINE_COLUMNS, REQUIRED_COLUMNS, untrimmed=SELF_TRIMMED_COLUMNS)
    source = "xlsx" if path.suffix.lower() in (".xlsx", ".xlsm") else "csv"
    return validate_pipeline(
        sheet.frame, sheet.rows, file=sheet.file, source=source, config=config, headers=sheet.original_headers
    )


def store_pipeline(
    db: Database, validated: ValidatedPipeline, config: Config, *, sha256: str, skip_invalid: bool = False
) -> IngestResult:
    """Write validated lots in one transaction; refuse a file with problems unless ``skip_invalid``."""
    if validated.problems and not skip_invalid:
        raise InputError(validated.problems, hint=SKIP_HINT)
    with db.transaction() as session:
        sync_reference(session, config)
        counts = store_lots(session, validated.lots, source=validated.source, source_file=validated.file)
        session.add(
            ImportRun(
                kind="pipeline",
                file_name=validated.file,
                sha256=sha256,
                created=counts.created,
                updated=counts.updated,
                unchanged=counts.unchanged,
                rejected=len(validated.rejected),
            )
        )
    result = IngestResult(
        kind="pipeline",
        file=validated.file,
        created=counts.created,
        updated=counts.updated,
        unchanged=counts.unchanged,
        rejected=len(validated.rejected),
        skipped=validated.skipped,
        problems=validated.problems,
    )
    if not len(validated.lots) and not len(validated.rejected) and not validated.skipped:
        result.warnings.append(Problem(validated.file, None, None, "aucun lot dans le fichier : rien n'a été importé"))
    if len(validated.rejected):
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        path = settings.output_dir("rejects") / f"{Path(validated.file).stem}-rejected-{stamp}.csv"
        result.rejects_file = str(write_csv(validated.rejected, path))
    return result


def ingest_pipeline_file(
    db: Database,
    path: Path | str,
    config: Config,
    *,
    skip_invalid: bool = False,
    assume_clause: bool = False,
    whole_country: bool = False,
) -> IngestResult:
    path = Path(path)
    validated = read_pipeline(path, config, assume_clause=assume_clause, whole_country=whole_country)
    return store_pipeline(db, validated, config, sha256=file_sha256(path), skip_invalid=skip_invalid)
