"""The plan step of the demo on the sample data, timed: sample pipeline → ingest (temporary SQLite)
→ forecast (in process, the flow's defaults) → ``run_planning`` (the flow's defaults).

Prints wall seconds of each step, the solver's status, gap and effort, and on-time coverage
against the greedy baseline and the lead-time bound. Run: python bench/bench_planning_sample.py"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from clauses.config import load_config
from clauses.forecast.engine import run_forecast
from clauses.forecast.inputs import read_lots
from clauses.forecast.parameters import ForecastParameters
from clauses.forecast.snapshot import save_snapshot
from clauses.ingest.pipeline_ingest import ingest_pipeline_file
from clauses.planning.service import load_need, run_planning
from clauses.sample.pipeline import write_pipeline
from clauses.storage import Database


def main() -> None:
    config = load_config()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = Database(f"sqlite:///{folder / 'demo.sqlite'}")
        began = time.perf_counter()
        ingest_pipeline_file(db, write_pipeline(folder), config)
        ingested = time.perf_counter()
        params = ForecastParameters.from_config(config)
        with db.transaction() as session:
            lots = read_lots(session)
        result = run_forecast(lots, config, params)
        with db.transaction() as session:
            save_snapshot(session, result)
        forecast = time.perf_counter()
        with db.transaction() as session:
            need, snapshot_id = load_need(session, None, "p50")
            plan, planned = run_planning(session, config, need, snapshot_id=snapshot_id)
            greedy = plan.parameters.get("greedy_on_time") if isinstance(plan.parameters, dict) else None
        planned_at = time.perf_counter()
        db.dispose()
    stats = planned.stats
    print(f"ingest {ingested - began:.1f} s, forecast {forecast - ingested:.1f} s, plan {planned_at - forecast:.1f} s wall")
    print(f"need {planned.need}, lead-time bound {planned.upper_bound}, greedy {greedy}, cp-sat {planned.on_time}; "
          f"status {planned.status}, coverage gap {planned.gap if planned.gap is None else f'{planned.gap:.2%}'}, "
          f"levels {[(lv['level'], lv['status'], lv['objective'], lv['bound'], lv['wall_seconds']) for lv in stats.get('levels', [])]}, "
          f"deterministic {stats.get('deterministic_seconds')} s, build {stats.get('build_seconds')} s, "
          f"events {planned.counts()}")


if __name__ == "__main__":
    main()
