"""Approved events short of invitees, flagged for the coordinator (``clauses plan show``, the plan
artifact, the daily invitation job).

An approved discovery or information session, not cancelled and still to come, is flagged when it
has fewer invitees (participations of any status) than its invitation target: none at all, or too
few. The flag says whether invitations can still leave (until ``outreach.min_days_before_event``
days before the start) or not any more.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clauses import french
from clauses.config import Config
from clauses.outreach.selection import INVITABLE_KINDS, invitation_target
from clauses.storage.outreach import Participation
from clauses.storage.planning import Event
from clauses.french import EVENT_KIND_LABELS



@dataclass(frozen=True)
class InviteeFlag:
    event_id: int
    kind: str
    trade_key: str
    start: dt.datetime
    invited: int
    target: int
    can_still_invite: bool
    message_fr: str

    def as_dict(self) -> dict:
        return {**asdict(self), "start": self.start.isoformat()}


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def invitee_flags(
    session: Session, config: Config, *, now: dt.datetime | None = None, plan_id: int | None = None,
    event_ids: list[int] | None = None,
) -> list[InviteeFlag]:
    """The flags, earliest event first (of one plan, or of some events, or of every approved event)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    query = select(Event).where(
        Event.approved_at.is_not(None), Event.status != "cancelled", Event.kind.in_(INVITABLE_KINDS), Event.start > now
    ).order_by(Event.start, Event.id)
    if plan_id is not None:
        query = query.where(Event.plan_id == plan_id)
    if event_ids is not None:
        query = query.where(Event.id.in_(event_ids))
    events = list(session.scalars(query))
    if not events:
        return []
    counts = dict(session.execute(
        select(Participation.event_id, func.count()).where(Participation.event_id.in_([e.id for e in events]))
        .group_by(Participation.event_id)
    ).all())
    labels = {t.key: t.label for t in config.trades}
    delay = dt.timedelta(days=config.outreach.min_days_before_event)
    flags = []
    for event in events:
        invited, target = counts.get(event.id, 0), invitation_target(event, config)
        if invited >= target:
            continue
        start = _aware(event.start)
        open_ = start - delay >= now
        what = "aucune personne invitée" if invited == 0 else (
            f"trop peu de personnes invitées : {invited} sur {target} visées")
        when = (f"les invitations peuvent partir jusqu'au {french.datetime_long(start - delay)} (clauses invite)"
                if open_ else f"trop tard pour inviter (moins de {french.counted(delay.days, 'jour', 'jours')} avant)")
        message = (f"{EVENT_KIND_LABELS.get(event.kind, event.kind)} n° {event.id} ({labels.get(event.trade_key, event.trade_key)}, "
                   f"{french.datetime_long(start)}) : {what} ; {when}.")
        flags.append(InviteeFlag(event.id, event.kind, event.trade_key, start, invited, target, open_, message))
    return flags
