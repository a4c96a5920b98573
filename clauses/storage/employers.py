"""Employers at recruitment events: the address coordinators give for a company (DECP gives none),
and each company's answer to a recruitment event (counted against its ``employer_capacity``).

A contact's address and name may be a person's: personal data, like a candidate's (never in logs,
artifacts, parameters or SendGrid ``custom_args``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clauses.storage.base import Base, Timestamps, utcnow

EMPLOYER_STATUSES = ("invited", "registered", "declined", "waitlisted")


class CompanyContact(Timestamps, Base):
    """The one address a company's invitations go to (``clauses entreprises contacts FICHIER``)."""

    __tablename__ = "company_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str | None] = mapped_column(Text)  # the person to greet, optional
    email_status: Mapped[str] = mapped_column(String(10), default="valid")  # valid / bounced
    opted_out: Mapped[bool] = mapped_column(default=False)
    opted_out_at: Mapped[dt.datetime | None]

    @property
    def can_be_contacted(self) -> bool:
        return not self.opted_out and bool(self.email) and self.email_status == "valid"


class EmployerParticipation(Timestamps, Base):
    """A company invited to a recruitment event, and its answer."""

    __tablename__ = "employer_participations"
    __table_args__ = (UniqueConstraint("event_id", "company_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="invited")
    status_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    origin: Mapped[str] = mapped_column(String(20), default="system")  # system / web / coordinator
