"""Which follow-up is due for whom (run daily; running twice the same day adds nothing).

Driven by participation states (``clauses.outreach.participation``) and event changes:

- **reminder**: ``outreach.reminder_days_before`` days before the event (Paris dates), only for the
  registered and the invitees who have not answered (not declined, waitlisted, excused…), for an
  approved, open event that has not started.
- **waitlist_offer** / **offer_expired**: planned by ``clauses.outreach.places`` when a place frees
  up or an offer lapses (``refresh_waiting_lists`` runs first here, for places freed by a
  coordinator or a partner's sheet).
- **update**: the event moved (``EventChange`` "moved"); every invitee still expected (invited,
  registered, excused) whose invitation carried an older SEQUENCE; keyed by the new sequence, so each
  change is told once. Only the latest change is sent.
- **cancellation**: the event was cancelled; every invitee still expected; keyed by the sequence.
- **thanks**: attended (or already interested) a discovery / information session that ended within
  ``outreach.followup_window_days``.
- **missed_you**: no-show at an event that ended within the window; the message gives the next date
  of the same trade, if any.
- **poec_offer**: showed interest ("interested") and an approved POEC cohort of the trade starts
  later; waits until one is planned.
- **outcome_request**: "completed" a POEC, ``outreach.outcome_request_weeks_after`` weeks after the
  cohort ended (the event's end when it is the POEC, otherwise when "completed" was recorded); not
  to someone already recorded as hired (at a recruitment event, say): the answer is known.

Each kind is sent once per participation (idempotency key; version 0) except update and
cancellation (version = the event's sequence). Never to someone who cannot be contacted (opted out,
bounced, no consent). The weekly cap (``outreach.max_messages_per_week``) holds back everything but
updates and cancellations; what is held back is planned on a later day if still due.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clauses.config import Config
from clauses.messages import ledger
from clauses.outreach.places import refresh_waiting_lists
from clauses.outreach.selection import weekly_counts
from clauses.storage.base import utcnow
from clauses.storage.candidates import Candidate
from clauses.storage.outreach import Message, Participation
from clauses.storage.planning import Event, EventChange

PARIS = ZoneInfo("Europe/Paris")
EXPECTED = ("invited", "registered", "excused", "waitlisted", "offered")
FOLLOWUP_KINDS = ("reminder", "update", "cancellation", "thanks", "missed_you", "poec_offer", "outcome_request",
                  "waitlist_offer", "offer_expired")


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def due_followups(session: Session, config: Config, *, now: dt.datetime | None = None) -> list[ledger.Planned]:
    """Every follow-up due now, before the weekly cap and the ledger's de-duplication."""
    now = now or utcnow()
    settings = config.outreach
    today = now.astimezone(PARIS).date()
    window = dt.timedelta(days=settings.followup_window_days)
    due: list[ledger.Planned] = []

    rows = session.execute(
        select(Participation, Event).join(Event, Event.id == Participation.event_id).where(Event.approved_at.is_not(None))
    ).all()
    latest_change = {
        event_id: (change, sequence)
        for event_id, change, sequence in session.execute(
            select(EventChange.event_id, EventChange.change, EventChange.sequence).order_by(EventChange.event_id, EventChange.sequence)
        )
    }
    invitation_version = {
        (cand, ev): version
        for cand, ev, version in session.execute(
            select(Message.candidate_id, Message.event_id, func.max(Message.event_sequence))
            .where(Message.kind.in_(("invitation", "update")), Message.state != "failed")
            .group_by(Message.candidate_id, Message.event_id)
        )
    }
    hired = set(session.scalars(select(Participation.candidate_id).where(Participation.status == "hired")))
    next_poec: dict[str, bool] = {}
    for participation, event in rows:
        start, end = _aware(event.start), _aware(event.end)
        status = participation.status
        key = dict(candidate_id=participation.candidate_id, event_id=event.id)
        if event.status == "cancelled":
            if status in EXPECTED and start > now:
                due.append(ledger.Planned(kind="cancellation", version=event.sequence, **key))
            continue
        if event.status in ("scheduled", "moved") and start > now and status in EXPECTED:
            change = latest_change.get(event.id)
            told = invitation_version.get((participation.candidate_id, event.id))
            if change and change[0] == "moved" and told is not None and told < event.sequence:
                due.append(ledger.Planned(kind="update", version=event.sequence, **key))
            if status in ("invited", "registered"):
                days_left = (start.astimezone(PARIS).date() - today).days
                if 0 < days_left <= settings.reminder_days_before:
                    due.append(ledger.Planned(kind="reminder", **key))
        ended_recently = end <= now < end + window
        if event.kind in ("discovery", "information_session"):
            if status in ("attended", "interested") and ended_recently:
                due.append(ledger.Planned(kind="thanks", **key))
            if status == "no_show" and ended_recently:
                due.append(ledger.Planned(kind="missed_you", **key))
        if status == "interested":
            if event.trade_key not in next_poec:
                next_poec[event.trade_key] = session.scalar(
                    select(Event.id).where(
                        Event.trade_key == event.trade_key, Event.kind == "poec", Event.approved_at.is_not(None),
                        Event.status.in_(("scheduled", "moved")), Event.start > now,
                    ).limit(1)
                ) is not None
            if next_poec[event.trade_key]:
                due.append(ledger.Planned(kind="poec_offer", **key))
        if status == "completed" and participation.candidate_id not in hired:
            reference = end if event.kind == "poec" else _aware(participation.status_at)
            if reference + dt.timedelta(weeks=settings.outcome_request_weeks_after) <= now:
                due.append(ledger.Planned(kind="outcome_request", **key))
    return due


def plan_followups(session: Session, config: Config, *, now: dt.datetime | None = None, transport: str = "file") -> dict[str, int]:
    """Queue in the ledger every follow-up due now for people who can be contacted, within the
    weekly cap. Returns how many were queued per kind (plus "held_by_cap")."""
    now = now or utcnow()
    waiting = refresh_waiting_lists(session, now=now, hold=dt.timedelta(hours=config.outreach.waitlist_offer_hours),
                                    transport=transport)
    due = due_followups(session, config, now=now)
    if not due:
        return {k: v for k, v in (("waitlist_offer", waiting["offers"]), ("offer_expired", waiting["expired"])) if v}
    candidate_ids = {p.candidate_id for p in due}
    contactable = {
        c.id for c in session.scalars(select(Candidate).where(Candidate.id.in_(candidate_ids))) if c.can_be_contacted
    }
    keys = [p.key for p in due]
    existing: set[str] = set()
    for start in range(0, len(keys), 500):
        existing.update(session.scalars(select(Message.idempotency_key).where(Message.idempotency_key.in_(keys[start : start + 500]))))
    week = weekly_counts(session, now=now)
    cap = config.outreach.max_messages_per_week
    order = {kind: i for i, kind in enumerate(FOLLOWUP_KINDS)}
    queued: list[ledger.Planned] = []
    counts: dict[str, int] = defaultdict(int)
    for planned in sorted(due, key=lambda p: (order[p.kind], p.event_id or 0, p.candidate_id)):
        if planned.candidate_id not in contactable or planned.key in existing:
            continue
        if planned.kind not in ledger.ESSENTIAL_KINDS:
            if week[planned.candidate_id] >= cap:
                counts["held_by_cap"] += 1
                continue
            week[planned.candidate_id] += 1
        existing.add(planned.key)
        queued.append(planned)
        counts[planned.kind] += 1
    ledger.enqueue(session, queued, transport=transport, now=now)
    for kind, count in (("waitlist_offer", waiting["offers"]), ("offer_expired", waiting["expired"])):
        if count:
            counts[kind] += count
    return dict(counts)
