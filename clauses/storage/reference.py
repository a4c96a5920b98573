"""Trades, partners and venues: the configuration mirrored in the database for joins and reports."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from clauses.storage.base import Base


class TradeRow(Base):
    __tablename__ = "trades"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    rome: Mapped[str] = mapped_column(String(5), unique=True)
    label: Mapped[str] = mapped_column(String(120))
    labour_share: Mapped[float]
    hourly_cost: Mapped[float]
    insertion_rate: Mapped[float]
    loading_curve: Mapped[str] = mapped_column(String(20))


class PartnerRow(Base):
    __tablename__ = "partners"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # The name as a sentence introduces it: « le GEIQ BTP 63 » (config/partners.yaml's article).
    name_in_sentence: Mapped[str | None] = mapped_column(String(210))
    kind: Mapped[str] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(254))


class VenueRow(Base):
    __tablename__ = "venues"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    partner_key: Mapped[str] = mapped_column(ForeignKey("partners.key"))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    commune: Mapped[str] = mapped_column(String(120))
    capacity: Mapped[int]
