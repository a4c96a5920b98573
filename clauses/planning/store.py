"""Plans in the database: what is kept from earlier plans, and a new draft with its events."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from clauses.config import Config
from clauses.planning.calendar import monday_of
from clauses.planning.demand import Rates, hires_by_week
from clauses.planning.problem import FixedEvent, PlanningProblem
from clauses.planning.result import PARIS, PlanResult
from clauses.storage.planning import Event, Plan
from clauses.storage.reference_sync import sync_reference

UID_DOMAIN = "clauses.clermont-metropole"


def new_uid() -> str:
    return f"{uuid.uuid4()}@{UID_DOMAIN}"


def kept_events(session: Session, since: dt.datetime) -> list[Event]:
    """Events a new plan must keep as they are: approved (or announced), not cancelled, not over."""
    return list(
        session.scalars(
            select(Event)
            .where(
                (Event.approved_at.is_not(None)) | (Event.announced_at.is_not(None)),
                Event.status != "cancelled",
                Event.end >= since,
            )
            .order_by(Event.start, Event.id)
        )
    )


def _local_date(moment: dt.datetime) -> dt.date:
    if moment.tzinfo is None:  # SQLite returns naive datetimes: they were stored in UTC
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(PARIS).date()


def _monday_after(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=7 - day.weekday())


def as_fixed(event: Event) -> FixedEvent:
    hiring = event.hiring_event
    hires_from_day = cancelled = None
    if hiring is not None and hiring.status != "cancelled":
        hires_from_day = _monday_after(_local_date(hiring.end))
    elif hiring is not None and hiring.no_replacement:  # its completers meet employers outside the tool
        hires_from_day = _monday_after(_local_date(event.end))
    elif hiring is not None:
        cancelled = _local_date(hiring.start)
    return FixedEvent(
        kind=event.kind,
        trade_key=event.trade_key,
        partner_key=event.partner_key,
        venue_key=event.venue_key,
        first_day=_local_date(event.start),
        last_day=_local_date(event.end),
        capacity=event.capacity,
        event_id=event.id,
        recruits_for_event_id=event.recruits_for_event_id,
        hires_from_day=hires_from_day,
        cancelled_recruitment_day=cancelled,
    )


def build_problem(
    config: Config,
    need: pd.DataFrame,
    *,
    start: dt.date,
    weeks: int | None = None,
    rates: Rates | None = None,
    fixed: list[FixedEvent] | None = None,
    earliest_day: dt.date | None = None,
) -> PlanningProblem:
    """A planning instance from the configuration and a need table (trade_key, week_start, people)."""
    start = monday_of(start)
    weeks = weeks or config.planning.horizon_weeks
    return PlanningProblem(
        start=start,
        weeks=weeks,
        need=hires_by_week(need, start, weeks),
        trades=list(config.trades),
        partners=list(config.partners),
        settings=config.planning,
        rates=rates or Rates.from_config(config.planning.conversion),
        fixed=list(fixed or []),
        earliest_day=earliest_day,
    )


def save_draft(
    session: Session,
    config: Config,
    result: PlanResult,
    *,
    snapshot_id: int | None,
    quantile: str,
    parameters: dict,
) -> Plan:
    """Store ``result`` as a new draft plan (earlier undecided drafts become "superseded")."""
    sync_reference(session, config)
    for old in session.scalars(select(Plan).where(Plan.status == "draft")):
        old.status = "superseded"
    plan = Plan(
        status="draft",
        forecast_snapshot_id=snapshot_id,
        quantile=quantile,
        parameters={**parameters, "rates": result.rates, "warnings": result.warnings,
                    "need": result.need, "on_time": result.on_time, "upper_bound": result.upper_bound,
                    "solver_levels": result.stats.get("levels", [])},
        solver_status=result.status,
        objective=result.objective,
        bound=result.bound,
        gap=result.gap,
        uncovered=result.uncovered(),
    )
    session.add(plan)
    session.flush()
    rows: dict[int, Event] = {}  # index in ``result.events`` → new row
    for index, planned in enumerate(result.events):
        if planned.fixed_event_id is not None:
            continue
        row = Event(
            plan_id=plan.id,
            kind=planned.kind,
            trade_key=planned.trade_key,
            partner_key=planned.partner_key,
            venue_key=planned.venue_key,
            start=planned.start,
            end=planned.end,
            capacity=planned.capacity,
            target_invitations=planned.target_invitations,
            status="scheduled",
            uid=new_uid(),
            sequence=0,
            employer_capacity=planned.employer_capacity,
        )
        rows[index] = row
    for index, cohort in recruitment_links(result).items():
        if index in rows and cohort in rows:
            rows[index].recruits_for = rows[cohort]
    for index, hiring in hiring_links(result).items():
        if index in rows and hiring in rows:
            rows[index].hiring_event = rows[hiring]
    session.add_all(rows.values())
    session.flush()
    # A kept discovery recruiting for a new cohort, a kept cohort meeting employers at a new
    # recruitment event: said in the plan, linked when it is approved.
    plan.parameters = {
        **plan.parameters, "kept_links": _kept_links(result, recruitment_links(result), rows),
        "kept_hiring_links": _kept_links(result, hiring_links(result), rows),
    }
    return plan


def _kept_links(result: PlanResult, links: dict[int, int], rows: dict[int, Event]) -> dict[str, int]:
    """Kept event id (as text: a JSON key) -> id of the new event it is linked to, from ``links``
    (indexes in ``result.events``)."""
    return {
        str(result.events[index].fixed_event_id): rows[target].id
        for index, target in links.items()
        if index not in rows and target in rows and result.events[index].fixed_event_id is not None
    }


def recruitment_links(result: PlanResult) -> dict[int, int]:
    """Discovery or information session → the POEC cohort it recruits for, as indexes in
    ``result.events``.

    Planners give each such event the index of its cohort (``PlannedEvent.cohort``); a link that does
    not point at a cohort of the same trade is left out rather than stored wrong."""
    links: dict[int, int] = {}
    for index, planned in enumerate(result.events):
        if planned.kind not in ("discovery", "information_session") or planned.cohort is None:
            continue
        if 0 <= planned.cohort < len(result.events):
            cohort = result.events[planned.cohort]
            if cohort.kind == "poec" and cohort.trade_key == planned.trade_key:
                links[index] = planned.cohort
    return links


def hiring_links(result: PlanResult) -> dict[int, int]:
    """Cohort (or discovery of a trade without POEC) → the recruitment event where its candidates
    meet employers, as indexes in ``result.events`` (same trade only)."""
    links: dict[int, int] = {}
    for index, planned in enumerate(result.events):
        if planned.hiring is None or not 0 <= planned.hiring < len(result.events):
            continue
        event = result.events[planned.hiring]
        if event.kind == "recruitment" and event.trade_key == planned.trade_key:
            links[index] = planned.hiring
    return links


def stored_event_ids(plan: Plan, result: PlanResult) -> list[int | None]:
    """The database id of each event of ``result`` once ``plan`` is saved (kept events: their own
    id). New events are matched on what they are; identical ones are interchangeable."""
    rows: dict[tuple, list[int]] = defaultdict(list)
    for event in sorted(plan.events, key=lambda e: e.id):
        rows[_identity(event.kind, event.trade_key, event.partner_key, event.venue_key, event.start, event.end,
                       event.capacity)].append(event.id)
    ids: list[int | None] = []
    for p in result.events:
        if p.fixed_event_id is not None:
            ids.append(p.fixed_event_id)
            continue
        same = rows.get(_identity(p.kind, p.trade_key, p.partner_key, p.venue_key, p.start, p.end, p.capacity))
        ids.append(same.pop(0) if same else None)
    return ids


def _identity(kind, trade_key, partner_key, venue_key, start, end, capacity) -> tuple:
    return (kind, trade_key, partner_key, venue_key, _utc(start), _utc(end), capacity)


def _utc(moment: dt.datetime) -> dt.datetime:
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)).astimezone(dt.timezone.utc)
