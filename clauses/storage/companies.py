"""Companies that won contracts (DECP awardees, or a pipeline file's company column) and their lots.

Company data is public (SIRENE, DECP). An individual entrepreneur's company name is often the
person's name: ``person_like`` marks those, and artifacts show them by identifier only
(``clauses.ingest.awardees.public_label``).
"""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from clauses.storage.base import Base, Timestamps


class Company(Timestamps, Base):
    __tablename__ = "companies"
    __table_args__ = (UniqueConstraint("identifier_type", "identifier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # SIRET, TVA, TAHITI, RIDET, FRWF, IREP, HORS-UE (DECP typeIdentifiant); "NOM" when only a
    # name is known (the identifier is then the normalised name).
    identifier_type: Mapped[str] = mapped_column(String(20))
    identifier: Mapped[str] = mapped_column(String(200))
    name: Mapped[str | None] = mapped_column(Text)
    person_like: Mapped[bool] = mapped_column(Boolean, server_default=false())


class LotCompany(Base):
    """A lot's awardee (several for a joint award)."""

    __tablename__ = "lot_companies"

    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id", ondelete="CASCADE"), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), primary_key=True, index=True)
