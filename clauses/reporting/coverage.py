"""Insertion hours covered by placements, per trade, against the forecast's need.

Rule (documented in ``config/reporting.yaml``): each person hired in a trade covers
``min(hours_per_hire, weekly_hours × weeks from max(hire date, forecast date) to the end of the
forecast horizon)`` hours (≈ 375–400 h per beneficiary: ANRU PNRU, national 2014 figures). The sum
per trade is capped by the need: the sum of the P50 hours of every period of the latest forecast
snapshot for that trade. Without a snapshot the need is unknown: covered hours are the uncapped
ones and the report says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from clauses.config import Config
from clauses.reporting.facts import STAGES

COLUMNS = ["trade_key", "hires", "hours_from_hires", "need_hours_p50", "covered_hours", "coverage_share", "remaining_hours"]


@dataclass
class Coverage:
    table: pd.DataFrame
    snapshot: dict | None = None  # snapshot_id, as_of, horizon_end, period
    notes: list[str] = field(default_factory=list)
    hours_per_hire: float = 400.0
    weekly_hours: float = 35.0


def latest_need(session: Session) -> pd.DataFrame | None:
    """The latest forecast snapshot's table, or None when there is none."""
    from clauses.forecast import ForecastError, load_snapshot

    try:
        return load_snapshot(session)
    except ForecastError:
        return None


def hours_per_hire(hired_on: dt.date | None, as_of: dt.date | None, horizon_end: dt.date | None, config: Config) -> float:
    cap = config.reporting.hours_per_hire
    if horizon_end is None:
        return cap
    start = max(d for d in (hired_on, as_of) if d is not None) if (hired_on or as_of) else horizon_end
    weeks = max((horizon_end - start).days + 1, 0) / 7
    return min(cap, config.reporting.weekly_hours * weeks)


def hours_coverage(facts: pd.DataFrame, need: pd.DataFrame | None, config: Config) -> Coverage:
    notes: list[str] = []
    snapshot = None
    as_of = horizon_end = None
    need_per_trade = pd.Series(dtype=float)
    if need is None:
        notes.append(
            "Aucune prévision des besoins n'est enregistrée : les heures couvertes ne sont pas comparées "
            "à un besoin (lancer « clauses forecast »)."
        )
    else:
        as_of = need.attrs.get("as_of")
        horizon_end = need["period_end"].max() if not need.empty else None
        snapshot = {
            "snapshot_id": need.attrs.get("snapshot_id"),
            "as_of": as_of,
            "horizon_end": horizon_end,
            "period": need.attrs.get("period"),
        }
        need_per_trade = need.groupby("trade_key")["hours_p50"].sum()
    hired = facts[facts["stage"] >= STAGES.index("hired")] if not facts.empty else facts
    if not hired.empty:
        hired = hired.sort_values("hired_on", na_position="first").drop_duplicates(["trade_key", "person"], keep="last")
        per_hire = hired.apply(lambda r: hours_per_hire(r["hired_on"], as_of, horizon_end, config), axis=1)
        hires = hired.assign(hours=per_hire).groupby("trade_key").agg(hires=("person", "size"), hours_from_hires=("hours", "sum"))
    else:
        hires = pd.DataFrame(columns=["hires", "hours_from_hires"])
    trades = sorted(set(hires.index) | {k for k, v in need_per_trade.items() if v > 0})
    rows = []
    for key in trades:
        n_hires = int(hires.loc[key, "hires"]) if key in hires.index else 0
        raw = float(hires.loc[key, "hours_from_hires"]) if key in hires.index else 0.0
        need_hours = float(need_per_trade.get(key, 0.0)) if need is not None else np.nan
        covered = min(raw, need_hours) if need is not None else raw
        rows.append(
            {
                "trade_key": key,
                "hires": n_hires,
                "hours_from_hires": round(raw, 1),
                "need_hours_p50": round(need_hours, 1) if need is not None else np.nan,
                "covered_hours": round(covered, 1),
                "coverage_share": (covered / need_hours) if need is not None and need_hours > 0 else np.nan,
                "remaining_hours": round(max(need_hours - covered, 0.0), 1) if need is not None else np.nan,
            }
        )
    # Largest need first (without a forecast, most hours brought first): the table and its chart
    # read from what matters most.
    table = pd.DataFrame(rows, columns=COLUMNS).sort_values(
        ["need_hours_p50", "hours_from_hires", "trade_key"], ascending=[False, False, True], na_position="last",
        kind="stable", ignore_index=True)
    return Coverage(
        table=table,
        snapshot=snapshot,
        notes=notes,
        hours_per_hire=config.reporting.hours_per_hire,
        weekly_hours=config.reporting.weekly_hours,
    )
