"""``clauses plan`` subcommands against a real database (the plan itself from the core)."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd

from clauses.cli import main
from clauses.planning.service import run_planning

PLANNED_AT = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)  # plans start on 5 January 2026


def test_show_approve_cancel(db, config, capsys):
    frame = pd.DataFrame([("macon", dt.date(2026, 8, 3), 6.0)], columns=["trade_key", "week_start", "people"])
    with db.transaction() as session:
        plan, _ = run_planning(session, config, frame, start=dt.date(2026, 1, 5), weeks=52, time_limit=10, now=PLANNED_AT)
        event_id = plan.events[0].id
    assert main(["plan", "show", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["plans"][0]["status"] == "draft"
    assert main(["plan", "approve", str(plan.id), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "approved" and out["exports"]["ics"].endswith(".ics")
    assert main(["plan", "cancel", str(event_id), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["sequence"] == 1
    assert main(["plan", "reject", str(plan.id)]) == 2  # no longer a draft


def test_the_plans_overview_says_how_each_plan_was_made():
    """A plan written without the solver (the demo's past events) read « solveur : non résolu »,
    as if the solver had failed."""
    from clauses.planning.show import plans_overview
    from clauses.storage import Plan

    assert plans_overview([Plan(id=1, status="approved", solver_status="FEASIBLE"), Plan(id=2, status="superseded")]) == [
        "Plan n° 1 : approuvé, 0 événement (solveur : réalisable)",
        "Plan n° 2 : remplacé, 0 événement (sans solveur)",
    ]
