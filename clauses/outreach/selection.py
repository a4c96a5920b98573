"""Who is invited to an event, and how many.

Events: approved (``approved_at`` set), scheduled or moved (not cancelled, not held), a discovery,
an information session or a recruitment event (whose invitees are the people ready for a job of its
trade, completers of its cohorts first: ``clauses.outreach.recruitment``), starting at least ``outreach.min_days_before_event`` days ahead. Earlier events
are served first.

How many: ``event.target_invitations`` when the plan set it, else ``ceil(capacity ÷ rate)`` with the
rate invited → attended (``outreach.invited_to_attended``, by default the planner's
``conversion.invited_to_attended``). People already holding a participation in the event count.

Who may be invited (every rule must hold):

1. consent recorded, not opted out, an email that has not bounced, not anonymised
   (``Candidate.can_be_contacted``);
2. interested in the event's trade (``candidates.trades``);
3. living within the event's reach: a commune of the territory (name, INSEE or postal code) or one of
   ``outreach.extra_reach_communes``; a candidate with no commune is not invited;
4. not already engaged for that trade: no participation registered, attended, interested, enrolled,
   completed or hired on any event of the trade, and no open invitation to another upcoming event of
   the trade;
5. no participation in this event already (one invitation per person per event, also guaranteed by
   the ledger's idempotency key);
6. under the weekly cap: fewer than ``outreach.max_messages_per_week`` messages planned for them in
   the last 7 days, counting those planned in this run (updates and cancellations do not count).

Order (priority to the publics the clause targets): score = ``priority.qpv_resident`` for QPV
residents + the weights of their eligibility labels (``priority.eligibility``: long-term jobseekers,
RSA…), highest first; then those invited least often; then the candidate id (deterministic).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clauses.config import Config
from clauses.messages import ledger
from clauses.outreach.participation import record_invitations
from clauses.outreach.recruitment import RECRUITMENT, ready_groups, recruitment_target
from clauses.storage.base import utcnow
from clauses.storage.candidates import Candidate
from clauses.storage.outreach import Message, Participation
from clauses.storage.planning import Event
from clauses.text import normalise_key

INVITABLE_KINDS = ("discovery", "information_session")
ENGAGED = ("registered", "attended", "interested", "enrolled", "completed", "hired")


@dataclass
class EventSelection:
    event_id: int
    target: int
    already: int
    invited: list[int] = field(default_factory=list)  # candidate ids, in priority order

    @property
    def shortfall(self) -> int:
        return max(0, self.target - self.already - len(self.invited))


def invitation_target(event: Event, config: Config) -> int:
    if event.kind == RECRUITMENT:
        return recruitment_target(event)
    if event.target_invitations and event.target_invitations > 0:
        return event.target_invitations
    rate = config.outreach.invited_to_attended or config.planning.conversion.invited_to_attended
    return math.ceil(event.capacity / rate)


def reach(config: Config) -> set[str]:
    names = set()
    for commune in config.territory.communes:
        names.add(normalise_key(commune.name))
        names.add(commune.insee)
        names.update(commune.postal_codes)
    names.update(normalise_key(c) for c in config.outreach.extra_reach_communes)
    return names


def priority_score(candidate: Candidate, config: Config, _table: dict[str, float] | None = None) -> float:
    weights = config.outreach.priority
    table = _table if _table is not None else {normalise_key(k): v for k, v in weights.eligibility.items()}
    score = weights.qpv_resident if candidate.qpv_resident else 0.0
    for label in candidate.eligibility or []:
        score += table.get(normalise_key(str(label)), 0.0)
    return score


def weekly_counts(session: Session, *, now: dt.datetime) -> Counter:
    since = now - dt.timedelta(days=7)
    rows = session.execute(
        select(Message.candidate_id, func.count())
        .where(
            Message.created_at >= since,
            Message.state != "failed",
            Message.kind.not_in(tuple(ledger.ESSENTIAL_KINDS)),
            Message.candidate_id.is_not(None),
        )
        .group_by(Message.candidate_id)
    )
    return Counter({k: v for k, v in rows})


def eligible_events(session: Session, config: Config, *, now: dt.datetime, event_ids: list[int] | None = None) -> list[Event]:
    earliest = now + dt.timedelta(days=config.outreach.min_days_before_event)
    query = (
        select(Event)
        .where(
            Event.approved_at.is_not(None),
            Event.status.in_(("scheduled", "moved")),
            Event.kind.in_((*INVITABLE_KINDS, RECRUITMENT)),
            Event.start >= earliest,
        )
        .order_by(Event.start, Event.id)
    )
    if event_ids is not None:
        query = query.where(Event.id.in_(event_ids))
    return list(session.scalars(query))


def select_invitations(
    session: Session,
    config: Config,
    *,
    now: dt.datetime | None = None,
    event_ids: list[int] | None = None,
    transport: str = "file",
) -> list[EventSelection]:
    """Choose the invitees of every eligible event, record their participation ("invited", origin
    system) and queue one invitation message each in the ledger. Idempotent: re-running adds only
    what is still missing."""
    now = now or utcnow()
    events = eligible_events(session, config, now=now, event_ids=event_ids)
    if not events:
        return []
    in_reach = reach(config)
    cap = config.outreach.max_messages_per_week
    week = weekly_counts(session, now=now)

    commune_in_reach: dict[str, bool] = {}

    def within(commune: str | None) -> bool:
        if not commune:
            return False
        if commune not in commune_in_reach:
            commune_in_reach[commune] = normalise_key(commune) in in_reach or commune.strip() in in_reach
        return commune_in_reach[commune]

    # Plain rows, not ORM objects: only what the rules need (10,000 candidates load in a blink).
    contactable = [c for c in session.execute(
        select(Candidate.id, Candidate.commune, Candidate.trades, Candidate.qpv_resident, Candidate.eligibility).where(
            Candidate.consent_date.is_not(None),
            Candidate.opted_out.is_(False),
            Candidate.email.is_not(None),
            Candidate.email_status == "valid",
            Candidate.anonymised_at.is_(None),
        )
    ) if within(c.commune)]
    by_trade: dict[str, list[Candidate]] = defaultdict(list)
    for candidate in contactable:
        for trade in set(candidate.trades or []):
            by_trade[trade].append(candidate)

    # Participations per trade: who is engaged, who holds an open invitation to an upcoming event.
    rows = session.execute(
        select(Participation.candidate_id, Participation.event_id, Participation.status, Event.trade_key, Event.start, Event.status)
        .join(Event, Event.id == Participation.event_id)
    ).all()
    engaged: dict[str, set[int]] = defaultdict(set)
    open_invite: dict[str, dict[int, int]] = defaultdict(dict)  # trade -> candidate -> event
    in_event: dict[int, set[int]] = defaultdict(set)
    invitations_count: Counter = Counter()
    for cand_id, event_id, status, trade, start, event_status in rows:
        in_event[event_id].add(cand_id)
        invitations_count[cand_id] += 1
        if status in ENGAGED:
            engaged[trade].add(cand_id)
        elif status == "invited" and event_status in ("scheduled", "moved") and _aware(start) > now:
            open_invite[trade][cand_id] = event_id

    table = {normalise_key(k): v for k, v in config.outreach.priority.eligibility.items()}
    scores = {c.id: priority_score(c, config, table) for c in contactable}
    ready = ready_groups(session, [e for e in events if e.kind == RECRUITMENT], now=now)
    reachable = {c.id: c for c in contactable}
    selections: list[EventSelection] = []
    planned: list[ledger.Planned] = []
    for event in events:
        target = invitation_target(event, config)
        already = len(in_event[event.id])
        selection = EventSelection(event_id=event.id, target=target, already=already)
        selections.append(selection)
        room = target - already
        if room <= 0:
            continue
        if event.kind == RECRUITMENT:
            # Ready people of the trade (trained, not hired), the event's own completers first.
            own, others, blocked = ready[event.id]
            pool = [reachable[i] for i in sorted(own | others, key=lambda i: (i not in own, -scores.get(i, 0.0), i))
                    if i in reachable and i not in in_event[event.id] and i not in blocked and week[i] < cap]
        else:
            pool = [
                c for c in by_trade.get(event.trade_key, [])
                if c.id not in in_event[event.id]
                and c.id not in engaged[event.trade_key]
                and open_invite[event.trade_key].get(c.id, event.id) == event.id
                and week[c.id] < cap
            ]
            pool.sort(key=lambda c: (-scores[c.id], invitations_count[c.id], c.id))
        for candidate in pool[:room]:
            in_event[event.id].add(candidate.id)
            open_invite[event.trade_key][candidate.id] = event.id
            invitations_count[candidate.id] += 1
            week[candidate.id] += 1
            selection.invited.append(candidate.id)
            planned.append(ledger.Planned(candidate_id=candidate.id, event_id=event.id, kind="invitation", version=event.sequence))
        record_invitations(session, event_id=event.id, candidate_ids=selection.invited, at=now, origin="system")
        if event.announced_at is None and selection.invited:
            event.announced_at = now
    ledger.enqueue(session, planned, transport=transport, now=now)
    return selections


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
