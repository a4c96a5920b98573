"""Flow ``forecast_labour_needs``: weekly (or monthly) labour needs per trade, with P10/P50/P90.

Story: read the pipeline's lots → simulate chunks of lots as tasks (on threads by default, or on a
Dask cluster: ``forecast_labour_needs.with_options(task_runner=DaskTaskRunner(...))``) → combine and
store a snapshot (compared with the previous one) → write CSV, XLSX, PNG fan chart and a markdown
summary → publish a table and a markdown artifact.
"""

from __future__ import annotations

import datetime as dt
import json

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from clauses import settings
from clauses.config import load_config
from clauses.forecast.engine import finish, plan_chunks, simulation_spec
from clauses.forecast.export import write_forecast_files
from clauses.forecast.inputs import prepare, read_lots
from clauses.forecast.parameters import BASE_QUANTILES, ForecastParameters
from clauses.forecast.simulation import simulate_chunk
from clauses.forecast.snapshot import save_snapshot
from clauses.storage import Database


@task(cache_policy=NO_CACHE)
def load_and_prepare(params: ForecastParameters):
    database = Database()
    try:
        with database.transaction() as session:
            lots = read_lots(session)
    finally:
        database.dispose()
    return prepare(lots, load_config(), params)


@task(cache_policy=NO_CACHE)
def simulate_lots(lots, first_block: int, spec):
    return simulate_chunk(lots, first_block, spec)


@task(cache_policy=NO_CACHE)
def combine_and_store(prepared, spec, parts, params: ForecastParameters):
    config = load_config()
    result = finish(prepared, spec, parts, config, params)
    database = Database()
    try:
        with database.transaction() as session:
            snapshot = save_snapshot(session, result)
            snapshot_id, changes = snapshot.id, snapshot.changes
    finally:
        database.dispose()
    return result, snapshot_id, changes


@task(cache_policy=NO_CACHE)
def write_files(result, snapshot_id: int, changes):
    config = load_config()
    labels = {t.key: t.label for t in config.trades}
    files, markdown = write_forecast_files(result, snapshot_id, changes, labels, settings.output_dir("forecasts"))
    return {k: str(v) for k, v in files.items()}, markdown


@flow(name="forecast_labour_needs")
def forecast_labour_needs(
    as_of: dt.date | None = None,
    horizon_weeks: int | None = None,
    period: str = "week",
    scenarios: int | None = None,
    seed: int | None = None,
    quantiles: list[float] | None = None,
    trades: list[str] | None = None,
    communes: list[str] | None = None,
    chunk_lots: int | None = None,
) -> dict:
    """Forecast insertion hours, FTE and people to bring in per trade and period, with a range."""
    logger = get_run_logger()
    config = load_config()
    fc = config.forecast
    params = ForecastParameters.from_config(
        config, as_of=as_of, horizon_weeks=horizon_weeks, period=period, scenarios=scenarios, seed=seed,
        quantiles=tuple(quantiles or BASE_QUANTILES), trades=tuple(trades or ()), communes=tuple(communes or ()),
    )
    params.check()
    prepared = load_and_prepare(params)
    spec = simulation_spec(prepared, config, params)
    chunks = plan_chunks(len(prepared.lots), chunk_lots or fc.chunk_lots)
    logger.info("%d lots in %d chunk(s), %d scenarios", len(prepared.lots), len(chunks), params.scenarios)
    futures = [simulate_lots.submit(prepared.lots.slice(c.start, c.stop), c.first_block, spec) for c in chunks]
    parts = [f.result() for f in futures]  # in chunk order: the sum does not depend on scheduling
    result, snapshot_id, changes = combine_and_store(prepared, spec, parts, params)
    files, markdown = write_files(result, snapshot_id, changes)

    labels = {t.key: t.label for t in config.trades}
    rows = [
        {
            "métier": labels.get(key, key),
            "heures P10": round(t["hours"]["p10"]),
            "heures P50": round(t["hours"]["p50"]),
            "heures P90": round(t["hours"]["p90"]),
            "pic ETP P50": t["peak_fte_p50_value"],
            "personnes à recruter P50": t["people"]["p50"],
        }
        for key, t in result.totals.items()
        if t["hours"]["mean"] > 0
    ]
    create_table_artifact(table=rows, key="forecast-labour-needs", description="Besoins par métier sur l'horizon")
    create_markdown_artifact(markdown=markdown, key="forecast-labour-needs-summary", description="Prévision")
    return json.loads(
        json.dumps(
            {
                "snapshot_id": snapshot_id,
                "fingerprint": result.fingerprint,
                "parameters": params.as_json(),
                "lots_used": result.lot_count,
                "chunks": len(chunks),
                "totals": result.totals,
                "changes": changes,
                "diagnostics": result.diagnostics,
                "files": files,
                "markdown": markdown,
            },
            default=str,
        )
    )


if __name__ == "__main__":  # pragma: no cover
    forecast_labour_needs()
