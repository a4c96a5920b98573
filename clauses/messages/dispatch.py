"""Send pending messages through a transport, one by one, following the ledger's rules
(``clauses.messages.ledger``): claim committed before the call, "sent" committed after it, a small
group of messages per commit."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from sqlalchemy import select

from clauses.config import Config
from clauses.messages import ledger
from clauses.messages.compose import compose
from clauses.messages.transports import TransportError
from clauses.storage.database import Database
from clauses.storage.outreach import Message

log = logging.getLogger(__name__)

#: Messages claimed per commit. A run killed outright (SIGKILL, power cut) leaves at most this many
#: rows in "sending" for the ambiguity rule to settle.
GROUP_SIZE = 20
#: Calls in a row whose outcome is unknown (sent, no answer) after which the run stops: the provider
#: is hanging, and every further message would be left in doubt too.
MAX_UNKNOWN_IN_A_ROW = 3


@dataclass
class SendReport:
    sent: int = 0
    skipped: int = 0  # could not be sent to this person any more (opted out, bounced, event cancelled)
    failed: int = 0  # refused by the provider
    unconfirmed: int = 0  # sent, no answer: left "sending" until the provider's confirmation
    recovered: dict[str, int] = field(default_factory=dict)
    stopped: str | None = None  # why the run stopped early (provider refusal / unreachable)
    by_kind: dict[str, int] = field(default_factory=dict)

    def merge(self, other: "SendReport") -> None:
        self.sent += other.sent
        self.skipped += other.skipped
        self.failed += other.failed
        self.unconfirmed += other.unconfirmed
        for k, v in other.recovered.items():
            self.recovered[k] = self.recovered.get(k, 0) + v
        for k, v in other.by_kind.items():
            self.by_kind[k] = self.by_kind.get(k, 0) + v
        self.stopped = self.stopped or other.stopped


def recover(database: Database, config: Config, transport, *, now: dt.datetime | None = None) -> dict[str, int]:
    hours = config.outreach.release_unconfirmed_after_hours
    with database.transaction() as session:
        return ledger.recover(session, transport, now=now, release_after=dt.timedelta(hours=hours) if hours else None)


def pending_ids(database: Database, *, message_ids: list[int] | None = None, kinds: list[str] | None = None, limit: int | None = None) -> list[int]:
    with database.transaction() as session:
        query = select(Message.id).where(Message.state == "pending").order_by(Message.id)
        if message_ids is not None:
            query = query.where(Message.id.in_(message_ids))
        if kinds:
            query = query.where(Message.kind.in_(kinds))
        if limit:
            query = query.limit(limit)
        return list(session.scalars(query))


def send_messages(
    database: Database,
    config: Config,
    transport,
    message_ids: list[int],
    *,
    chunk_size: int = 200,
    group_size: int = GROUP_SIZE,
    raise_on_stop: bool = True,
) -> SendReport:
    """Send these messages (those still pending). Stops at the first provider refusal or when the
    provider stays unreachable; raises that ``TransportError`` unless ``raise_on_stop`` is False.

    Messages are composed ``chunk_size`` at a time and claimed ``group_size`` at a time: one commit
    records the previous group's "sent" marks and claims the next group (see the ledger's protocol)."""
    report = SendReport()
    unknown_in_a_row = 0
    done: list[tuple[int, str | None]] = []  # sent, not yet recorded
    claimed_left: list[int] = []  # claimed, not yet handed to the transport
    try:
        for start in range(0, len(message_ids), chunk_size):
            chunk = message_ids[start : start + chunk_size]
            with database.transaction() as session:
                pending = list(session.scalars(select(Message.id).where(Message.id.in_(chunk), Message.state == "pending")))
                ready = compose(session, config, pending)
            refusals = {i: item for i, item in ready.items() if isinstance(item, str)}
            order = [i for i in chunk if i in ready and i not in refusals]
            for group_start in range(0, max(len(order), 1 if refusals else 0), group_size):
                group = order[group_start : group_start + group_size]
                with database.transaction() as session:
                    ledger.mark_sent_many(session, done)
                    done = []
                    for message_id, reason in refusals.items():
                        if ledger.mark_failed(session, message_id, reason, states=("pending",)):
                            report.skipped += 1
                    refusals = {}
                    claimed, refused = ledger.claim_many(session, group, transport=transport.name)
                report.skipped += len(refused)
                claimed_left = [i for i in group if i in claimed]
                while claimed_left:
                    message_id = claimed_left[0]
                    item = ready[message_id]
                    try:
                        provider_id = transport.send(item)
                    except TransportError as exc:
                        claimed_left.pop(0)
                        if exc.outcome_unknown:
                            # Sent, no answer: the row stays "sending" (never released, never
                            # retried) until the provider's processed event or a coordinator.
                            report.unconfirmed += 1
                            unknown_in_a_row += 1
                            log.warning("message %d: %s", message_id, exc)
                            if unknown_in_a_row < MAX_UNKNOWN_IN_A_ROW:
                                continue
                            report.stopped = f"{unknown_in_a_row} calls in a row without an answer: {exc}"
                            raise
                        with database.transaction() as session:
                            ledger.mark_sent_many(session, done)
                            done = []
                            if exc.message_rejected:
                                ledger.mark_failed(session, message_id, str(exc))
                                report.failed += 1
                            else:
                                ledger.release(session, message_id, str(exc))
                        report.stopped = str(exc)
                        raise
                    except BaseException as exc:
                        # Anything else (a bug, KeyboardInterrupt): the call did not complete; we
                        # cannot tell whether the provider got it, so the row stays "sending"
                        # (ambiguity rule) unless the transport can tell.
                        claimed_left.pop(0)
                        with database.transaction() as session:
                            if transport.delivered(item.public_id) is False:
                                ledger.release(session, message_id, f"interrupted: {type(exc).__name__}")
                        raise
                    claimed_left.pop(0)
                    unknown_in_a_row = 0
                    done.append((message_id, provider_id))
                    report.sent += 1
                    report.by_kind[item.kind] = report.by_kind.get(item.kind, 0) + 1
    except TransportError:
        if raise_on_stop:
            raise
    finally:
        if done or claimed_left:
            # Record what left; give back what was claimed but never handed to the transport.
            with database.transaction() as session:
                ledger.mark_sent_many(session, done)
                ledger.release_many(session, claimed_left, "run stopped before sending")
    return report


def send_pending(database: Database, config: Config, transport, **options) -> SendReport:
    """Settle interrupted rows, then send every pending message (optionally only some kinds)."""
    recovered = recover(database, config, transport)
    ids = pending_ids(database, kinds=options.pop("kinds", None), limit=options.pop("limit", None))
    report = send_messages(database, config, transport, ids, **options)
    report.recovered = recovered
    return report
