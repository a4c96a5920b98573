"""From simulated weekly hours to the forecast table: periods, FTE, people, quantiles, totals.

Rules:
- Period hours: weeks as simulated; months get each week's hours in proportion to the week's days
  in the month (and in the horizon).
- FTE = hours ÷ (hours per FTE week × covered days ÷ 7): a partial first or last period is not
  diluted (35 h/week by default, the legal full-time week).
- Headcount (people in place) = ceil(FTE).
- People to bring in (new placements) = max(0, headcount_t − headcount_{t−1} × (1 − turnover)),
  with turnover = 1 − (1 − weekly turnover)^(covered days ÷ 7) and headcount_{−1} = the people
  already in place for lots in progress in the as-of week.
- Each statistic (mean, P10, P50, P90 and any other quantile asked) is taken over the scenarios, per
  trade and period; totals over the horizon are statistics of each scenario's total, not sums of
  quantiles.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from clauses.forecast.parameters import BASE_QUANTILES, ForecastParameters, quantile_label
from clauses.storage.forecast import FORECAST_MEASURES


@dataclass
class Periods:
    start: list[dt.date]
    end: list[dt.date]  # inclusive
    covered_days: np.ndarray  # days of the period inside [as_of, horizon end)
    weights: np.ndarray  # (weeks, periods): share of each week's hours in each period


def make_periods(origin: dt.date, as_of: dt.date, weeks: int, period: str) -> Periods:
    day0 = (as_of - origin).days
    n_days = 7 * weeks
    days = np.arange(n_days)
    active = days >= day0
    dates = [origin + dt.timedelta(days=int(d)) for d in days]
    if period == "week":
        keys = days // 7
        starts = [origin + dt.timedelta(days=7 * w) for w in range(weeks)]
        ends = [s + dt.timedelta(days=6) for s in starts]
    else:
        month_of = [(d.year, d.month) for d in dates]
        months = list(dict.fromkeys(m for m, a in zip(month_of, active) if a))
        index = {m: i for i, m in enumerate(months)}
        keys = np.array([index.get(m, -1) for m in month_of])
        starts = [dt.date(y, m, 1) for y, m in months]
        ends = [(dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)) for y, m in months]
    n_periods = len(starts)
    covered = np.zeros(n_periods)
    np.add.at(covered, keys[active], 1.0)
    weights = np.zeros((weeks, n_periods))
    week_of_day = days // 7
    active_in_week = np.bincount(week_of_day[active], minlength=weeks).astype(float)
    np.add.at(weights, (week_of_day[active], keys[active]), 1.0 / active_in_week[week_of_day[active]])
    return Periods(starts, ends, covered, weights)


@dataclass
class ForecastTable:
    table: pd.DataFrame  # one row per trade × period
    totals: dict  # per trade
    quantiles: tuple[float, ...]


def _stats(values: np.ndarray, quantiles) -> dict[str, np.ndarray]:
    """Statistics over axis 1 (scenarios)."""
    out = {"mean": values.mean(axis=1)}
    qs = np.quantile(values, quantiles, axis=1)
    for q, v in zip(quantiles, qs):
        out[quantile_label(q)] = v
    return out


def summarise(
    hours_weekly: np.ndarray,
    trade_keys: list[str],
    periods: Periods,
    params: ForecastParameters,
    hours_per_fte_week: float,
    weekly_turnover: float,
    in_place_hours: np.ndarray,
    first_week_days: int,
) -> ForecastTable:
    quantiles = params.all_quantiles
    hours = hours_weekly @ periods.weights  # (trades, scenarios, periods)
    capacity = hours_per_fte_week * np.maximum(periods.covered_days, 1e-9) / 7.0
    fte = hours / capacity
    headcount = np.ceil(fte - 1e-9)
    turnover = 1.0 - (1.0 - weekly_turnover) ** (periods.covered_days / 7.0)
    baseline = np.ceil(in_place_hours / (hours_per_fte_week * max(first_week_days, 1) / 7.0) - 1e-9)
    previous = np.concatenate(
        [np.broadcast_to(baseline[:, None, None], (*headcount.shape[:2], 1)), headcount[:, :, :-1]], axis=2
    )
    people = np.maximum(0.0, headcount - previous * (1.0 - turnover))
    measures = {"hours": hours, "fte": fte, "headcount": headcount, "people": people}

    n_trades, _, n_periods = hours.shape
    table = pd.DataFrame(
        {
            "trade_key": np.repeat(trade_keys, n_periods),
            "period_start": np.tile(np.array(periods.start, dtype=object), n_trades),
            "period_end": np.tile(np.array(periods.end, dtype=object), n_trades),
        }
    )
    extra_cols = []
    for name in FORECAST_MEASURES:
        for stat, values in _stats(measures[name], quantiles).items():
            col = f"{name}_{stat}"
            table[col] = values.reshape(-1)
            if stat != "mean" and stat not in {quantile_label(q) for q in BASE_QUANTILES}:
                extra_cols.append(col)
    base_cols = [f"{m}_{s}" for m in FORECAST_MEASURES for s in ("mean", "p10", "p50", "p90")]
    table = table[["trade_key", "period_start", "period_end", *base_cols, *extra_cols]]

    totals = {}
    total_hours = _stats(hours.sum(axis=2), quantiles)
    total_people = _stats(people.sum(axis=2), quantiles)
    peak_fte = _stats(fte.max(axis=2), quantiles)
    fte_p50 = np.quantile(fte, 0.5, axis=1)
    for t, key in enumerate(trade_keys):
        peak_at = int(np.argmax(fte_p50[t])) if n_periods else 0
        totals[key] = {
            "hours": {k: round(float(v[t]), 3) for k, v in total_hours.items()},
            "people": {k: round(float(v[t]), 3) for k, v in total_people.items()},
            "peak_fte": {k: round(float(v[t]), 3) for k, v in peak_fte.items()},
            "peak_fte_p50_period": periods.start[peak_at].isoformat() if n_periods else None,
            "peak_fte_p50_value": round(float(fte_p50[t, peak_at]), 3) if n_periods else 0.0,
            "people_in_place_at_as_of": int(baseline[t]),
        }
    return ForecastTable(table=table, totals=totals, quantiles=quantiles)
