"""Plans (draft → approved / rejected) and their events: discovery sessions, information sessions
and POEC cohorts, each with a stable calendar UID and a SEQUENCE raised on every change."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clauses.storage.base import Base, Timestamps, utcnow

# "superseded": a draft replaced by a newer plan before anyone decided on it.
PLAN_STATUSES = ("draft", "approved", "rejected", "superseded")
# The steps of the chain to a job, in order.
EVENT_KINDS = ("information_session", "discovery", "poec", "recruitment")
EVENT_STATUSES = ("scheduled", "moved", "cancelled", "held")


class Plan(Timestamps, Base):
    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    forecast_snapshot_id: Mapped[int | None]
    quantile: Mapped[str] = mapped_column(String(10), default="p50")
    parameters: Mapped[dict] = mapped_column(JSON, default=dict)
    solver_status: Mapped[str | None] = mapped_column(String(20))
    objective: Mapped[float | None]
    bound: Mapped[float | None]
    gap: Mapped[float | None]
    # Per trade: need not covered, and why (lead time, capacity, no partner).
    uncovered: Mapped[list] = mapped_column(JSON, default=list)
    decided_at: Mapped[dt.datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decision_note: Mapped[str | None] = mapped_column(String(1000))

    events: Mapped[list["Event"]] = relationship(back_populates="plan", order_by="Event.id")


class Event(Timestamps, Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    trade_key: Mapped[str] = mapped_column(ForeignKey("trades.key"), index=True)
    partner_key: Mapped[str] = mapped_column(ForeignKey("partners.key"))
    venue_key: Mapped[str | None] = mapped_column(ForeignKey("venues.key"))
    start: Mapped[dt.datetime]
    end: Mapped[dt.datetime]
    capacity: Mapped[int]
    target_invitations: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(12), default="scheduled")
    # Approved events can be announced to candidates; announced ones are never moved by the planner.
    approved_at: Mapped[dt.datetime | None]
    announced_at: Mapped[dt.datetime | None]
    uid: Mapped[str] = mapped_column(String(120), unique=True)
    sequence: Mapped[int] = mapped_column(default=0)
    # A discovery is held to recruit the trainees of a POEC cohort, the trade's lead time before it
    # starts. When several cohorts of the trade start the same week, their discoveries recruit for
    # them together and this names the first (the plan's report names them all).
    recruits_for_event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    # The recruitment event where this cohort's completers (for a trade without POEC: this
    # discovery's ready candidates) meet the employers.
    hiring_event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    # For a recruitment event: how many companies it can receive (``capacity`` counts candidates).
    employer_capacity: Mapped[int | None]
    # For a cancelled recruitment event: the coordinator wants no other for its cohorts (their
    # completers meet employers outside the tool); a new plan proposes none.
    no_replacement: Mapped[bool] = mapped_column(default=False, server_default=false())

    plan: Mapped[Plan] = relationship(back_populates="events")
    recruits_for: Mapped["Event | None"] = relationship(
        remote_side=[id], foreign_keys=[recruits_for_event_id], back_populates="recruited_by"
    )
    hiring_event: Mapped["Event | None"] = relationship(remote_side=[id], foreign_keys=[hiring_event_id])
    recruited_by: Mapped[list["Event"]] = relationship(
        back_populates="recruits_for", foreign_keys=[recruits_for_event_id], order_by="Event.start"
    )
    changes: Mapped[list["EventChange"]] = relationship(back_populates="event", order_by="EventChange.id")


class EventChange(Base):
    """A move or cancellation of an event, kept so invitees can be told (update / cancellation)."""

    __tablename__ = "event_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    change: Mapped[str] = mapped_column(String(12))  # moved / cancelled
    sequence: Mapped[int]  # the event's SEQUENCE after the change
    before: Mapped[dict] = mapped_column(JSON)
    after: Mapped[dict] = mapped_column(JSON)
    origin: Mapped[str] = mapped_column(String(30))  # coordinator, planner
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    event: Mapped[Event] = relationship(back_populates="changes")
