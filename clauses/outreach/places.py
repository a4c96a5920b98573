"""Places are real: answers counted against the event's capacity, the waiting list, and offers of
freed places.

- A place is held by a participation "registered", or "offered" until its ``offer_expires_at``.
- "Je viens" takes a free place (→ registered) or, the event being full, puts the person on the
  waiting list (→ waitlisted, position shown). An "offered" person saying yes takes the held place.
- "Je ne peux pas venir" (or a cancellation from a reminder) → declined; the place it held is
  offered to the next person on the list (→ offered, held ``outreach.waitlist_offer_hours``, 48 h by
  default, never past the event's start), with a ``waitlist_offer`` message in the ledger.
- An offer not taken in time → declined (origin "system"), an ``offer_expired`` message, and the
  place goes to the next person. Places freed by a coordinator or a partner's sheet, or added by a
  larger capacity, are offered by the follow-ups job (``refresh_waiting_lists``).

**Exactly one gets the last place.** Every answer runs in a transaction that first locks the event:
``SELECT … FOR UPDATE`` on its row with PostgreSQL, ``BEGIN IMMEDIATE`` with SQLite (one writer at
a time, the others wait ``busy_timeout``). Counting the places and writing the answer happen under
that lock, so two concurrent "yes" for the last place are serialised: one is registered, the other
waitlisted. Messages are keyed per offer (kind, event, candidate, n-th offer): never sent twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from clauses.messages import ledger
from clauses.outreach.participation import record_status
from clauses.storage.answers import TradeOptOut
from clauses.storage.base import utcnow
from clauses.storage.candidates import Candidate
from clauses.storage.outreach import Participation, ParticipationTransition
from clauses.storage.planning import Event

DEFAULT_HOLD = dt.timedelta(hours=48)
OPEN_STATUSES = ("scheduled", "moved")
# Statuses from which "Je viens" asks for a place.
MAY_ASK = ("invited", "declined", "excused")


@dataclass
class Answer:
    status: str  # the participation's status after the answer
    changed: bool
    position: int | None = None  # on the waiting list
    offers: list[int] = field(default_factory=list)  # candidates offered a place as a consequence
    expired: list[int] = field(default_factory=list)  # candidates whose offer lapsed meanwhile


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def lock_event(session: Session, event_id: int) -> Event | None:
    """Lock the event for the rest of the transaction (see the module's docstring). With SQLite it
    must come before any write of the transaction."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        if not raw.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        return session.get(Event, event_id, populate_existing=True)
    return session.scalar(select(Event).where(Event.id == event_id).with_for_update().execution_options(populate_existing=True))


def held_places(session: Session, event_id: int, now: dt.datetime) -> int:
    return session.scalar(
        select(func.count()).select_from(Participation).where(
            Participation.event_id == event_id,
            or_(Participation.status == "registered",
                and_(Participation.status == "offered", Participation.offer_expires_at > now)),
        )
    ) or 0


def waitlist_position(session: Session, participation: Participation) -> int | None:
    if participation.status != "waitlisted":
        return None
    return 1 + (session.scalar(
        select(func.count()).select_from(Participation).where(
            Participation.event_id == participation.event_id,
            Participation.status == "waitlisted",
            or_(Participation.status_at < participation.status_at,
                and_(Participation.status_at == participation.status_at, Participation.id < participation.id)),
        )
    ) or 0)


def _offer_version(session: Session, participation_id: int) -> int:
    return session.scalar(
        select(func.count()).select_from(ParticipationTransition).where(
            ParticipationTransition.participation_id == participation_id, ParticipationTransition.to_status == "offered")
    ) or 0


def expire_offers(session: Session, event: Event, *, now: dt.datetime, transport: str) -> list[int]:
    """Offers of this event not taken in time: declined (origin system) and told. Returns the
    candidates."""
    lapsed = list(session.scalars(select(Participation).where(
        Participation.event_id == event.id, Participation.status == "offered", Participation.offer_expires_at <= now)))
    planned = []
    for participation in lapsed:
        version = _offer_version(session, participation.id)
        record_status(session, candidate_id=participation.candidate_id, event_id=event.id, status="declined",
                      origin="system", at=now)
        planned.append(ledger.Planned(candidate_id=participation.candidate_id, event_id=event.id,
                                      kind="offer_expired", version=version))
    ledger.enqueue(session, planned, transport=transport, now=now)
    return [p.candidate_id for p in lapsed]


def fill_places(session: Session, event: Event, *, now: dt.datetime, hold: dt.timedelta, transport: str) -> list[int]:
    """Offer the free places of an open, upcoming event to the next people on its waiting list who
    can still be contacted. Returns the candidates offered a place."""
    start = _aware(event.start)
    if event.status not in OPEN_STATUSES or start <= now:
        return []
    free = event.capacity - held_places(session, event.id, now)
    if free <= 0:
        return []
    opted_out = exists().where(TradeOptOut.candidate_id == Participation.candidate_id,
                               TradeOptOut.trade_key == event.trade_key)
    queue = list(session.scalars(
        select(Participation).join(Candidate, Candidate.id == Participation.candidate_id).where(
            Participation.event_id == event.id, Participation.status == "waitlisted",
            Candidate.consent_date.is_not(None), Candidate.opted_out.is_(False), Candidate.email.is_not(None),
            Candidate.email_status == "valid", Candidate.anonymised_at.is_(None), ~opted_out,
        ).order_by(Participation.status_at, Participation.id).limit(free)
    ))
    until = min(now + hold, start)
    planned = []
    for participation in queue:
        record_status(session, candidate_id=participation.candidate_id, event_id=event.id, status="offered",
                      origin="system", at=now)
        participation.offer_expires_at = until
        planned.append(ledger.Planned(candidate_id=participation.candidate_id, event_id=event.id,
                                      kind="waitlist_offer", version=_offer_version(session, participation.id)))
    session.flush()
    ledger.enqueue(session, planned, transport=transport, now=now)
    return [p.candidate_id for p in queue]


def answer(
    session: Session,
    *,
    candidate_id: int,
    event_id: int,
    action: str,
    origin: str,
    now: dt.datetime | None = None,
    hold: dt.timedelta = DEFAULT_HOLD,
    transport: str = "file",
) -> Answer:
    """Record a candidate's "yes" or "no" for an event under the event's lock, and offer any place
    it frees. Idempotent: the same answer again changes nothing. Call it first in its transaction."""
    if action not in ("yes", "no"):
        raise ValueError(f"unknown answer {action!r}")
    now = now or utcnow()
    event = lock_event(session, event_id)
    if event is None:
        raise ValueError(f"no event {event_id}")
    expired = expire_offers(session, event, now=now, transport=transport)
    participation = session.scalar(select(Participation).where(
        Participation.candidate_id == candidate_id, Participation.event_id == event_id))
    status = participation.status if participation is not None else None
    target: str | None = None
    if action == "yes":
        if status == "offered":
            target = "registered"
        elif status is None or status in MAY_ASK:
            target = "registered" if held_places(session, event_id, now) < event.capacity else "waitlisted"
    elif status in (None, "invited", "registered", "offered", "waitlisted", "excused"):
        target = "declined"
    changed = False
    if target is not None:
        participation, changed = record_status(session, candidate_id=candidate_id, event_id=event_id,
                                               status=target, origin=origin, at=now)
        if target != "offered":
            participation.offer_expires_at = None
    offers = fill_places(session, event, now=now, hold=hold, transport=transport)
    session.flush()
    return Answer(status=participation.status, changed=changed, position=waitlist_position(session, participation),
                  offers=offers, expired=expired)


def refresh_waiting_lists(session: Session, *, now: dt.datetime | None = None, hold: dt.timedelta = DEFAULT_HOLD,
                          transport: str = "file") -> dict[str, int]:
    """For every open, upcoming event with a waiting list or an offer: lapse the offers not taken in
    time and offer the free places (freed by a coordinator, a partner's sheet, a larger capacity).
    Each event is locked in turn, as answers do."""
    now = now or utcnow()
    event_ids = list(session.scalars(
        select(Participation.event_id).join(Event, Event.id == Participation.event_id).where(
            Participation.status.in_(("waitlisted", "offered")), Event.status.in_(OPEN_STATUSES), Event.start > now,
        ).distinct().order_by(Participation.event_id)))
    counts = {"offers": 0, "expired": 0}
    for event_id in event_ids:
        event = lock_event(session, event_id)
        counts["expired"] += len(expire_offers(session, event, now=now, transport=transport))
        counts["offers"] += len(fill_places(session, event, now=now, hold=hold, transport=transport))
    return counts
