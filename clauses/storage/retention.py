"""Data retention: a record of each retention run (counts only) and the anonymous outcomes kept
when a candidate is deleted, so that the outcome report's aggregate counts stay right.

Neither table holds anything that points back at a person: ``AnonymousParticipation.person_token``
is a random value drawn when the candidate was deleted (it only ties together the outcomes of one
deleted person, so a person is not counted twice in a per-trade or per-month funnel).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from clauses.storage.base import Base, utcnow

RETENTION_MODES = ("anonymise", "delete")


class RetentionRun(Base):
    __tablename__ = "retention_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    mode: Mapped[str] = mapped_column(String(10))  # anonymise / delete
    dry_run: Mapped[bool] = mapped_column(default=False)
    inactive_months: Mapped[int]
    cutoff: Mapped[dt.datetime]  # candidates with no activity since this instant were concerned
    candidates_examined: Mapped[int] = mapped_column(default=0)
    candidates_inactive: Mapped[int] = mapped_column(default=0)
    candidates_anonymised: Mapped[int] = mapped_column(default=0)
    candidates_deleted: Mapped[int] = mapped_column(default=0)
    identities_deleted: Mapped[int] = mapped_column(default=0)
    participations_archived: Mapped[int] = mapped_column(default=0)
    messages_scrubbed: Mapped[int] = mapped_column(default=0)
    outbox_files_deleted: Mapped[int] = mapped_column(default=0)
    company_contacts_retired: Mapped[int] = mapped_column(default=0, server_default="0")


class AnonymousParticipation(Base):
    """The outcome of one participation of a deleted candidate, without the candidate."""

    __tablename__ = "anonymous_participations"

    id: Mapped[int] = mapped_column(primary_key=True)
    retention_run_id: Mapped[int] = mapped_column(ForeignKey("retention_runs.id"), index=True)
    person_token: Mapped[str] = mapped_column(String(32), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    # Every status the participation ever had (current one included).
    reached: Mapped[list] = mapped_column(JSON, default=list)
    contract_type: Mapped[str | None] = mapped_column(String(40))
    hired_on: Mapped[dt.date | None]
    bounced: Mapped[bool] = mapped_column(default=False)
    unsubscribed: Mapped[bool] = mapped_column(default=False)
