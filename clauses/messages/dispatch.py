"""Send pending messages through a transport, one by one, following the ledger's rules
(``clauses.messages.ledger``): claim committed before the call, "sent" committed after it."""

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


@dataclass
class SendReport:
    sent: int = 0
    skipped: int = 0  # could not be sent to this person any more (opted out, bounced, event cancelled)
    failed: int = 0  # refused by the provider
    recovered: dict[str, int] = field(default_factory=dict)
    stopped: str | None = None  # why the run stopped early (provider refusal / unreachable)
    by_kind: dict[str, int] = field(default_factory=dict)

    def merge(self, other: "SendReport") -> None:
        self.sent += other.sent
        self.skipped += other.skipped
        self.failed += other.failed
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
    raise_on_stop: bool = True,
) -> SendReport:
    """Send these messages (those still pending). Stops at the first provider refusal or when the
    provider stays unreachable; raises that ``TransportError`` unless ``raise_on_stop`` is False."""
    report = SendReport()
    previous: tuple[int, str | None] | None = None
    try:
        for start in range(0, len(message_ids), chunk_size):
            chunk = message_ids[start : start + chunk_size]
            with database.transaction() as session:
                kinds = {k: v for k, v in session.execute(select(Message.id, Message.kind).where(Message.id.in_(chunk), Message.state == "pending"))}
                ready = compose(session, config, list(kinds))
            for message_id in chunk:
                item = ready.get(message_id)
                if item is None:
                    continue  # no longer pending
                with database.transaction() as session:
                    if previous is not None:
                        ledger.mark_sent(session, *previous)
                        previous = None
                    if isinstance(item, str):
                        if ledger.mark_failed(session, message_id, item, states=("pending",)):
                            report.skipped += 1
                        continue
                    outcome = ledger.claim(session, message_id, transport=transport.name)
                if outcome == "refused":
                    report.skipped += 1
                if outcome != "claimed":
                    continue
                try:
                    provider_id = transport.send(item)
                except TransportError as exc:
                    with database.transaction() as session:
                        if exc.message_rejected:
                            ledger.mark_failed(session, message_id, str(exc))
                            report.failed += 1
                        else:
                            ledger.release(session, message_id, str(exc))
                    report.stopped = str(exc)
                    raise
                except BaseException as exc:
                    # Anything else (a bug, KeyboardInterrupt): the call did not complete; we cannot
                    # tell whether the provider got it, so the row stays "sending" (ambiguity rule)
                    # unless the transport can tell.
                    with database.transaction() as session:
                        if transport.delivered(item.public_id) is False:
                            ledger.release(session, message_id, f"interrupted: {type(exc).__name__}")
                    raise
                previous = (message_id, provider_id)
                report.sent += 1
                report.by_kind[item.kind] = report.by_kind.get(item.kind, 0) + 1
    except TransportError:
        if raise_on_stop:
            raise
    finally:
        if previous is not None:
            with database.transaction() as session:
                ledger.mark_sent(session, *previous)
    return report


def send_pending(database: Database, config: Config, transport, **options) -> SendReport:
    """Settle interrupted rows, then send every pending message (optionally only some kinds)."""
    recovered = recover(database, config, transport)
    ids = pending_ids(database, kinds=options.pop("kinds", None), limit=options.pop("limit", None))
    report = send_messages(database, config, transport, ids, **options)
    report.recovered = recovered
    return report
