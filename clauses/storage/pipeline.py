"""Operations (site programmes) and their lots (contracts), with insertion hours and windows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import JSON, Boolean, ForeignKey, Numeric, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clauses.storage.base import Base, Timestamps

LOT_STATUSES = ("planned", "tendering", "awarded", "in_progress", "done")


class Operation(Timestamps, Base):
    __tablename__ = "operations"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(Text)
    contracting_authority: Mapped[str | None] = mapped_column(Text)
    commune: Mapped[str | None] = mapped_column(Text)

    lots: Mapped[list["Lot"]] = relationship(back_populates="operation")


class Lot(Timestamps, Base):
    __tablename__ = "lots"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200), unique=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operations.id"), index=True)
    name: Mapped[str] = mapped_column(Text)
    trade_key: Mapped[str] = mapped_column(ForeignKey("trades.key"), index=True)
    amount_ht: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    start: Mapped[dt.date]
    end: Mapped[dt.date]
    status: Mapped[str] = mapped_column(String(20))
    award_probability: Mapped[float | None]
    commune: Mapped[str | None] = mapped_column(Text)
    insertion_hours: Mapped[float]
    # "given" (from the file) or "computed" (amount × labour share × rate ÷ hourly cost).
    hours_source: Mapped[str] = mapped_column(String(10))
    # The parameters the hours were computed with, or those given alongside them.
    hours_parameters: Mapped[dict] = mapped_column(JSON)
    hours_delivered: Mapped[float] = mapped_column(default=0.0)
    # DECP framework agreement (accord-cadre): the hours of its published ceiling; insertion_hours
    # are then the expected hours (ceiling × realisation ratio, see hours_parameters).
    framework_ceiling_hours: Mapped[float | None]
    # DECP text damaged by a wrong encoding: the trade was inferred from the CPV code alone.
    text_damaged: Mapped[bool] = mapped_column(Boolean, server_default=false())
    source: Mapped[str] = mapped_column(String(20))  # csv, xlsx, decp
    source_file: Mapped[str] = mapped_column(Text)
    # Fingerprint of the ingested values: an unchanged row is not rewritten.
    content_hash: Mapped[str] = mapped_column(String(64))

    operation: Mapped[Operation] = relationship(back_populates="lots")
