"""The plan_events flow on the Prefect test server: a draft, and the pause that times out to draft.

The need is given through the flow module's ``load_need`` (the forecast is another flow's job)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.prefect]


def test_flow_stores_a_draft_and_a_pause_timeout_keeps_it_draft(db, monkeypatch):
    import flows.plan_events as module
    from clauses.storage.planning import Plan

    frame = pd.DataFrame([("peintre", dt.date(2026, 9, 7), 5.0)], columns=["trade_key", "week_start", "people"])
    monkeypatch.setattr(module, "load_need", lambda session, snapshot_id, quantile: (frame, None))
    out = module.plan_events(
        start=dt.date(2026, 1, 5), time_limit_seconds=5, wait_for_approval=True,
        approval_timeout_seconds=2, approval_poll_seconds=1,
    )
    assert out["plan_status"] == "draft" and out["exports"] == {}
    assert out["on_time"] == 5 and out["events"]["poec"] >= 1
    with db.transaction() as session:
        assert session.get(Plan, out["plan_id"]).status == "draft"


def test_plan_command_runs_the_flow_and_says_how_to_approve(db, monkeypatch, capsys):
    import json

    import flows.plan_events as module
    from clauses.cli import main

    frame = pd.DataFrame([("peintre", dt.date(2026, 9, 7), 5.0)], columns=["trade_key", "week_start", "people"])
    monkeypatch.setattr(module, "load_need", lambda session, snapshot_id, quantile: (frame, None))
    assert main(["plan", "--start", "2026-01-05", "--time-limit", "5", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["plan_status"] == "draft" and data["on_time"] == 5 and data["gantt"].endswith(".png")
    assert main(["plan", "approve", str(data["plan_id"])]) == 0
    assert f"plan {data['plan_id']} approved" in capsys.readouterr().out
