"""What ``clauses plan show`` prints: the plans, or one plan's events as a coordinator reads them.

Each event with its number, its French date and Europe/Paris time ("lundi 7 décembre 2026, 9 h 00",
the form ``clauses plan move`` reads back), its trade's label, partner's and venue's names, places
and how many people were invited, registered and present. Data (``--json``) keeps ISO times and
keys for programs; the lines are for people.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from clauses import french
from clauses.config import Config
from clauses.storage.outreach import Participation, ParticipationTransition
from clauses.storage.planning import Event, Plan
from clauses.french import EVENT_KIND_LABELS, EVENT_KIND_NOUNS, EVENT_STATUS_LABELS
from clauses.reporting.facts import STAGES, STATUS_STAGE

PLAN_STATUS_FR = {"draft": "brouillon", "approved": "approuvé", "rejected": "rejeté", "superseded": "remplacé"}
SOLVER_STATUS_FR = {"OPTIMAL": "optimal", "FEASIBLE": "réalisable", "GREEDY": "heuristique", "INFEASIBLE": "impossible"}

# A participation counts as registered once it has been registered (or further: a walk-in recorded
# as present too, a person absent or excused was expected), and as present once the person came:
# the report's funnel stages, so that « clauses plan show » and the report give the same counts.
REGISTERED = frozenset(s for s, stage in STATUS_STAGE.items() if stage >= STAGES.index("registered"))
PRESENT = frozenset(s for s, stage in STATUS_STAGE.items() if stage >= STAGES.index("attended"))


@dataclass(frozen=True)
class Attendance:
    invited: int = 0
    registered: int = 0
    present: int = 0


def attendance(session: Session, event_ids: list[int]) -> dict[int, Attendance]:
    """Invited / registered / present per event, from each participation's statuses so far."""
    reached: dict[int, set[str]] = {}
    event_of: dict[int, int] = {}
    for pid, event_id, status in session.execute(
        select(Participation.id, Participation.event_id, Participation.status).where(Participation.event_id.in_(event_ids))
    ):
        reached[pid] = {status}
        event_of[pid] = event_id
    if reached:
        for pid, status in session.execute(
            select(ParticipationTransition.participation_id, ParticipationTransition.to_status).where(
                ParticipationTransition.participation_id.in_(list(reached))
            )
        ):
            reached[pid].add(status)
    counts: dict[int, Counter] = {}
    for pid, statuses in reached.items():
        counter = counts.setdefault(event_of[pid], Counter())
        counter["invited"] += 1
        counter["registered"] += bool(statuses & REGISTERED)
        counter["present"] += bool(statuses & PRESENT)
    return {eid: Attendance(c["invited"], c["registered"], c["present"]) for eid, c in counts.items()}


def _names(config: Config) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    trades = {t.key: t.label for t in config.trades}
    partners = {p.key: p.name for p in config.partners}
    venues = {v.key: f"{v.name} ({v.commune})" for _, v in config.venues()}
    return trades, partners, venues


def plans_overview(plans: list[Plan]) -> list[str]:
    """One line per plan: 'Plan n° 3 : approuvé, 12 événements (solveur : optimal)'."""
    lines = []
    for plan in plans:
        count = len(plan.events)
        # A plan written without the solver (the demo's past events) says so, not "unsolved".
        solver = (f"solveur : {SOLVER_STATUS_FR.get(plan.solver_status, plan.solver_status)}" if plan.solver_status
                  else "sans solveur")
        lines.append(
            f"Plan n° {plan.id} : {PLAN_STATUS_FR.get(plan.status, plan.status)}, "
            f"{count} événement{'s' if count > 1 else ''} ({solver})"
        )
    return lines


def event_lines(config: Config, event: Event, counts: Attendance) -> list[str]:
    """Two lines for one event: what, when and where; then the people."""
    trades, partners, venues = _names(config)
    venue = venues.get(event.venue_key or "", "lieu à préciser")
    label = EVENT_STATUS_LABELS.get(event.status, event.status) + (", sans remplacement" if event.no_replacement else "")
    status = "" if event.status == "scheduled" else f" [{label}]"
    head = (
        f"n° {event.id} · {french.datetime_listed(event.start)} · {EVENT_KIND_LABELS.get(event.kind, event.kind)} "
        f"{trades.get(event.trade_key, event.trade_key)}{status}"
    )
    places = french.counted(event.capacity, "place", "places")
    if event.kind == "recruitment" and event.employer_capacity:
        places = (f"{french.counted(event.capacity, 'candidat', 'candidats')}, "
                  f"{french.counted(event.employer_capacity, 'entreprise', 'entreprises')}")
    # An event of several days (a POEC lasts weeks) says when it ends.
    until = (f"jusqu'au {french.datetime_long(event.end)} · "
             if french.paris_day(event.end) != french.paris_day(event.start) else "")
    detail = (
        f"    {until}partenaire : {partners.get(event.partner_key, event.partner_key)} · lieu : {venue} · {places} · "
        f"invités {counts.invited}, inscrits {counts.registered}, présents {counts.present}"
    )
    return [head, detail] + chain_lines(event)


def _linked(event: Event) -> str:
    """'la POEC n° 19 (lundi 18 janvier 2027)': every kind of event is feminine."""
    return f"la {EVENT_KIND_NOUNS[event.kind][0]} n° {event.id} ({french.date_long(event.start)})"


def chain_lines(event: Event) -> list[str]:
    """The event's links in the chain, named and dated: the cohort (or recruitment event) it
    recruits for, the recruitment event its candidates go to."""
    links = []
    if event.recruits_for is not None:
        links.append(f"recrute pour {_linked(event.recruits_for)}")
    if event.hiring_event is not None:
        links.append(f"candidats reçus à {_linked(event.hiring_event)}")
    return [f"    {' · '.join(links)}"] if links else []


def plan_lines(session: Session, config: Config, plan: Plan) -> tuple[list[str], list[dict]]:
    """The plan's events as lines for a person, and as data (ISO times, keys and counts)."""
    events = session.scalars(select(Event).where(Event.plan_id == plan.id).order_by(Event.start, Event.id)).all()
    counts = attendance(session, [e.id for e in events])
    lines: list[str] = []
    rows: list[dict] = []
    for event in events:
        seen = counts.get(event.id, Attendance())
        lines += event_lines(config, event, seen)
        rows.append({
            "event_id": event.id, "kind": event.kind, "trade": event.trade_key, "partner": event.partner_key,
            "venue": event.venue_key, "start": event.start.isoformat(), "end": event.end.isoformat(),
            "capacity": event.capacity, "status": event.status, "sequence": event.sequence,
            "invited": seen.invited, "registered": seen.registered, "present": seen.present,
            "recruits_for_event_id": event.recruits_for_event_id, "hiring_event_id": event.hiring_event_id,
            "employer_capacity": event.employer_capacity,
        })
    if not events:
        lines.append("aucun événement")
    return lines, rows


def plan_title(plan: Plan) -> str:
    return f"Plan n° {plan.id} : {PLAN_STATUS_FR.get(plan.status, plan.status)}"
