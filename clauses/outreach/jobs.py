"""The two outbound jobs as plain functions (the Prefect flows call the same steps, one task per
batch): plan who gets what, then send what is pending, batch by batch."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

from sqlalchemy import select

from clauses.config import Config
from clauses.messages.dispatch import SendReport, pending_ids, recover, send_messages
from clauses.outreach.followups import FOLLOWUP_KINDS, plan_followups
from clauses.outreach.selection import select_invitations
from clauses.storage.database import Database
from clauses.storage.planning import Event


@dataclass
class InvitationPlanRow:
    event_id: int
    trade: str
    start: str
    target: int
    already: int
    invited: int
    shortfall: int


@dataclass
class JobReport:
    planned: dict[str, int] = field(default_factory=dict)
    events: list[InvitationPlanRow] = field(default_factory=list)
    send: SendReport = field(default_factory=SendReport)

    def as_dict(self) -> dict:
        return {"planned": self.planned, "events": [asdict(e) for e in self.events], "send": asdict(self.send)}


def plan_invitations(database: Database, config: Config, *, now: dt.datetime | None = None,
                     event_ids: list[int] | None = None, transport: str = "file") -> JobReport:
    report = JobReport()
    with database.transaction() as session:
        selections = select_invitations(session, config, now=now, event_ids=event_ids, transport=transport)
        events = {e.id: e for e in session.scalars(select(Event).where(Event.id.in_([s.event_id for s in selections])))}
        for sel in selections:
            event = events[sel.event_id]
            report.events.append(InvitationPlanRow(sel.event_id, event.trade_key, event.start.isoformat(), sel.target,
                                                   sel.already, len(sel.invited), sel.shortfall))
    report.planned = {"invitation": sum(e.invited for e in report.events)}
    return report


def plan_followup_messages(database: Database, config: Config, *, now: dt.datetime | None = None, transport: str = "file") -> JobReport:
    report = JobReport()
    with database.transaction() as session:
        report.planned = plan_followups(session, config, now=now, transport=transport)
    return report


def batches(ids: list[int], size: int) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def run_invitations(database: Database, config: Config, transport, *, now: dt.datetime | None = None,
                    event_ids: list[int] | None = None, batch_size: int = 500) -> JobReport:
    report = plan_invitations(database, config, now=now, event_ids=event_ids, transport=transport.name)
    report.send.recovered = recover(database, config, transport)
    for batch in batches(pending_ids(database, kinds=["invitation"]), batch_size):
        report.send.merge(send_messages(database, config, transport, batch))
    return report


def run_followups(database: Database, config: Config, transport, *, now: dt.datetime | None = None,
                  batch_size: int = 500) -> JobReport:
    report = plan_followup_messages(database, config, now=now, transport=transport.name)
    report.send.recovered = recover(database, config, transport)
    for batch in batches(pending_ids(database, kinds=list(FOLLOWUP_KINDS)), batch_size):
        report.send.merge(send_messages(database, config, transport, batch))
    return report
