"""Flow ``demo``: the whole story on the sample data of a Clermont pipeline.

Writes the sample files, then runs each job as a sub-flow, in the order a clause cell lives it.
Everything stays on this machine: SQLite, Prefect's local server, the file outbox.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger

from clauses import settings
from clauses.sample import write_candidates, write_pipeline
from flows.import_candidates import import_candidates
from flows.ingest_pipeline import ingest_pipeline


@flow(name="demo")
def demo(folder: str | None = None) -> dict:
    """Run every job on the sample data; returns where to look.

    Args:
        folder: where to write the sample files (default: the data folder's ``demo/``).
    """
    logger = get_run_logger()
    sample_dir = Path(folder) if folder else settings.output_dir("demo")
    pipeline_file = write_pipeline(sample_dir)
    candidates_file = write_candidates(sample_dir)
    logger.info("sample files written to %s", sample_dir)

    steps: dict[str, object] = {}
    steps["ingest_pipeline"] = ingest_pipeline(path=str(pipeline_file))
    steps["import_candidates"] = import_candidates(path=str(candidates_file))
    return {
        "sample_files": [str(pipeline_file), str(candidates_file)],
        "database": settings.database_url(),
        "data_dir": str(settings.data_dir()),
        "steps": steps,
    }
