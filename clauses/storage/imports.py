"""A record of every file ingested: what it was (fingerprint) and what it changed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from clauses.storage.base import Base, utcnow


class ImportRun(Base):
    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))  # pipeline, candidates, attendance…
    file_name: Mapped[str] = mapped_column(String(300))  # base name only: no machine paths
    sha256: Mapped[str] = mapped_column(String(64))
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    finished_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
