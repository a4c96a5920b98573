"""The forecast from start to end, without Prefect: prepare → simulate chunks → combine → summarise.

The flow (``flows/forecast_labour_needs.py``) runs the same steps, one Prefect task per chunk.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from clauses.config import Config
from clauses.forecast.inputs import PreparedInputs, prepare
from clauses.forecast.parameters import ForecastParameters
from clauses.forecast.simulation import (
    RNG_BLOCK,
    ChunkResult,
    SimulationSpec,
    combine,
    in_place_hours,
    make_spec,
    simulate_chunk,
)
from clauses.forecast.summary import ForecastTable, make_periods, summarise


@dataclass
class ForecastResult:
    params: ForecastParameters
    trade_keys: list[str]
    fingerprint: str
    diagnostics: dict
    table: pd.DataFrame
    totals: dict
    quantiles: tuple[float, ...]
    lot_count: int
    weekly_hours: np.ndarray | None = field(default=None, repr=False)  # (trades, scenarios, weeks)


@dataclass(frozen=True)
class Chunk:
    start: int
    stop: int
    first_block: int


def plan_chunks(n_lots: int, chunk_lots: int) -> list[Chunk]:
    """Whole blocks of ``RNG_BLOCK`` lots per chunk, so draws do not depend on the chunking."""
    size = max(RNG_BLOCK, (chunk_lots // RNG_BLOCK) * RNG_BLOCK)
    return [Chunk(s, min(s + size, n_lots), s // RNG_BLOCK) for s in range(0, n_lots, size)]


def simulation_spec(prepared: PreparedInputs, config: Config, params: ForecastParameters) -> SimulationSpec:
    return make_spec(
        config.forecast,
        prepared.trade_curves,
        weeks=params.horizon_weeks,
        scenarios=params.scenarios,
        seed=params.seed,
        as_of_day=prepared.as_of_day,
    )


def finish(
    prepared: PreparedInputs,
    spec: SimulationSpec,
    parts: list[ChunkResult],
    config: Config,
    params: ForecastParameters,
    keep_weekly: bool = False,
) -> ForecastResult:
    weekly = combine(parts, spec)
    periods = make_periods(prepared.origin, params.as_of, params.horizon_weeks, params.period)
    table: ForecastTable = summarise(
        weekly,
        prepared.trade_keys,
        periods,
        params,
        hours_per_fte_week=config.forecast.hours_per_fte_week,
        weekly_turnover=config.forecast.weekly_turnover,
        in_place_hours=in_place_hours(prepared.lots, spec),
        first_week_days=7 - prepared.as_of_day,
    )
    return ForecastResult(
        params=params,
        trade_keys=prepared.trade_keys,
        fingerprint=prepared.fingerprint,
        diagnostics=prepared.diagnostics,
        table=table.table,
        totals=table.totals,
        quantiles=table.quantiles,
        lot_count=len(prepared.lots),
        weekly_hours=weekly if keep_weekly else None,
    )


def run_forecast(
    lots: pd.DataFrame,
    config: Config,
    params: ForecastParameters,
    chunk_lots: int | None = None,
    keep_weekly: bool = False,
) -> ForecastResult:
    """The whole forecast in this process (the flow distributes the chunks instead)."""
    prepared = prepare(lots, config, params)
    spec = simulation_spec(prepared, config, params)
    chunks = plan_chunks(len(prepared.lots), chunk_lots or config.forecast.chunk_lots)
    parts = [simulate_chunk(prepared.lots.slice(c.start, c.stop), c.first_block, spec) for c in chunks]
    return finish(prepared, spec, parts, config, params, keep_weekly=keep_weekly)
