"""What candidates answer back over the web: the opaque link tokens of each message (kept as
hashes only) and opt-outs limited to one trade ("ce métier seulement")."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clauses.storage.base import Base, utcnow


class MessageToken(Base):
    """One link token of one message: ``sha256(token)`` only, so a copy of the database opens no
    answer page. A message rendered twice (re-sent after a release) gets a new token; both work."""

    __tablename__ = "message_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class TradeOptOut(Base):
    """A candidate who wants no more messages about one trade (every job honours it)."""

    __tablename__ = "trade_opt_outs"
    __table_args__ = (UniqueConstraint("candidate_id", "trade_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"), index=True)
    trade_key: Mapped[str] = mapped_column(String(40))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
