"""Monte-Carlo simulation of weekly insertion hours per trade and scenario, vectorised.

How it works (no Python loop over lots × scenarios):

1. Each lot's remaining hours are spread over the weeks of its window by its trade's loading curve
   (differences of the cumulative curve at week boundaries): a weekly profile.
2. A cumulative curve of degree m gives a profile whose m-th difference is zero except near the
   curve's breakpoints: a handful of "impulses" per lot (``ORDER`` in ``loading_curves``).
3. In a scenario, a lot starts d whole weeks late (drawn from its status's slippage distribution) and
   is awarded or not (Bernoulli of its award probability). Its impulses are shifted by d and added,
   if awarded, into a (trade, scenario, week) array with one ``np.bincount`` per block of lots.
   Impulses at or after the horizon fall into a spare column and are dropped, so lots partly
   outside the horizon are cut, not dropped.
4. Summing m times along the weeks turns the impulses back into weekly hours.

Lots that cannot move (no slippage for their status, certain award) are added once, for every
scenario. Random draws come from a generator per block of ``RNG_BLOCK`` lots, seeded from
(seed, block index) with ``SeedSequence``: the result does not depend on how blocks are grouped into
chunks or where the chunks run. Each lot × scenario uses two 16-bit uniform draws: one for the delay
(inverse CDF through a 65,536-entry table per status), one for the award (probability resolution
1/65,536).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from clauses.config.forecast import STATUSES, ForecastSettings, LoadingCurves
from clauses.forecast.inputs import LotArrays
from clauses.forecast.loading_curves import ORDER, cumulative_share

RNG_BLOCK = 1024
U16 = 65536
_TOLERANCE = 1e-14  # impulses smaller than this share of a lot's hours are rounding noise


@dataclass(frozen=True)
class SimulationSpec:
    weeks: int
    scenarios: int
    seed: int
    as_of_day: int
    trade_curves: tuple[str, ...]
    curves: LoadingCurves
    delay_table: np.ndarray  # (statuses, 65536) int16: weeks of delay for a 16-bit uniform draw
    deterministic_status: np.ndarray  # (statuses,) bool: no delay ever

    @property
    def trades(self) -> int:
        return len(self.trade_curves)

    @property
    def orders(self) -> np.ndarray:
        return np.array([ORDER[c] for c in self.trade_curves], dtype=np.int8)


def delay_table(settings: ForecastSettings) -> tuple[np.ndarray, np.ndarray]:
    """Weeks of start delay for each status and each 16-bit uniform draw (inverse CDF).

    With probability ``p_late`` a lot is late by a log-logistic delay (median ``median_weeks``, shape
    ``shape``: F(t) = 1 / (1 + (t / median)^-shape)), capped at ``max_weeks``, rounded to whole weeks.
    """
    q = (np.arange(U16, dtype=np.float64) + 0.5) / U16
    table = np.zeros((len(STATUSES), U16), dtype=np.int16)
    fixed = np.zeros(len(STATUSES), dtype=bool)
    for i, status in enumerate(STATUSES):
        s = settings.slippage[status]
        if s.p_late <= 0 or s.median_weeks <= 0 or s.max_weeks <= 0:
            fixed[i] = True
            continue
        late = q < s.p_late
        r = np.where(late, q / s.p_late, 0.5)
        weeks = s.median_weeks * (r / (1.0 - r)) ** (1.0 / s.shape)
        weeks = np.minimum(np.rint(weeks), np.floor(s.max_weeks))
        table[i] = np.where(late, weeks, 0).astype(np.int16)
    return table, fixed


def make_spec(
    settings: ForecastSettings, trade_curves, weeks: int, scenarios: int, seed: int, as_of_day: int
) -> SimulationSpec:
    table, fixed = delay_table(settings)
    return SimulationSpec(
        weeks=int(weeks),
        scenarios=int(scenarios),
        seed=int(seed),
        as_of_day=int(as_of_day),
        trade_curves=tuple(trade_curves),
        curves=settings.loading_curves,
        delay_table=table,
        deterministic_status=fixed,
    )


@dataclass
class Impulses:
    """Sparse m-th differences of the lots' weekly profiles, in hours."""

    lot: np.ndarray  # index of the lot in the batch
    week: np.ndarray  # week index from the grid origin (before any delay)
    value: np.ndarray  # hours


def weekly_profiles(lots: LotArrays, spec: SimulationSpec) -> tuple[np.ndarray, np.ndarray]:
    """Each lot's remaining hours per week from its first week: (first_week, profile[lots, K])."""
    a0 = float(spec.as_of_day)
    first_day = np.maximum(lots.window_start, a0)
    first_week = np.floor(first_day / 7.0).astype(np.int64)
    last_week = np.ceil(lots.window_end / 7.0).astype(np.int64) - 1
    span = int((last_week - first_week).max()) + 1 if len(lots) else 1
    width = min(span, spec.weeks) + 3  # room for the closing impulses of order ≤ 3
    bounds = 7.0 * (first_week[:, None] + np.arange(width + 1)[None, :])
    bounds = np.clip(bounds, first_day[:, None], lots.window_end[:, None])
    length = lots.window_end - lots.window_start
    x = (bounds - lots.window_start[:, None]) / length[:, None]
    profile = np.zeros((len(lots), width), dtype=np.float64)
    curves = np.array(spec.trade_curves, dtype=object)[lots.trade] if len(lots) else np.array([])
    for curve in set(spec.trade_curves):
        rows = np.flatnonzero(curves == curve)
        if rows.size == 0:
            continue
        cum = cumulative_share(curve, x[rows], spec.curves)
        remaining = 1.0 - cum[:, :1]
        safe = remaining > 1e-12
        shares = np.diff(cum, axis=1) / np.where(safe, remaining, 1.0)
        # A window cut so close to its end that no share is left: everything in its first week.
        shares[~safe[:, 0]] = 0.0
        shares[~safe[:, 0], 0] = 1.0
        profile[rows] = shares
    return first_week, profile * lots.hours[:, None]


def impulses(lots: LotArrays, spec: SimulationSpec) -> Impulses:
    first_week, profile = weekly_profiles(lots, spec)
    orders = spec.orders[lots.trade] if len(lots) else np.array([], dtype=np.int8)
    parts_lot, parts_week, parts_value = [], [], []
    for m in (1, 2, 3):
        rows = np.flatnonzero(orders == m)
        if rows.size == 0:
            continue
        diff = np.diff(profile[rows], n=m, axis=1, prepend=np.zeros((rows.size, m)))
        keep = np.abs(diff) > _TOLERANCE * lots.hours[rows, None]
        r, c = np.nonzero(keep)
        week = first_week[rows[r]] + c
        inside = week < spec.weeks
        parts_lot.append(rows[r[inside]])
        parts_week.append(week[inside])
        parts_value.append(diff[r[inside], c[inside]])
    if not parts_lot:
        empty = np.array([], dtype=np.int64)
        return Impulses(empty, empty, np.array([], dtype=np.float64))
    return Impulses(np.concatenate(parts_lot), np.concatenate(parts_week), np.concatenate(parts_value))


def block_draws(spec: SimulationSpec, block: int, n_lots: int) -> np.ndarray:
    """Two 16-bit uniform draws per lot × scenario for one block: (lots, scenarios, 2) uint16.

    Lot j of the block always gets the same draws, whatever the block's size."""
    bits = np.random.PCG64(np.random.SeedSequence(spec.seed, spawn_key=(block,)))
    count = n_lots * spec.scenarios * 2
    raw = bits.random_raw((count + 3) // 4).view(np.uint16)[:count]
    return raw.reshape(n_lots, spec.scenarios, 2)


@dataclass
class ChunkResult:
    """Partial sums of one chunk of lots, in the difference domain of each trade's curve order."""

    stochastic: np.ndarray  # (trades, scenarios, weeks + 1) float64; last column: beyond the horizon
    fixed: np.ndarray  # (trades, weeks + 1) float64: lots that cannot move, for every scenario
    lots: int
    impulses: int


def empty_result(spec: SimulationSpec) -> ChunkResult:
    return ChunkResult(
        stochastic=np.zeros((spec.trades, spec.scenarios, spec.weeks + 1)),
        fixed=np.zeros((spec.trades, spec.weeks + 1)),
        lots=0,
        impulses=0,
    )


def simulate_chunk(lots: LotArrays, first_block: int, spec: SimulationSpec) -> ChunkResult:
    """Simulate lots ``first_block * RNG_BLOCK`` onwards (a whole number of blocks, except the last)."""
    result = empty_result(spec)
    result.lots = len(lots)
    size = result.stochastic.size
    wide = spec.weeks + 1
    scenario_offset = np.arange(spec.scenarios, dtype=np.int64) * wide
    for b, start in enumerate(range(0, len(lots), RNG_BLOCK)):
        block = lots.slice(start, start + RNG_BLOCK)
        imp = impulses(block, spec)
        result.impulses += imp.lot.size
        if imp.lot.size == 0:
            continue
        moves = ~spec.deterministic_status[block.status] | (block.award_threshold < U16)
        fixed = ~moves[imp.lot]
        if fixed.any():
            np.add.at(result.fixed, (block.trade[imp.lot[fixed]], imp.week[fixed]), imp.value[fixed])
        sel = ~fixed
        if not sel.any():
            continue
        draws = block_draws(spec, first_block + b, len(block))
        lot = imp.lot[sel]
        used = np.unique(lot)
        delay = spec.delay_table[block.status[used][:, None], draws[used, :, 0]]
        awarded = draws[used, :, 1] < block.award_threshold[used][:, None]
        # Not awarded: pushed past the horizon, into the spare column.
        delay = np.where(awarded, delay, np.int16(spec.weeks))
        row = np.searchsorted(used, lot)
        week = np.minimum(delay[row] + imp.week[sel].astype(np.int16)[:, None], np.int16(spec.weeks))
        base = block.trade[lot].astype(np.int64) * (spec.scenarios * wide)
        index = (base[:, None] + scenario_offset[None, :]) + week
        weight = np.repeat(imp.value[sel], spec.scenarios)
        result.stochastic += np.bincount(index.ravel(), weight, minlength=size).reshape(result.stochastic.shape)
    return result


def combine(results, spec: SimulationSpec) -> np.ndarray:
    """Weekly hours (trades, scenarios, weeks) from the chunks' partial sums (in a fixed order)."""
    total = empty_result(spec)
    for part in results:
        total.stochastic += part.stochastic
        total.fixed += part.fixed
    diff = total.stochastic[:, :, : spec.weeks] + total.fixed[:, None, : spec.weeks]
    hours = np.empty_like(diff)
    for t, m in enumerate(spec.orders):
        h = diff[t]
        for _ in range(int(m)):
            h = np.cumsum(h, axis=-1)
        hours[t] = h
    # Undo rounding noise of the cumulative sums: no negative hours, no 1e-12 h "need".
    hours[np.abs(hours) < 1e-9] = 0.0
    return np.maximum(hours, 0.0)


def in_place_hours(lots: LotArrays, spec: SimulationSpec) -> np.ndarray:
    """Hours of the as-of week per trade from lots already in progress: the people already in place."""
    status = STATUSES.index("in_progress")
    mine = lots.status == status
    out = np.zeros(spec.trades)
    if not mine.any():
        return out
    sub = lots.slice(0, len(lots))
    sub = LotArrays(**{k: v[mine] for k, v in sub.__dict__.items()})
    first_week, profile = weekly_profiles(sub, spec)
    week0 = np.where(first_week == 0, profile[:, 0], 0.0)
    np.add.at(out, sub.trade, week0)
    return out
