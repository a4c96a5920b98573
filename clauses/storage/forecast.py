"""Forecast snapshots: the parameters, input fingerprint and table of one forecast run, kept forever.

One ``ForecastSnapshot`` per run; its ``ForecastRow``s hold one trade × period each, with the mean
and the P10/P50/P90 of insertion hours, full-time equivalents (FTE), people in place (headcount) and
people to bring in (new placements). Other requested quantiles go in ``extra``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clauses.storage.base import Base, utcnow

FORECAST_MEASURES = ("hours", "fte", "headcount", "people")
FORECAST_STATISTICS = ("mean", "p10", "p50", "p90")


class ForecastSnapshot(Base):
    __tablename__ = "forecast_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    as_of: Mapped[dt.date]
    horizon_weeks: Mapped[int]
    period: Mapped[str] = mapped_column(String(10))  # week or month
    scenarios: Mapped[int]
    seed: Mapped[int]
    # Every parameter of the run (filters, quantiles…), as given.
    parameters: Mapped[dict] = mapped_column(JSON)
    # SHA-256 of the lots used, the parameters and the forecast configuration.
    input_fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    lot_count: Mapped[int]
    # Per trade: totals and peaks (mean and quantiles) over the horizon.
    totals: Mapped[dict] = mapped_column(JSON)
    # What changed since ``previous_snapshot_id`` (per trade: peak and total moved by how much).
    changes: Mapped[dict | None] = mapped_column(JSON)
    previous_snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("forecast_snapshots.id"))
    # Lots left out and why (ended before the as-of date, starting after the horizon…).
    diagnostics: Mapped[dict] = mapped_column(JSON)

    rows: Mapped[list["ForecastRow"]] = relationship(
        back_populates="snapshot", cascade="all, delete-orphan", order_by="ForecastRow.id"
    )


class ForecastRow(Base):
    __tablename__ = "forecast_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("forecast_snapshots.id"), index=True)
    trade_key: Mapped[str] = mapped_column(String(40))
    period_start: Mapped[dt.date]
    period_end: Mapped[dt.date]  # inclusive
    hours_mean: Mapped[float]
    hours_p10: Mapped[float]
    hours_p50: Mapped[float]
    hours_p90: Mapped[float]
    fte_mean: Mapped[float]
    fte_p10: Mapped[float]
    fte_p50: Mapped[float]
    fte_p90: Mapped[float]
    headcount_mean: Mapped[float]
    headcount_p10: Mapped[float]
    headcount_p50: Mapped[float]
    headcount_p90: Mapped[float]
    people_mean: Mapped[float]
    people_p10: Mapped[float]
    people_p50: Mapped[float]
    people_p90: Mapped[float]
    # Quantiles asked for beyond P10/P50/P90, e.g. {"hours_p05": 12.0}.
    extra: Mapped[dict | None] = mapped_column(JSON)

    snapshot: Mapped[ForecastSnapshot] = relationship(back_populates="rows")
