"""The planner end to end, without Prefect: need → problem → solve → draft plan → outputs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from clauses.config import Config
from clauses.errors import ClausesError
from clauses.planning.charts import gantt
from clauses.planning.demand import NEED_COLUMNS, need_from_snapshot, observed_rates
from clauses.exports import write_table
from clauses.planning.exports import table, to_ics
from clauses.planning.greedy import plan_greedy
from clauses.planning.model import solve
from clauses.planning.problem import Options
from clauses.planning.report import markdown
from clauses.planning.result import PlanResult
from clauses.planning.store import as_fixed, build_problem, kept_events, save_draft, stored_event_ids
from clauses.storage.planning import Event, Plan


def load_need(session: Session, snapshot_id: int | None, quantile: str) -> tuple[pd.DataFrame, int | None]:
    """The need from a forecast snapshot (the latest when ``snapshot_id`` is None)."""
    try:
        from clauses.forecast import load_snapshot
    except ImportError as exc:  # the forecast package is not there yet
        raise ClausesError("no forecast available: run the forecast first (flow forecast_need)") from exc
    snapshot = load_snapshot(session, snapshot_id)
    if snapshot is None or len(snapshot) == 0:
        return pd.DataFrame(columns=list(NEED_COLUMNS)), snapshot_id
    found_id = snapshot.attrs.get("snapshot_id", snapshot_id) if hasattr(snapshot, "attrs") else snapshot_id
    return need_from_snapshot(snapshot, quantile), found_id


def run_planning(
    session: Session,
    config: Config,
    need: pd.DataFrame,
    *,
    start: dt.date | None = None,
    weeks: int | None = None,
    quantile: str = "p50",
    snapshot_id: int | None = None,
    time_limit: float | None = None,
) -> tuple[Plan, PlanResult]:
    """Plan from ``need`` (trade_key, week_start, people), keep approved events, store a draft."""
    start = start or dt.date.today() + dt.timedelta(days=7)
    since = dt.datetime.combine(start, dt.time(), tzinfo=dt.timezone.utc)
    fixed = [as_fixed(e) for e in kept_events(session, since)]
    rates = observed_rates(session, config.planning.conversion)
    problem = build_problem(config, need, start=start, weeks=weeks, rates=rates, fixed=fixed)
    unknown = sorted(set(problem.need) - {t.key for t in config.trades})
    if unknown:
        raise ClausesError(f"the need names unknown trade(s): {', '.join(unknown)}")
    options = Options(problem)
    baseline = plan_greedy(problem, options)
    result = solve(problem, options, time_limit=time_limit, hint=baseline)
    parameters = {
        "start": problem.start.isoformat(),
        "weeks": problem.weeks,
        "time_limit": time_limit or config.planning.solver_time_limit_seconds,
        "kept_events": [f.event_id for f in fixed],
        "greedy_on_time": baseline.on_time,
        "solve_seconds": round(result.solve_seconds, 3),
        "solver": result.stats,
    }
    plan = save_draft(session, config, result, snapshot_id=snapshot_id, quantile=quantile, parameters=parameters)
    return plan, result


def labels(config: Config) -> tuple[dict[str, str], dict[str, str]]:
    return {t.key: t.label for t in config.trades}, {p.key: p.name for p in config.partners}


def kept_recruitment_links(session: Session, result: PlanResult) -> dict[int, tuple[int, dt.datetime]]:
    """For each kept (earlier approved) discovery of ``result``: the id and start of its cohort."""
    links: dict[int, tuple[int, dt.datetime]] = {}
    for planned in result.events:
        if planned.kind == "discovery" and planned.fixed_event_id is not None:
            event = session.get(Event, planned.fixed_event_id)
            if event is not None and event.recruits_for is not None:
                links[event.id] = (event.recruits_for.id, event.recruits_for.start)
    return links


def write_plan_outputs(config: Config, plan: Plan, result: PlanResult, folder: Path) -> dict[str, Path]:
    """The markdown report and the Gantt chart of a draft plan."""
    trades, partners = labels(config)
    folder.mkdir(parents=True, exist_ok=True)
    md = folder / f"plan-{plan.id}.md"
    session = object_session(plan)
    text = markdown(
        result, trades, partners, plan_id=plan.id,
        event_ids=stored_event_ids(plan, result),
        venues={venue.key: venue.name for _, venue in config.venues()},
        kept_links=kept_recruitment_links(session, result) if session is not None else None,
    )
    md.write_text(text, encoding="utf-8")
    png = gantt(result, trades, folder / f"plan-{plan.id}.png", title=f"Plan n° {plan.id} – découvertes métiers et POEC")
    return {"markdown": md, "gantt": png}


def approved_events(session: Session) -> list[Event]:
    """Every event of an approved plan (cancelled ones included, so calendars learn of them)."""
    return list(
        session.scalars(
            select(Event).join(Plan, Plan.id == Event.plan_id).where(Plan.status == "approved").order_by(Event.start, Event.id)
        )
    )


def export_approved(session: Session, config: Config, folder: Path) -> dict[str, Path]:
    events = approved_events(session)
    folder.mkdir(parents=True, exist_ok=True)
    files = write_table(table(config, events), folder / "plan-approuve.csv", "Plan approuvé")
    ics_path = folder / "plan-approuve.ics"
    ics_path.write_bytes(to_ics(config, events))
    return {**files, "ics": ics_path}
