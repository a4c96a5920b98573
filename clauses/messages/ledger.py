"""The message ledger: every email has a row before it leaves, so each leaves exactly once.

A message is keyed by ``idempotency_key`` = kind, event, candidate and event version (the event's
SEQUENCE for invitations, updates and cancellations; 0 for kinds sent once per participation). A row
is created "pending" when the message is decided (selection, follow-ups); creating it again is a
no-op. Sending goes, message by message:

    pending ──claim (committed)──▶ sending ──transport accepted (committed)──▶ sent
                                      │ └──provider refused the message (400)──▶ failed
                                      └──transient failure / run stopped──▶ pending (next run)

The claim is an ``UPDATE … WHERE state = 'pending'`` committed *before* the call, and it also checks
that the candidate can still be contacted (consent, not opted out, email not bounced): a message to
someone who unsubscribed in the meantime becomes "failed" and is never produced. The "sent" mark is
committed after the call (together with the next claim, to halve the commits).

**The ambiguity rule.** A run killed between the claim and the "sent" mark leaves a row in "sending":
the transport may or may not have accepted it. On the next run (``recover``):

- file transport: the .eml is written under a temporary name and renamed to ``<public_id>.eml``, so
  the file's existence decides: present → "sent", absent → "pending" (re-sent). Exact.
- SendGrid (cannot be asked): the row is **not** re-sent automatically. It stays "sending" until
  SendGrid's ``processed`` event carrying its ``clauses_message_id`` arrives: the inbound side calls
  ``reconcile_processed(session, public_ids)`` and the row becomes "sent". If no such event arrives
  within ``outreach.release_unconfirmed_after_hours`` (default 24 h; SendGrid posts ``processed``
  within minutes), the request never reached SendGrid and the row goes back to "pending"
  (``release_unconfirmed``). A coordinator can release rows at once with ``release_sending``.

So a re-run, or a retried Prefect flow, never sends a message twice; the only duplicate left is a
SendGrid *read timeout* after the request was accepted (see ``transports/sendgrid.py``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.orm import Session

from clauses.storage.base import utcnow
from clauses.storage.candidates import Candidate
from clauses.storage.outreach import Message

# Messages that tell people about a change to an event they are invited to: never held back by the
# weekly cap.
ESSENTIAL_KINDS = frozenset({"update", "cancellation"})
_CHUNK = 500


def idempotency_key(*, kind: str, event_id: int | None, candidate_id: int, version: int = 0) -> str:
    return f"{kind}:e{event_id or 0}:c{candidate_id}:v{version}"


def new_public_id() -> str:
    """An opaque id (no personal data): the only thing that leaves in SendGrid's ``custom_args``."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Planned:
    candidate_id: int
    event_id: int | None
    kind: str
    version: int = 0

    @property
    def key(self) -> str:
        return idempotency_key(kind=self.kind, event_id=self.event_id, candidate_id=self.candidate_id, version=self.version)


def enqueue(session: Session, planned: Iterable[Planned], *, transport: str, now: dt.datetime | None = None) -> list[Message]:
    """Create a pending row for every planned message whose key is new; returns the rows created."""
    wanted: dict[str, Planned] = {}
    for item in planned:
        wanted.setdefault(item.key, item)
    keys = list(wanted)
    existing: set[str] = set()
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        existing.update(session.scalars(select(Message.idempotency_key).where(Message.idempotency_key.in_(chunk))))
    created = []
    now = now or utcnow()
    for key, item in wanted.items():
        if key in existing:
            continue
        created.append(
            Message(
                idempotency_key=key,
                public_id=new_public_id(),
                candidate_id=item.candidate_id,
                event_id=item.event_id,
                kind=item.kind,
                event_sequence=item.version,
                state="pending",
                transport=transport,
                created_at=now,
                updated_at=now,
            )
        )
    session.add_all(created)
    session.flush()
    return created


def _contactable():
    return exists().where(
        and_(
            Candidate.id == Message.candidate_id,
            Candidate.consent_date.is_not(None),
            Candidate.opted_out.is_(False),
            Candidate.email.is_not(None),
            Candidate.email_status == "valid",
            Candidate.anonymised_at.is_(None),
        )
    )


def claim(session: Session, message_id: int, *, transport: str, now: dt.datetime | None = None) -> str:
    """pending → sending if the candidate can still be contacted. Returns "claimed", "refused" (the
    candidate cannot be contacted: the row is now failed) or "gone" (not pending any more)."""
    now = now or utcnow()
    result = session.execute(
        update(Message)
        .where(Message.id == message_id, Message.state == "pending", _contactable())
        .values(state="sending", attempts=Message.attempts + 1, sending_at=now, transport=transport, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        return "claimed"
    result = session.execute(
        update(Message)
        .where(Message.id == message_id, Message.state == "pending")
        .values(state="failed", last_error="not_contactable", updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return "refused" if result.rowcount == 1 else "gone"


def mark_sent(session: Session, message_id: int, provider_message_id: str | None, *, now: dt.datetime | None = None) -> None:
    now = now or utcnow()
    session.execute(
        update(Message)
        .where(Message.id == message_id, Message.state == "sending")
        .values(state="sent", sent_at=now, provider_message_id=provider_message_id, last_error=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )


def mark_failed(session: Session, message_id: int, reason: str, *, states: Sequence[str] = ("sending", "pending")) -> bool:
    result = session.execute(
        update(Message)
        .where(Message.id == message_id, Message.state.in_(states))
        .values(state="failed", last_error=reason[:1000], updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def release(session: Session, message_id: int, reason: str) -> None:
    """sending → pending: the call certainly did not deliver it (refused connection, 5xx, 429…)."""
    session.execute(
        update(Message)
        .where(Message.id == message_id, Message.state == "sending")
        .values(state="pending", last_error=reason[:1000], updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def recover(session: Session, transport, *, now: dt.datetime | None = None, release_after: dt.timedelta | None = None) -> dict[str, int]:
    """Settle rows a killed run left in "sending" (see the ambiguity rule above)."""
    now = now or utcnow()
    counts = {"sent": 0, "released": 0, "waiting": 0}
    rows = session.execute(
        select(Message.id, Message.public_id, Message.sending_at, Message.transport).where(Message.state == "sending")
    ).all()
    for message_id, public_id, sending_at, transport_name in rows:
        known = transport.delivered(public_id) if transport_name == transport.name else None
        if known is True:
            session.execute(
                update(Message).where(Message.id == message_id, Message.state == "sending")
                .values(state="sent", sent_at=now, updated_at=now).execution_options(synchronize_session=False)
            )
            counts["sent"] += 1
        elif known is False:
            release(session, message_id, "interrupted before delivery")
            counts["released"] += 1
        elif release_after is not None and sending_at is not None and _aware(sending_at) + release_after <= now:
            release(session, message_id, "no processed event: released")
            counts["released"] += 1
        else:
            counts["waiting"] += 1
    return counts


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def release_sending(session: Session, public_ids: Iterable[str] | None = None) -> int:
    """Coordinator's decision: these "sending" rows (all when ``None``) did not reach the provider."""
    query = update(Message).where(Message.state == "sending")
    if public_ids is not None:
        query = query.where(Message.public_id.in_(list(public_ids)))
    result = session.execute(
        query.values(state="pending", last_error="released by a coordinator", updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def reconcile_processed(session: Session, public_ids: Iterable[str]) -> int:
    """SendGrid reported ``processed`` for these messages (``custom_args.clauses_message_id``):
    any of them still in state "sending" (or "pending") is now "sent". Returns how many changed.

    Safe to call many times with the same ids (webhook retries)."""
    ids = sorted({p for p in public_ids if p})
    changed = 0
    now = utcnow()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        result = session.execute(
            update(Message)
            .where(Message.public_id.in_(chunk), Message.state.in_(("sending", "pending")))
            .values(state="sent", sent_at=now, last_error=None, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        changed += result.rowcount or 0
    return changed


def message_ids_for(session: Session, public_ids: Iterable[str]) -> dict[str, int]:
    """Map public ids (as echoed in webhook ``custom_args``) to ``messages.id``; unknown ids are absent."""
    ids = sorted({p for p in public_ids if p})
    found: dict[str, int] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        found.update({k: v for k, v in session.execute(select(Message.public_id, Message.id).where(Message.public_id.in_(chunk)))})
    return found


def counts_by_state(session: Session) -> dict[str, int]:
    return {k: v for k, v in session.execute(select(Message.state, func.count()).group_by(Message.state))}
