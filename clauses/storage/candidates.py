"""Candidates in insertion paths, and the partner records (source, source id) merged into each."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clauses.storage.base import Base, Timestamps, utcnow


class Candidate(Timestamps, Base):
    __tablename__ = "candidates"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(120))
    last_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    email_status: Mapped[str] = mapped_column(String(10), default="valid")  # valid / bounced
    phone: Mapped[str | None] = mapped_column(String(20), index=True)  # E.164
    commune: Mapped[str | None] = mapped_column(String(120))
    qpv_resident: Mapped[bool] = mapped_column(default=False)
    eligibility: Mapped[list] = mapped_column(JSON, default=list)
    trades: Mapped[list] = mapped_column(JSON, default=list)  # trade keys of interest
    consent_date: Mapped[dt.date | None]
    consent_basis: Mapped[str | None] = mapped_column(String(200))
    availability_notes: Mapped[str | None] = mapped_column(String(1000))
    opted_out: Mapped[bool] = mapped_column(default=False)
    opted_out_at: Mapped[dt.datetime | None]
    last_activity_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    anonymised_at: Mapped[dt.datetime | None]

    identities: Mapped[list["CandidateIdentity"]] = relationship(
        back_populates="candidate", cascade="all, delete-orphan"
    )

    @property
    def can_be_contacted(self) -> bool:
        """Consent recorded, not opted out, an email that has not bounced."""
        return (
            self.consent_date is not None
            and not self.opted_out
            and self.email is not None
            and self.email_status == "valid"
            and self.anonymised_at is None
        )


class CandidateIdentity(Base):
    """One partner's record of a candidate: (source, source id) points at one merged candidate."""

    __tablename__ = "candidate_identities"
    __table_args__ = (UniqueConstraint("source", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(60))
    source_id: Mapped[str] = mapped_column(String(120))
    content_hash: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    candidate: Mapped[Candidate] = relationship(back_populates="identities")
