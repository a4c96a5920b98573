"""Who is invited to a recruitment event (the candidates' side; employers: ``employers.py``).

A recruitment event receives people **ready** for a job of its trade, in this order:

1. the event's own: people who completed (participation "completed") a POEC cohort, or a
   discovery of a trade without POEC, whose ``hiring_event_id`` is this event;
2. the trade's other ready people: those who completed a POEC of the trade earlier, or who came out
   of a discovery of a trade without POEC (a discovery with a ``hiring_event_id``) "interested" or
   "completed".

Nobody already hired (a participation "hired", on any event) is ready. Within each group: the
clause's target publics first (``outreach.priority``, as for discoveries), then the candidate id.
How many: ``target_invitations`` when the plan set it, else the event's ``capacity`` (candidates):
they are known people, not a pool to convert. The other rules of ``selection.py`` hold (can be
contacted, within reach, weekly cap, one invitation per event), and someone invited to (or
registered for) another upcoming recruitment event of the trade is not invited to a second one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from clauses.storage.outreach import Participation
from clauses.storage.planning import Event

RECRUITMENT = "recruitment"
READY_DISCOVERY = ("interested", "completed")


def recruitment_target(event: Event) -> int:
    return event.target_invitations if event.target_invitations and event.target_invitations > 0 else event.capacity


def ready_groups(session: Session, events: list[Event], *, now: dt.datetime) -> dict[int, tuple[set[int], set[int], set[int]]]:
    """For each recruitment event: (its own completers, the trade's other ready people, people
    held by another upcoming recruitment event of the trade)."""
    trades = {e.trade_key for e in events}
    if not trades:
        return {}
    rows = session.execute(
        select(Participation.candidate_id, Participation.status, Event.id, Event.kind, Event.trade_key,
               Event.hiring_event_id, Event.start, Event.status)
        .join(Event, Event.id == Participation.event_id)
    ).all()
    hired: set[int] = set()
    own: dict[int, set[int]] = defaultdict(set)  # hiring event -> completers
    ready: dict[str, set[int]] = defaultdict(set)  # trade -> ready people
    held: dict[str, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))  # trade -> candidate -> events
    for candidate, status, event_id, kind, trade, hiring, start, event_status in rows:
        if status == "hired":
            hired.add(candidate)
        if trade not in trades:
            continue
        completed = (kind == "poec" and status == "completed") or (
            kind == "discovery" and hiring is not None and status in READY_DISCOVERY)
        if completed:
            ready[trade].add(candidate)
            if hiring is not None:
                own[hiring].add(candidate)
        if kind == RECRUITMENT and status in ("invited", "registered") and event_status in ("scheduled", "moved") \
                and _aware(start) > now:
            held[trade][candidate].add(event_id)
    out = {}
    for event in events:
        blocked = {c for c, ids in held[event.trade_key].items() if ids - {event.id}}
        mine = own[event.id] - hired
        out[event.id] = (mine, ready[event.trade_key] - hired - mine, blocked)
    return out


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
