"""The coordinator's decisions: approve, reject or edit a draft plan; move or cancel an event.

Every move or cancellation raises the event's SEQUENCE and leaves an ``EventChange`` with the
before/after values, so invitees can be sent an update or a cancellation."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from clauses.errors import ClausesError
from clauses.storage.base import utcnow
from clauses.storage.planning import Event, EventChange, Plan

Decision = Literal["approve", "reject", "draft"]


def _status(plan: Plan) -> str:
    from clauses.planning.show import PLAN_STATUS_FR

    return PLAN_STATUS_FR.get(plan.status, plan.status)


def _plan(session: Session, plan_id: int) -> Plan:
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise ClausesError(f"le plan n° {plan_id} n'existe pas (« clauses plan show » liste les plans)")
    return plan


def _event(session: Session, event_id: int) -> Event:
    event = session.get(Event, event_id)
    if event is None:
        raise ClausesError(f"l'événement n° {event_id} n'existe pas (« clauses plan show NUMÉRO_DU_PLAN » liste ses événements)")
    return event


def approve_plan(
    session: Session, plan_id: int, *, by: str = "coordinator", note: str | None = None, now: dt.datetime | None = None
) -> Plan:
    """Approve a draft: its events (not cancelled) become usable for invitations. It becomes the one
    current approved plan: earlier approved plans are superseded and their events not over yet
    (kept by the draft, or cancelled so calendars still learn it) move into it unchanged: same row,
    UID and SEQUENCE, so nobody is invited twice."""
    plan = _plan(session, plan_id)
    if plan.status != "draft":
        raise ClausesError(f"le plan n° {plan_id} est {_status(plan)} : seul un brouillon peut être approuvé")
    now = now or utcnow()
    for earlier in session.scalars(select(Plan).where(Plan.status == "approved", Plan.id != plan.id)):
        earlier.status = "superseded"
        for event in list(earlier.events):
            if _aware(event.end) >= now:
                event.plan = plan
    plan.status = "approved"
    plan.decided_at, plan.decided_by, plan.decision_note = now, by, note
    # Kept discoveries the plan uses for its new cohorts now recruit for them; kept cohorts waiting
    # for a recruitment event now send their completers to the plan's.
    parameters = plan.parameters or {}
    for field, kept_ids in (("recruits_for", parameters.get("kept_links")), ("hiring_event", parameters.get("kept_hiring_links"))):
        for kept_id, new_id in (kept_ids or {}).items():
            kept, new = session.get(Event, int(kept_id)), session.get(Event, new_id)
            # (a recruitment event cancelled without replacement is linked too: none is proposed again)
            if kept is not None and new is not None and new.plan_id == plan.id and (new.status != "cancelled" or new.no_replacement):
                setattr(kept, field, new)
    for event in plan.events:
        if event.status != "cancelled" and event.approved_at is None:
            event.approved_at = now
    session.flush()
    return plan


def reject_plan(session: Session, plan_id: int, *, by: str = "coordinator", note: str | None = None) -> Plan:
    plan = _plan(session, plan_id)
    if plan.status != "draft":
        raise ClausesError(f"le plan n° {plan_id} est {_status(plan)} : seul un brouillon peut être rejeté")
    plan.status = "rejected"
    plan.decided_at, plan.decided_by, plan.decision_note = utcnow(), by, note
    session.flush()
    return plan


def apply_decision(
    session: Session, plan_id: int, decision: Decision, *, by: str = "coordinator", note: str | None = None
) -> str:
    """What the paused flow does with the coordinator's answer (or with a timeout: "draft")."""
    if decision == "approve":
        return approve_plan(session, plan_id, by=by, note=note).status
    if decision == "reject":
        return reject_plan(session, plan_id, by=by, note=note).status
    return _plan(session, plan_id).status


def _snapshot(event: Event) -> dict:
    return {
        "start": event.start.isoformat(),
        "end": event.end.isoformat(),
        "venue_key": event.venue_key,
        "capacity": event.capacity,
        "status": event.status,
        **({"no_replacement": True} if event.no_replacement else {}),
    }


def _record(session: Session, event: Event, change: str, before: dict, origin: str) -> EventChange:
    event.sequence += 1
    row = EventChange(
        event_id=event.id, change=change, sequence=event.sequence, before=before, after=_snapshot(event), origin=origin
    )
    session.add(row)
    session.flush()
    return row


def move_event(
    session: Session,
    event_id: int,
    *,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    venue_key: str | None = None,
    capacity: int | None = None,
    origin: str = "coordinator",
) -> EventChange:
    """Edit an event's dates, venue or capacity (a move). Keeps the length when only ``start`` is
    given. Times must be timezone-aware."""
    event = _event(session, event_id)
    if event.status == "cancelled":
        raise ClausesError(f"l'événement n° {event_id} est annulé : il ne peut plus être déplacé")
    for value in (start, end):
        if value is not None and value.tzinfo is None:
            raise ClausesError("donner les heures avec leur fuseau (par ex. 2026-03-03T09:00+01:00)")
    before = _snapshot(event)
    if start is not None:
        length = _aware(event.end) - _aware(event.start)
        event.start = start
        event.end = end if end is not None else start + length
    elif end is not None:
        event.end = end
    if _aware(event.end) <= _aware(event.start):
        raise ClausesError(f"événement n° {event_id} : la fin doit suivre le début")
    if venue_key is not None:
        event.venue_key = venue_key
    if capacity is not None:
        if capacity <= 0:
            raise ClausesError("le nombre de places doit être positif")
        event.capacity = capacity
    if _snapshot(event) == before:
        raise ClausesError(f"événement n° {event_id} : rien à modifier")
    event.status = "moved"
    return _record(session, event, "moved", before, origin)


def cancel_event(session: Session, event_id: int, *, origin: str = "coordinator", no_replacement: bool = False) -> EventChange:
    """Cancel an event; a later re-planning no longer keeps it. A recruitment event cancelled with
    ``no_replacement`` gets no other for its cohorts (see ``store.as_fixed``)."""
    event = _event(session, event_id)
    if no_replacement and event.kind != "recruitment":
        raise ClausesError(
            f"l'événement n° {event_id} n'est pas une rencontre de recrutement : « sans remplacement » ne vaut que pour elles"
        )
    if event.status == "cancelled":
        if no_replacement:  # cancelled earlier, marked now: nothing is sent again (same SEQUENCE)
            event.no_replacement = True
            return event.changes[-1]
        raise ClausesError(f"l'événement n° {event_id} est déjà annulé")
    before = _snapshot(event)
    event.status = "cancelled"
    event.no_replacement = no_replacement
    return _record(session, event, "cancelled", before, origin)


def usable_for_invitations(event: Event) -> bool:
    """Only approved events that are not cancelled can be announced to candidates."""
    return event.approved_at is not None and event.status != "cancelled"


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
