"""Outreach: each candidate's participation in an event (named states, every transition kept),
the message ledger (exactly-once sending), and the email events that come back."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clauses.storage.base import Base, Timestamps, utcnow

PARTICIPATION_STATUSES = (
    "invited",
    "registered",
    "declined",
    "waitlisted",  # the event was full when they said yes: in line for a place
    "offered",  # a place freed up and is held for them until ``offer_expires_at``
    "attended",
    "no_show",
    "excused",
    "interested",
    "enrolled",
    "completed",
    "hired",
)
MESSAGE_STATES = ("pending", "sending", "sent", "failed")


class Participation(Timestamps, Base):
    __tablename__ = "participations"
    __table_args__ = (UniqueConstraint("candidate_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="invited")
    status_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    contract_type: Mapped[str | None] = mapped_column(String(40))  # when hired: CDI, CDD ≥ 12 mois…
    # "offered": the place is held for them until then (migration 0007).
    offer_expires_at: Mapped[dt.datetime | None]

    transitions: Mapped[list["ParticipationTransition"]] = relationship(
        back_populates="participation", cascade="all, delete-orphan", order_by="ParticipationTransition.id"
    )


class ParticipationTransition(Base):
    __tablename__ = "participation_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    participation_id: Mapped[int] = mapped_column(
        ForeignKey("participations.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    origin: Mapped[str] = mapped_column(String(20))  # see clauses.outreach.participation.ORIGINS
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    participation: Mapped[Participation] = relationship(back_populates="transitions")


class Message(Timestamps, Base):
    """One email to one person, keyed so it can never be sent twice."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    # candidate, event, kind and event sequence: the same thing is never sent twice.
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    # Opaque id sent in custom_args and echoed by SendGrid's events (no personal data).
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("candidates.id", ondelete="SET NULL"), index=True)
    # A message to an employer (``employer_invitation``): the company, whose contact address it goes
    # to (migration 0011); ``candidate_id`` is then empty.
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    event_sequence: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    transport: Mapped[str] = mapped_column(String(20))
    provider_message_id: Mapped[str | None] = mapped_column(String(120))
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(1000))
    sending_at: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]


class EmailEvent(Base):
    """An event reported by the email provider (delivered, bounce, unsubscribe…), stored once."""

    __tablename__ = "email_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_event_id: Mapped[str] = mapped_column(String(120), unique=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"), index=True)
    # The candidate the event was matched to (through the message, else the address): migration 0005.
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("candidates.id", ondelete="SET NULL"), index=True)
    type: Mapped[str] = mapped_column(String(30))
    occurred_at: Mapped[dt.datetime]
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Non-personal details only (reason codes, bounce classification).
    details: Mapped[dict] = mapped_column(JSON, default=dict)
