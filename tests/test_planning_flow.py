"""The plan_events flow on the Prefect test server: a draft, the pause that times out to draft, and
the coordinator's typed answer (edits + decision) resuming it.

The need is given through the flow module's ``load_need`` (the forecast is another flow's job)."""

from __future__ import annotations

import base64
import contextvars
import datetime as dt
import threading
import time

import pandas as pd
import pytest

pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.prefect]


def _ahead() -> tuple[dt.date, dt.date]:
    """A plan start a few weeks ahead (discoveries must leave time for invitations) and a need week."""
    today = dt.date.today()
    start = today + dt.timedelta(days=21 - today.weekday())
    return start, start + dt.timedelta(weeks=35)


def test_flow_stores_a_draft_and_a_pause_timeout_keeps_it_draft(db, monkeypatch):
    import flows.plan_events as module
    from clauses.storage.planning import Plan

    start, week = _ahead()
    frame = pd.DataFrame([("peintre", week, 5.0)], columns=["trade_key", "week_start", "people"])
    monkeypatch.setattr(module, "load_need", lambda session, snapshot_id, quantile: (frame, None))
    out = module.plan_events(
        start=start, time_limit_seconds=5, wait_for_approval=True,
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

    start, week = _ahead()
    frame = pd.DataFrame([("peintre", week, 5.0)], columns=["trade_key", "week_start", "people"])
    monkeypatch.setattr(module, "load_need", lambda session, snapshot_id, quantile: (frame, None))
    assert main(["plan", "--start", start.isoformat(), "--time-limit", "5", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["plan_status"] == "draft" and data["on_time"] == 5 and data["gantt"].endswith(".png")
    assert main(["plan", "approve", str(data["plan_id"])]) == 0
    assert f"Plan n° {data['plan_id']} approuvé" in capsys.readouterr().out


def _paused_run(not_key: str | None, timeout: float = 120):
    """The plan_events run waiting for input (a pause other than ``not_key``): (id, pause key)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType
    from prefect.client.schemas.objects import StateType

    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            runs = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(
                    state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED]))
                )
            )
            for run in runs:
                details = run.state.state_details
                if details.run_input_keyset and details.pause_key != not_key:
                    # the form's schema is saved just after the state is proposed
                    if client.read_flow_run_input(run.id, details.run_input_keyset["schema"]):
                        return run.id, details.pause_key
            time.sleep(0.3)
    raise AssertionError("the flow run never paused for input")


def test_coordinator_edits_and_approves_in_the_ui_form(db, monkeypatch):
    """A paused run gets a refused answer (an event of no plan: nothing changes, the form comes back),
    then a move, a cancellation and "approve": all recorded, the plan approved and exported."""
    import flows.plan_events as module
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterKey
    from prefect.flow_runs import resume_flow_run
    from sqlalchemy import select

    from clauses.storage.planning import Event, EventChange, Plan

    frame = pd.DataFrame([("peintre", dt.date(2027, 9, 6), 5.0)], columns=["trade_key", "week_start", "people"])
    monkeypatch.setattr(module, "load_need", lambda session, snapshot_id, quantile: (frame, None))
    seen: dict = {}

    def coordinator() -> None:
        try:
            run_id, key = _paused_run(None)
            seen["run_id"] = run_id
            with db.transaction() as session:
                events = session.scalars(select(Event).order_by(Event.id)).all()
                discovery = next(e for e in events if e.kind == "discovery")
                other = next(e for e in events if e.kind == "discovery" and e.id != discovery.id)
                seen.update(moved=discovery.id, start=discovery.start, cancelled=other.id, plan_id=discovery.plan_id)
            resume_flow_run(run_id, run_input={"decision": "approve", "edits": [
                {"event_id": seen["moved"], "capacity": 9},
                {"event_id": 999_999, "cancel": True},
            ]})
            run_id, _ = _paused_run(key)
            new_date = (discovery.start + dt.timedelta(days=7)).date().isoformat()
            resume_flow_run(run_id, run_input={"decision": "approve", "coordinator": "coordinatrice", "edits": [
                {"event_id": seen["moved"], "new_date": new_date, "capacity": 9},
                {"event_id": seen["cancelled"], "cancel": True},
            ]})
        except BaseException as exc:  # reported by the main thread
            seen["error"] = exc

    helper = threading.Thread(target=contextvars.copy_context().run, args=(coordinator,), daemon=True)
    helper.start()
    out = module.plan_events(
        start=dt.date(2027, 1, 4), time_limit_seconds=5, wait_for_approval=True,
        approval_timeout_seconds=180, approval_poll_seconds=1,
    )
    helper.join(timeout=30)
    assert "error" not in seen, seen.get("error")
    assert out["plan_status"] == "approved" and set(out["exports"]) == {"csv", "xlsx", "ics"}
    assert sorted(c["event_id"] for c in out["changes"]) == sorted([seen["moved"], seen["cancelled"]])
    with db.transaction() as session:
        assert session.get(Plan, seen["plan_id"]).status == "approved"
        changes = session.scalars(select(EventChange).order_by(EventChange.id)).all()
        # the refused first answer left nothing behind: one change per event, from the UI
        assert [(c.event_id, c.change, c.origin) for c in changes] == [
            (seen["moved"], "moved", "prefect-ui"), (seen["cancelled"], "cancelled", "prefect-ui"),
        ]
        moved = session.get(Event, seen["moved"])
        assert moved.start == seen["start"] + dt.timedelta(days=7) and moved.capacity == 9
        assert moved.sequence == 1 and moved.approved_at is not None
        cancelled = session.get(Event, seen["cancelled"])
        assert cancelled.status == "cancelled" and cancelled.approved_at is None
    with get_client(sync_client=True) as client:  # this run's artifacts (other tests' plans have the same ids)
        def artifacts(key):
            return [a.data for a in client.read_artifacts(artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=[key]), flow_run_id=ArtifactFilterFlowRunId(any_=[seen["run_id"]]),
            ))]

        (plan_md,) = artifacts("plan-events")
        texts = artifacts("plan-events-decision")
    png = plan_md.split("](data:image/png;base64,", 1)[1].split(")", 1)[0]
    assert base64.b64decode(png).startswith(b"\x89PNG")
    assert "Clé du lieu" in plan_md and f"| {seen['moved']} | Découverte métiers |" in plan_md
    assert not any("coordinatrice" in t for t in texts)  # no names in artifacts
    assert any("réponse non appliquée" in t and "999999" in t for t in texts)
    assert any(
        "approuvé" in t and f"n° {seen['cancelled']} : annulé" in t and f"n° {seen['moved']} : déplacé du " in t
        and "places : " in t for t in texts
    )
