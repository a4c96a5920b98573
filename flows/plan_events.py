"""Flow ``plan_events``: plan discovery events and POEC cohorts from a forecast, store the draft,
show it (markdown + Gantt chart), and optionally wait for the coordinator's decision.

Read top to bottom: load the need → solve (CP-SAT, approved events kept) → store the draft and
its outputs → (optionally) pause for approval → export the approved plan (CSV + iCalendar)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.input import RunInput

from clauses import settings
from clauses.config import load_config
from clauses.planning.approval import apply_decision
from clauses.planning.service import export_approved, load_need, run_planning, write_plan_outputs
from clauses.storage import Database


class PlanDecision(RunInput):
    """The coordinator's answer in the Prefect UI."""

    decision: Literal["approve", "reject", "draft"] = "draft"
    coordinator: str = "coordinateur"
    note: str = ""


@task
def plan_task(snapshot_id: int | None, quantile: str, start: dt.date | None, time_limit: float | None) -> dict:
    config = load_config()
    db = Database()
    try:
        with db.transaction() as session:
            need, found_id = load_need(session, snapshot_id, quantile)
            plan, result = run_planning(
                session, config, need, start=start, quantile=quantile, snapshot_id=found_id, time_limit=time_limit
            )
            outputs = write_plan_outputs(config, plan, result, settings.output_dir("plans"))
            markdown = outputs["markdown"].read_text(encoding="utf-8")
            return {
                "plan_id": plan.id,
                "status": result.status,
                "objective": result.objective,
                "bound": result.bound,
                "gap": result.gap,
                "need": result.need,
                "on_time": result.on_time,
                "upper_bound": result.upper_bound,
                "events": result.counts(),
                "uncovered": result.uncovered(),
                "markdown": markdown,
                "gantt": str(outputs["gantt"]),
            }
    finally:
        db.dispose()


@task
def decide_task(plan_id: int, decision: str, coordinator: str, note: str | None) -> str:
    db = Database()
    try:
        with db.transaction() as session:
            return apply_decision(session, plan_id, decision, by=coordinator, note=note or None)
    finally:
        db.dispose()


@task
def export_task() -> dict:
    config = load_config()
    db = Database()
    try:
        with db.transaction() as session:
            return {k: str(v) for k, v in export_approved(session, config, settings.output_dir("exports")).items()}
    finally:
        db.dispose()


def wait_for_decision(timeout_seconds: int, poll_interval: int) -> PlanDecision:
    """Pause the flow run for the coordinator's typed answer; a timeout leaves the plan a draft."""
    from prefect.exceptions import FlowPauseTimeout
    from prefect.flow_runs import pause_flow_run

    try:
        answer = pause_flow_run(wait_for_input=PlanDecision, timeout=timeout_seconds, poll_interval=poll_interval)
    except FlowPauseTimeout:
        return PlanDecision(decision="draft", coordinator="délai dépassé", note="")
    return answer if answer is not None else PlanDecision()


@flow(name="plan_events")
def plan_events(
    snapshot_id: int | None = None,
    quantile: str = "p50",
    start: dt.date | None = None,
    time_limit_seconds: float | None = None,
    wait_for_approval: bool = False,
    approval_timeout_seconds: int = 7 * 24 * 3600,
    approval_poll_seconds: int = 10,
) -> dict:
    logger = get_run_logger()
    summary = plan_task(snapshot_id, quantile, start, time_limit_seconds)
    create_markdown_artifact(
        key="plan-events", markdown=summary["markdown"] + f"\n\nDiagramme de Gantt : `{summary['gantt']}`\n",
        description=f"Plan n° {summary['plan_id']} (brouillon)",
    )
    logger.info(
        "plan %s: %s, gap %s, %s/%s people on time (upper bound %s)",
        summary["plan_id"], summary["status"], summary["gap"], summary["on_time"], summary["need"], summary["upper_bound"],
    )
    status = "draft"
    if wait_for_approval:
        answer = wait_for_decision(approval_timeout_seconds, approval_poll_seconds)
        status = decide_task(summary["plan_id"], answer.decision, answer.coordinator, answer.note)
    exports = export_task() if status == "approved" else {}
    summary.pop("markdown")
    return {**summary, "plan_status": status, "exports": exports}


if __name__ == "__main__":  # pragma: no cover
    plan_events()
