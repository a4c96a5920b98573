"""The message ledger: every email has a row before it leaves, so each leaves exactly once.

A message is keyed by ``idempotency_key`` = kind, event, recipient and event version (the event's
SEQUENCE for invitations, updates and cancellations; 0 for kinds sent once per participation). A row
is created "pending" when the message is decided (selection, follow-ups); creating it again is a
no-op. Each message goes:

    pending ──claim (committed)──▶ sending ──transport accepted (committed)──▶ sent
                                      │ └──provider refused the message (400)──▶ failed
                                      └──transient failure / run stopped──▶ pending (next run)

The claim is an ``UPDATE … WHERE state = 'pending'`` committed *before* the call, and it also checks
that the candidate can still be contacted (consent, not opted out, email not bounced, not opted out
of the message's trade): a message to someone who unsubscribed in the meantime becomes "failed" and
is never produced.

**Recipients.** A message goes to a candidate (``candidate_id``) or to an employer (``company_id``:
a company invited to a recruitment event, at the address coordinators gave for it,
``clauses.storage.employers.CompanyContact``). Both follow the same protocol; an employer's key reads
``employer_invitation:e12:k7:v0`` (k: the company), and its claim checks that the company's contact
has not unsubscribed and that its address has not bounced.

**Groups** (``dispatch.send_messages``; a commit per message would cost more than the message). The
sender claims a *group* of up to ``dispatch.GROUP_SIZE`` (20) messages in one commit, hands them to
the transport one by one, and records their "sent" marks in the same commit as the claim of the next
group::

    commit: sent(group k-1) + claim(group k)  →  send k[0], k[1], …  →  commit: sent(group k) + claim(group k+1) …

- Every message is claimed (committed) before its call and marked "sent" after its call: the
  invariant of the one-by-one protocol holds; only the commits are shared.
- A provider refusal or an unreachable provider (``TransportError``), and any exception in the
  process, end the run cleanly: the "sent" marks of the calls that returned are committed, the
  message whose call failed is settled as before (failed on a 400, back to pending when the
  provider was unreachable, left "sending" when the call's outcome is unknown: a timeout does not
  even end the run, unless ``dispatch.MAX_UNKNOWN_IN_A_ROW`` calls in a row time out), and the claimed
  messages of the group that were never handed to the transport go back to "pending" at once.
- Only a run killed outright (SIGKILL, power cut) leaves rows in "sending": up to a group's worth
  (the messages sent since the last commit, the one in flight, and the rest of the group, not yet
  tried). The ambiguity rule below settles them all, exactly as it settles a single one; with
  SendGrid the untried ones simply wait for their release (no ``processed`` event will come), so a
  hard kill delays at most ``GROUP_SIZE - 1`` messages, and never sends one twice. The group size
  is the trade: 20 makes the ledger's cost per message a small fraction of an HTTP call.

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

**Timeouts.** The same rule holds for a call that was made and got no answer (a read timeout: the
transport raises a ``TransportError`` with ``outcome_unknown``): the row stays "sending", is never
retried nor released by the run, and waits for the ``processed`` event or a coordinator
(``clauses messages release``). Only a failure that certainly kept the request from SendGrid (refused
connection, 429, 5xx) puts a row back to "pending".

So a re-run, or a retried Prefect flow, never sends a message twice, even when SendGrid is slow.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, exists, func, insert, or_, select, update
from sqlalchemy.orm import Session

from clauses.storage.answers import TradeOptOut
from clauses.storage.base import utcnow
from clauses.storage.candidates import Candidate
from clauses.storage.employers import CompanyContact
from clauses.storage.outreach import Message
from clauses.storage.planning import Event

# Messages that tell people about a change to an event they are invited to: never held back by the
# weekly cap.
ESSENTIAL_KINDS = frozenset({"update", "cancellation"})
_CHUNK = 500


def idempotency_key(*, kind: str, event_id: int | None, candidate_id: int | None, version: int = 0,
                    company_id: int | None = None) -> str:
    if company_id is not None:
        return f"{kind}:e{event_id or 0}:k{company_id}:v{version}"
    return f"{kind}:e{event_id or 0}:c{candidate_id}:v{version}"


def new_public_id() -> str:
    """An opaque id (no personal data): the only thing that leaves in SendGrid's ``custom_args``."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Planned:
    candidate_id: int | None
    event_id: int | None
    kind: str
    version: int = 0
    company_id: int | None = None  # an employer's message (``candidate_id`` None)

    @property
    def key(self) -> str:
        return idempotency_key(kind=self.kind, event_id=self.event_id, candidate_id=self.candidate_id,
                               version=self.version, company_id=self.company_id)


def enqueue(session: Session, planned: Iterable[Planned], *, transport: str, now: dt.datetime | None = None) -> int:
    """Create a pending row for every planned message whose key is new (one multi-row INSERT per
    500); returns how many rows were created."""
    wanted: dict[str, Planned] = {}
    for item in planned:
        wanted.setdefault(item.key, item)
    keys = list(wanted)
    existing: set[str] = set()
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        existing.update(session.scalars(select(Message.idempotency_key).where(Message.idempotency_key.in_(chunk))))
    now = now or utcnow()
    rows = [
        {
            "idempotency_key": key,
            "public_id": new_public_id(),
            "candidate_id": item.candidate_id,
            "company_id": item.company_id,
            "event_id": item.event_id,
            "kind": item.kind,
            "event_sequence": item.version,
            "state": "pending",
            "transport": transport,
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
        }
        for key, item in wanted.items()
        if key not in existing
    ]
    session.flush()
    for start in range(0, len(rows), _CHUNK):
        session.execute(insert(Message.__table__), rows[start : start + _CHUNK])
    return len(rows)


def _no_trade_opt_out(messages, events, opt_outs):
    """The message is not about a trade its candidate opted out of ("ce métier seulement")."""
    return ~exists().where(
        events.c.id == messages.c.event_id,
        opt_outs.c.candidate_id == messages.c.candidate_id,
        opt_outs.c.trade_key == events.c.trade_key,
    )


def _employer_contactable(messages):
    """The message goes to a company whose contact has not unsubscribed and whose address works."""
    contacts = CompanyContact.__table__
    return and_(messages.c.candidate_id.is_(None), exists().where(
        contacts.c.company_id == messages.c.company_id,
        contacts.c.opted_out.is_(False),
        contacts.c.email_status == "valid",
    ))


def _contactable():
    return or_(and_(exists().where(
        and_(
            Candidate.id == Message.candidate_id,
            Candidate.consent_date.is_not(None),
            Candidate.opted_out.is_(False),
            Candidate.email.is_not(None),
            Candidate.email_status == "valid",
            Candidate.anonymised_at.is_(None),
        )
    ), _no_trade_opt_out(Message.__table__, Event.__table__, TradeOptOut.__table__)),
        _employer_contactable(Message.__table__))


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


def _claim_statements():
    messages, candidates = Message.__table__, Candidate.__table__
    ids = bindparam("ids", expanding=True)
    contactable = exists().where(
        candidates.c.id == messages.c.candidate_id,
        candidates.c.consent_date.is_not(None),
        candidates.c.opted_out.is_(False),
        candidates.c.email.is_not(None),
        candidates.c.email_status == "valid",
        candidates.c.anonymised_at.is_(None),
    )
    no_opt_out = _no_trade_opt_out(messages, Event.__table__, TradeOptOut.__table__)
    claim = (
        update(messages)
        .where(messages.c.id.in_(ids), messages.c.state == "pending",
               or_(and_(contactable, no_opt_out), _employer_contactable(messages)))
        .values(state="sending", attempts=messages.c.attempts + 1, sending_at=bindparam("now"),
                transport=bindparam("transport"), updated_at=bindparam("now"))
        .returning(messages.c.id)
    )
    refuse = (
        update(messages)
        .where(messages.c.id.in_(ids), messages.c.state == "pending")
        .values(state="failed", last_error="not_contactable", updated_at=bindparam("now"))
        .returning(messages.c.id)
    )
    return claim, refuse


_CLAIM, _REFUSE = _claim_statements()


def claim_many(session: Session, message_ids: Sequence[int], *, transport: str, now: dt.datetime | None = None) -> tuple[set[int], set[int]]:
    """``claim`` for a group of messages in one statement (two when some candidate can no longer be
    contacted). Returns (claimed ids, refused ids): the refused ones are now "failed"; ids in
    neither set were not pending any more."""
    if not message_ids:
        return set(), set()
    now = now or utcnow()
    connection = session.connection()
    claimed = set(connection.execute(_CLAIM, {"ids": list(message_ids), "now": now, "transport": transport}).scalars())
    rest = [i for i in message_ids if i not in claimed]
    refused: set[int] = set()
    if rest:
        refused = set(connection.execute(_REFUSE, {"ids": rest, "now": now}).scalars())
    return claimed, refused


_MARK_SENT = (
    update(Message.__table__)
    .where(Message.__table__.c.id == bindparam("message_id"), Message.__table__.c.state == "sending")
    .values(state="sent", sent_at=bindparam("at"), provider_message_id=bindparam("provider_id"), last_error=None,
            updated_at=bindparam("at"))
)


def mark_sent_many(session: Session, results: Sequence[tuple[int, str | None]], *, now: dt.datetime | None = None) -> None:
    """``mark_sent`` for many (message id, provider message id) pairs: one executemany."""
    if not results:
        return
    now = now or utcnow()
    session.connection().execute(
        _MARK_SENT, [{"message_id": m, "provider_id": p, "at": now} for m, p in results]
    )


def release_many(session: Session, message_ids: Sequence[int], reason: str) -> None:
    """``release`` for claimed messages that were certainly never handed to the transport."""
    if not message_ids:
        return
    session.execute(
        update(Message)
        .where(Message.id.in_(list(message_ids)), Message.state == "sending")
        .values(state="pending", last_error=reason[:1000], updated_at=utcnow())
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
