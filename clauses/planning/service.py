"""The planner end to end, without Prefect: need → problem → solve → draft plan → outputs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from clauses.config import Config
from clauses.errors import ClausesError
from clauses.french import counted
from clauses.planning.charts import gantt
from clauses.exports import write_table
from clauses.planning.demand import NEED_COLUMNS, need_from_snapshot
from clauses.planning.exports import table, to_ics
from clauses.planning.greedy import plan_greedy
from clauses.planning.horizon import Rolling, plan_rolling
from clauses.planning.kept_recruitment import plan_kept_recruitment
from clauses.planning.problem import Options
from clauses.planning.report import markdown
from clauses.planning.result import PARIS, PlanResult, local_datetime
from clauses.planning.store import as_fixed, build_problem, kept_events, save_draft, stored_event_ids
from clauses.storage.planning import Event, Plan


def load_need(session: Session, snapshot_id: int | None, quantile: str) -> tuple[pd.DataFrame, int | None]:
    """The need from a forecast snapshot (the latest when ``snapshot_id`` is None)."""
    try:
        from clauses.forecast import load_snapshot
    except ImportError as exc:  # the forecast package is not there yet
        raise ClausesError("aucune prévision : lancer d'abord « clauses forecast »") from exc
    snapshot = load_snapshot(session, snapshot_id)
    if snapshot is None or len(snapshot) == 0:
        return pd.DataFrame(columns=list(NEED_COLUMNS)), snapshot_id
    found_id = snapshot.attrs.get("snapshot_id", snapshot_id) if hasattr(snapshot, "attrs") else snapshot_id
    return need_from_snapshot(snapshot, quantile), found_id


def earliest_event_day(config: Config, now: dt.datetime) -> dt.date:
    """The first day a new discovery may be held: its invitations must leave at least
    ``outreach.min_days_before_event`` days before it (the invitation job's rule), with one day
    more for the coordinator's approval and the next daily invitation run."""
    deadline = now + dt.timedelta(days=config.outreach.min_days_before_event + 1)
    day = deadline.astimezone(PARIS).date()
    if local_datetime(day, config.planning.times.discovery_start) < deadline:
        day += dt.timedelta(days=1)
    return day


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
    now: dt.datetime | None = None,
) -> tuple[Plan | None, PlanResult]:
    """Plan from ``need`` (trade_key, week_start, people), keep approved events, store a draft
    (None when no new event is proposed: no empty draft).
    ``now``: when the plan is made (default: now); no discovery is placed before
    ``earliest_event_day(config, now)``."""
    from clauses.reporting.conversion import planner_rates

    now = now or dt.datetime.now(dt.timezone.utc)
    start = start or now.astimezone(PARIS).date() + dt.timedelta(days=7)
    since = dt.datetime.combine(start, dt.time(), tzinfo=dt.timezone.utc)
    fixed = [as_fixed(e) for e in kept_events(session, since)]
    rates = planner_rates(session, config, now)
    problem = build_problem(
        config, need, start=start, weeks=weeks, rates=rates, fixed=fixed, earliest_day=earliest_event_day(config, now)
    )
    unknown = sorted(set(problem.need) - {t.key for t in config.trades})
    if unknown:
        raise ClausesError(f"le besoin cite des métiers inconnus : {', '.join(unknown)}")
    options = plan_kept_recruitment(Options(problem))
    problem = options.problem
    baseline = plan_greedy(problem, options)
    # Beyond ``rolling.window_weeks`` a rolling horizon of window solves (see ``horizon.py``); up
    # to it, the whole model in one solve.
    rolling = Rolling.from_settings(config.planning.rolling)
    result = plan_rolling(problem, options, rolling=rolling, greedy=baseline, time_limit=time_limit)
    parameters = {
        "start": problem.start.isoformat(),
        "weeks": problem.weeks,
        "time_limit": time_limit or config.planning.solver_time_limit_seconds,
        "kept_events": [f.event_id for f in fixed],
        "greedy_on_time": baseline.on_time,
        "solve_seconds": round(result.solve_seconds, 3),
        "solver": result.stats,
    }
    if not any(e.fixed_event_id is None for e in result.events):
        return None, result  # nothing new: no empty draft (see ``nothing_new_fr``)
    plan = save_draft(session, config, result, snapshot_id=snapshot_id, quantile=quantile, parameters=parameters)
    return plan, result


def nothing_new_fr(result: PlanResult) -> str:
    """What a planning run that proposes no new event tells the coordinator."""
    kept = sum(1 for e in result.events if e.fixed_event_id is not None)
    if not kept:
        return "Rien à planifier : aucun événement à proposer pour ce besoin. Aucun brouillon enregistré."
    approved = "à l’événement déjà approuvé" if kept == 1 else f"aux {kept} événements déjà approuvés"
    trained = counted(result.on_time, "personne formée", "personnes formées")
    return (f"Rien de nouveau à planifier : aucun événement à ajouter {approved} ({trained} à temps sur "
            f"{result.need}). Aucun brouillon enregistré.")


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
    if session is not None:
        from clauses.planning.invitees import invitee_flags

        kept = [e.fixed_event_id for e in result.events if e.fixed_event_id is not None]
        flags = invitee_flags(session, config, event_ids=kept) if kept else []
        if flags:
            text += "\n## Invitations à surveiller (événements approuvés)\n\n" + "".join(f"- {f.message_fr}\n" for f in flags)
    md.write_text(text, encoding="utf-8")
    png = gantt(result, trades, folder / f"plan-{plan.id}.png",
                title=f"Plan n° {plan.id} – de la réunion d'information à la rencontre de recrutement")
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
