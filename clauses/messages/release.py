"""A coordinator settles messages left "sending" (``clauses messages release``).

A message stays "sending" when its call to SendGrid got no answer (a timeout: SendGrid may have
taken it) or when a run was killed between the claim and the "sent" mark. SendGrid's ``processed``
event settles it on its own (``ledger.reconcile_processed``); failing that, after
``outreach.release_unconfirmed_after_hours`` it goes back to "pending". A coordinator who knows
better (SendGrid's Activity feed shows the message, or shows nothing) settles it now:

- release → "pending": it will be sent by the next run. Only when SendGrid certainly does not have
  it, or the person would get it twice.
- mark sent → "sent": SendGrid has it; it will never be sent again.

Only rows still "sending" change (a ``processed`` event that came in meanwhile wins)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from clauses.messages import ledger
from clauses.storage.base import utcnow
from clauses.storage.candidates import Candidate
from clauses.storage.outreach import Message


@dataclass
class Stuck:
    id: int
    public_id: str
    kind: str
    event_id: int | None
    candidate_id: int | None
    candidate_name: str | None
    sending_at: dt.datetime | None
    attempts: int
    last_error: str | None


def stuck_messages(session: Session, *, older_than: dt.timedelta | None = None, ids: list[int] | None = None,
                   now: dt.datetime | None = None) -> list[Stuck]:
    """Messages in "sending": those named by ``ids``, or those claimed more than ``older_than`` ago."""
    if ids is None and older_than is None:
        raise ValueError("give ids or older_than")
    now = now or utcnow()
    query = (
        select(Message, Candidate.first_name, Candidate.last_name)
        .outerjoin(Candidate, Candidate.id == Message.candidate_id)
        .where(Message.state == "sending")
        .order_by(Message.sending_at, Message.id)
    )
    if ids is not None:
        query = query.where(Message.id.in_(ids))
    if older_than is not None:  # a row without a claim time is as old as can be
        query = query.where(or_(Message.sending_at <= now - older_than, Message.sending_at.is_(None)))
    return [
        Stuck(m.id, m.public_id, m.kind, m.event_id, m.candidate_id,
              f"{first} {last}".strip() if first or last else None, m.sending_at, m.attempts, m.last_error)
        for m, first, last in session.execute(query)
    ]


def settle(session: Session, messages: list[Stuck], *, mark_sent: bool, now: dt.datetime | None = None) -> int:
    """Release these messages to "pending" or mark them "sent"; returns how many changed."""
    if not messages:
        return 0
    if not mark_sent:
        return ledger.release_sending(session, [m.public_id for m in messages])
    now = now or utcnow()
    result = session.execute(
        update(Message)
        .where(Message.id.in_([m.id for m in messages]), Message.state == "sending")
        .values(state="sent", sent_at=now, last_error="marked sent by a coordinator", updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
