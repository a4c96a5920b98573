import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest

from clauses.forecast import load_snapshot
from forecast_helpers import MONDAY, lot, seed_pipeline

pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.prefect]


def pipeline():
    return [
        lot(i + 1, trade, start=MONDAY + dt.timedelta(days=7 * i), days=70 + 10 * i, hours=500 + 50 * i,
            status=("planned", "tendering", "awarded")[i % 3])
        for i, trade in enumerate(["macon", "peintre", "electricien", "macon", "plaquiste"] * 3)
    ]


def test_flow_stores_a_snapshot_and_writes_files(db, config):
    from flows.forecast_labour_needs import forecast_labour_needs

    seed_pipeline(db, config, pipeline())
    out = forecast_labour_needs(as_of=MONDAY, horizon_weeks=30, scenarios=200, seed=5, chunk_lots=1024)
    for kind in ("csv", "xlsx", "png", "markdown"):
        assert Path(out["files"][kind]).stat().st_size > 0
    assert Path(out["files"]["png"]).read_bytes()[:4] == b"\x89PNG"
    book = openpyxl.load_workbook(out["files"]["xlsx"])
    assert book.sheetnames == ["Synthèse", "Prévision"]
    assert "Maçon" in out["markdown"] and "P50" in out["markdown"]
    with db.transaction() as session:
        table = load_snapshot(session, out["snapshot_id"])
    assert table["hours_mean"].sum() > 0
    assert out["totals"]["macon"]["hours"]["p50"] > 0


def test_flow_on_a_local_dask_cluster_gives_the_same_numbers(db, config):
    from prefect_dask import DaskTaskRunner

    from flows.forecast_labour_needs import forecast_labour_needs

    seed_pipeline(db, config, pipeline())
    kwargs = dict(as_of=MONDAY, horizon_weeks=30, scenarios=200, seed=5, chunk_lots=1024)
    local = forecast_labour_needs(**kwargs)
    runner = DaskTaskRunner(cluster_kwargs={"n_workers": 1, "processes": False, "threads_per_worker": 2})
    on_dask = forecast_labour_needs.with_options(task_runner=runner)(**kwargs)
    assert on_dask["fingerprint"] == local["fingerprint"]
    assert on_dask["totals"] == local["totals"]
    assert on_dask["changes"]["trades"]["macon"]["status"] == "unchanged"


def test_cli_prints_summary_and_files(db, config, capsys):
    from clauses.cli import main

    seed_pipeline(db, config, pipeline())
    code = main(["forecast", "--as-of", MONDAY.isoformat(), "--horizon-weeks", "20", "--scenarios", "50",
                 "--trade", "macon", "--period", "month", "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data["totals"]) == {"macon"}
    assert Path(data["files"]["csv"]).exists()
    code = main(["forecast", "--as-of", MONDAY.isoformat(), "--trade", "astronaute"])
    assert code == 2
    assert "métier inconnu dans le filtre : astronaute ;" in capsys.readouterr().err
    assert main(["forecast", "--scenarios", "0"]) == 2
