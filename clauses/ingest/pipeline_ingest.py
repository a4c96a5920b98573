"""Ingest one pipeline file (CSV, XLSX or DECP JSON) into the database, all or nothing.

By default a file with any invalid row is rejected whole and the database is left exactly as it
was. With ``skip_invalid`` the valid rows are loaded and the rejected ones written, with their
reasons, to a CSV in the data folder's ``rejects/``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from clauses.config import Config
from clauses.errors import InputError, Problem
from clauses.exports import rejects_path, write_csv
from clauses.ingest.pipeline import PIPELINE_COLUMNS, REQUIRED_COLUMNS, SELF_TRIMMED_COLUMNS, ValidatedPipeline, validate_pipeline
from clauses.ingest.pipeline_store import store_lots
from clauses.ingest.results import IngestResult, file_sha256
from clauses.ingest.awardees import sheet_awardees, store_awardees
from clauses.ingest.decp import validate_decp
from clauses.readers.decp import read_decp_json
from clauses.readers.decp_table import is_decp_table, read_decp_table
from clauses.readers.tabular import read_sheet, sniff_separator
from clauses.storage import Database, ImportRun
from clauses.storage.reference_sync import sync_reference

SKIP_HINT = "Corriger le fichier puis le charger de nouveau, ou utiliser --skip-invalid pour ne charger que les lignes valides."


def _csv_headers(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", errors="replace") as handle:
        header = handle.readline()
    return [h.strip().strip('"') for h in header.rstrip("\r\n").split(sniff_separator(header))]


def read_pipeline(
    path: Path | str, config: Config, *, assume_clause: bool = False, whole_country: bool = False
) -> ValidatedPipeline:
    """Read and validate a pipeline file; touches no database. DECP open data (JSON, or the
    tabular consolidated DECP as CSV or Parquet) goes through ``clauses.ingest.decp``."""
    path = Path(path)
    suffix = path.suffix.lower()
    decp = None
    if suffix == ".json":
        decp = read_decp_json(path)
    elif suffix == ".parquet" or (suffix == ".csv" and path.is_file() and is_decp_table(_csv_headers(path))):
        decp = read_decp_table(path)
    if decp is not None:
        return validate_decp(decp, config, assume_clause=assume_clause, whole_country=whole_country)
    sheet = read_sheet(path, PIPELINE_COLUMNS, REQUIRED_COLUMNS, untrimmed=SELF_TRIMMED_COLUMNS)
    source = "xlsx" if suffix in (".xlsx", ".xlsm") else "csv"
    # The awardees of every row are gathered while the rows are checked (on Arrow, which releases
    # the GIL), and gathered again for the rows kept in the rare file where some are not.
    with ThreadPoolExecutor(max_workers=1) as pool:
        every_row = pool.submit(sheet_awardees, sheet.frame)
        validated = validate_pipeline(
            sheet.frame, sheet.rows, file=sheet.file, source=source, config=config, headers=sheet.original_headers
        )
    validated.awardees = every_row.result() if validated.kept.all() else sheet_awardees(sheet.frame, validated.kept)
    return validated


def store_pipeline(
    db: Database, validated: ValidatedPipeline, config: Config, *, sha256: str, skip_invalid: bool = False
) -> IngestResult:
    """Write validated lots in one transaction; refuse a file with problems unless ``skip_invalid``."""
    if validated.problems and not skip_invalid:
        raise InputError(validated.problems, hint=SKIP_HINT)
    with db.transaction() as session:
        sync_reference(session, config)
        counts = store_lots(session, validated.lots, source=validated.source, source_file=validated.file)
        store_awardees(session, validated.awardees, validated.lots["external_id"].tolist())
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
        warnings=[Problem(validated.file, None, None, warning) for warning in validated.warnings],
    )
    if not len(validated.lots) and not len(validated.rejected) and not validated.skipped:
        result.warnings.append(Problem(validated.file, None, None, "aucun lot dans le fichier : rien n'a été importé"))
    loaded = counts.created + counts.updated + counts.unchanged
    if not loaded and validated.records_read:
        result.warnings.append(Problem(validated.file, None, None,
            "aucun lot chargé : " + (
                f"les {validated.records_read} enregistrements du fichier ont tous été écartés ou refusés"
                if validated.records_read > 1 else "le seul enregistrement du fichier a été écarté ou refusé"
            ) + " (raisons ci-dessus)"
        ))
    if len(validated.rejected):
        result.rejects_file = str(write_csv(validated.rejected, rejects_path(Path(validated.file).stem)))
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
