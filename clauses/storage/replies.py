"""Replies that come back by email: iTIP ``REPLY`` messages from calendar buttons and plain-text
answers (``clauses.inbound.calendar_replies``), each kept once, with what was done about it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from clauses.storage.base import Base, utcnow


class InboundReply(Base):
    """One email taken in (from SendGrid's Inbound Parse or a drop folder of .eml files).

    ``needs_review`` rows form the coordinators' list (``clauses replies list``). Personal details
    (``sender``, ``subject``, ``excerpt``) are kept only on rows to review, for the coordinator to
    act on; they are emptied when the row is settled. No Prefect artifact or log shows them."""

    __tablename__ = "inbound_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "mid:" + SHA-256 of the Message-ID, or "raw:" + SHA-256 of the bytes: a message taken in twice
    # (Inbound Parse retries, the same mailbox exported twice) is recorded once.
    dedupe_key: Mapped[str] = mapped_column(String(80), unique=True)
    origin: Mapped[str] = mapped_column(String(20))  # inbound_parse / drop_folder
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # registered / declined / tentative / unchanged / superseded, or the reason to review it.
    outcome: Mapped[str] = mapped_column(String(30))
    needs_review: Mapped[bool] = mapped_column(default=False, index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"), index=True)
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("candidates.id", ondelete="SET NULL"), index=True)
    partstat: Mapped[str | None] = mapped_column(String(20))  # ACCEPTED / DECLINED / TENTATIVE …
    sequence: Mapped[int | None]  # the invitation version answered (SEQUENCE)
    reply_stamp: Mapped[dt.datetime | None]  # DTSTAMP of the reply: the later answer wins
    sender: Mapped[str | None] = mapped_column(String(254))  # only when no candidate matched
    subject: Mapped[str | None] = mapped_column(String(200))
    excerpt: Mapped[str | None] = mapped_column(String(1000))  # plain-text answers: their first lines
    settled_at: Mapped[dt.datetime | None]
