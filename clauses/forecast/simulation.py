"""Monte-Carlo simulation of weekly insertion hours per trade and scenario.

How it works:

1. Each lot's remaining hours are spread over the weeks of its window by its trade's loading curve
   (differences of the cumulative curve at week boundaries): a weekly profile, exact at day level.
2. A cumulative curve of degree m gives a profile whose m-th difference is zero except near the
   curve's breakpoints: a handful of "impulses" per lot (``ORDER`` in ``loading_curves``; about 3.4
   per uniform lot, 7 per S-curve lot, 11 per trapezoid lot). Steps 1–2 are numpy, once per lot.
3. In a scenario, a lot starts d whole weeks late (drawn from its status's slippage distribution) and
   is awarded or not (Bernoulli of its award probability). Since delays are whole weeks, its
   impulses are simply shifted by d and added, if awarded, into a (trade, scenario, week) array.
   Impulses at or after the horizon are dropped, so lots partly outside the horizon are cut, not
   dropped. This scatter is the hot loop (lots × scenarios × impulses): a small compiled kernel
   (numba, ``_scatter_moving``), which walks trade by trade, then scenario by scenario, so the row it
   writes stays in the L1 cache. Neither kernel holds the GIL: chunks run in parallel on threads.
4. Summing m times along the weeks turns the impulses back into weekly hours.

Lots that cannot move (no slippage for their status, certain award) are added once, for every
scenario. Random draws come from a generator per block of ``RNG_BLOCK`` lots, seeded from
(seed, block index) with ``SeedSequence``: the result does not depend on how blocks are grouped into
chunks or where the chunks run (up to float rounding of the chunk sums, which are added in chunk
order, so a given chunking always gives identical results). Each lot × scenario uses two 16-bit
uniform draws: one for the delay (inverse CDF through a 65,536-entry table per status), one for the
award (probability resolution 1/65,536).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
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


def _window_weeks(lots: LotArrays, spec: SimulationSpec) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per lot: first day counted (as-of date at the earliest), its week, and the weeks it spans."""
    first_day = np.maximum(lots.window_start, float(spec.as_of_day))
    first_week = np.floor(first_day / 7.0).astype(np.int64)
    last_week = np.ceil(lots.window_end / 7.0).astype(np.int64) - 1
    return first_day, first_week, last_week - first_week + 1


def _profile_rows(
    lots: LotArrays, spec: SimulationSpec, curve: str, first_day: np.ndarray, first_week: np.ndarray, width: int
) -> np.ndarray:
    """Weekly hours (lots, width) from each lot's first week, for lots that all follow ``curve``."""
    bounds = 7.0 * (first_week[:, None] + np.arange(width + 1)[None, :])
    bounds = np.clip(bounds, first_day[:, None], lots.window_end[:, None])
    length = lots.window_end - lots.window_start
    x = (bounds - lots.window_start[:, None]) / length[:, None]
    cum = cumulative_share(curve, x, spec.curves)
    remaining = 1.0 - cum[:, :1]
    safe = remaining > 1e-12
    shares = np.diff(cum, axis=1) / np.where(safe, remaining, 1.0)
    # A window cut so close to its end that no share is left: everything in its first week.
    shares[~safe[:, 0]] = 0.0
    shares[~safe[:, 0], 0] = 1.0
    return shares * lots.hours[:, None]


def _curve_index(lots: LotArrays, spec: SimulationSpec) -> tuple[list[str], np.ndarray]:
    names = sorted(set(spec.trade_curves))
    of_trade = np.array([names.index(c) for c in spec.trade_curves], dtype=np.int64)
    return names, of_trade[lots.trade] if len(lots) else np.array([], dtype=np.int64)


def weekly_profiles(
    lots: LotArrays, spec: SimulationSpec, width: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Each lot's remaining hours per week from its first week: (first_week, profile[lots, K]).

    ``width`` limits the weeks computed (default: the longest lot within the horizon, plus 3)."""
    first_day, first_week, span = _window_weeks(lots, spec)
    if width is None:
        width = min(int(span.max()) if len(lots) else 1, spec.weeks) + 3  # room for closing impulses
    profile = np.zeros((len(lots), width), dtype=np.float64)
    names, curve = _curve_index(lots, spec)
    for c, name in enumerate(names):
        rows = np.flatnonzero(curve == c)
        if rows.size:
            sub = lots.take(rows)
            profile[rows] = _profile_rows(sub, spec, name, first_day[rows], first_week[rows], width)
    return first_week, profile


def impulses(lots: LotArrays, spec: SimulationSpec) -> Impulses:
    """The lots' impulses: the ``ORDER``-th differences of their weekly profiles, kept where non-zero.

    Lots are grouped by curve and by how many weeks they span (rounded up to a power of two), so a
    short lot is not evaluated over the longest lot's weeks."""
    first_day, first_week, span = _window_weeks(lots, spec)
    needed = np.minimum(span, spec.weeks) + 3  # room for the closing impulses of order ≤ 3
    bucket = np.left_shift(1, np.ceil(np.log2(np.maximum(needed, 8))).astype(np.int64))
    names, curve = _curve_index(lots, spec)
    parts_lot, parts_week, parts_value = [], [], []
    for c, name in enumerate(names):
        m = ORDER[name]
        mine = curve == c
        for width in np.unique(bucket[mine]):
            rows = np.flatnonzero(mine & (bucket == width))
            width = int(min(width, spec.weeks + 3))
            sub = lots.take(rows)
            profile = _profile_rows(sub, spec, name, first_day[rows], first_week[rows], width)
            diff = np.diff(profile, n=m, axis=1, prepend=np.zeros((rows.size, m)))
            keep = np.abs(diff) > _TOLERANCE * sub.hours[:, None]
            r, k = np.nonzero(keep)
            week = first_week[rows[r]] + k
            inside = week < spec.weeks
            parts_lot.append(rows[r[inside]])
            parts_week.append(week[inside])
            parts_value.append(diff[r[inside], k[inside]])
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

    stochastic: np.ndarray  # (trades, scenarios, weeks + 1) float64; the last column stays 0 (beyond)
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


@numba.njit(
    "int16[:, ::1](uint16[:, :, ::1], int64[::1], int8[::1], int32[::1], int16[:, ::1], int64)",
    cache=True,
    nogil=True,
)
def _block_shifts(draws, lots, status, threshold, table, horizon):  # pragma: no cover
    """Weeks lot ``lots[i]`` of a block starts late in scenario ``s``, as ``out[s, i]``, or
    ``horizon`` when it is not awarded there.

    Awarded when ``draws[l, s, 1] < threshold[l]``; late by ``table[status[l], draws[l, s, 0]]``."""
    scenarios = draws.shape[1]
    out = np.empty((scenarios, lots.size), dtype=np.int16)
    never = np.int16(horizon)
    for i in range(lots.size):
        lot = lots[i]
        st, limit = status[lot], threshold[lot]
        for s in range(scenarios):
            delay = table[st, draws[lot, s, 0]]
            out[s, i] = delay if draws[lot, s, 1] < limit else never
    return out


@numba.njit(
    "void(float64[:, :, ::1], int64[::1], int16[::1], int64[::1], int32[::1], float64[::1], int16[:, ::1], int64)",
    cache=True,
    nogil=True,
)
def _scatter_moving(out, lots, trade, start, week, value, shift, horizon):  # pragma: no cover
    """Add the impulses of ``lots`` (grouped by trade), shifted, into ``out[trade, scenario, week]``.

    Lot ``lots[i]`` owns impulses ``start[lot]:start[lot + 1]`` (sorted by week) and starts
    ``shift[s, i]`` weeks late in scenario ``s``; impulses at or after the horizon are dropped (a lot
    partly beyond the horizon is cut, not dropped; a lot not awarded has a shift of ``horizon``).
    Loop order: trade, scenario, lot, so the row being written, the lots' impulses and their shifts
    stay in the L1 cache."""
    n = lots.size
    g0 = 0
    while g0 < n:
        t = trade[lots[g0]]
        g1 = g0
        while g1 < n and trade[lots[g1]] == t:
            g1 += 1
        for s in range(shift.shape[0]):
            row = out[t, s]
            delays = shift[s]
            for i in range(g0, g1):
                lot = lots[i]
                delay = np.int32(delays[i])
                for k in range(start[lot], start[lot + 1]):
                    w = week[k] + delay
                    if w >= horizon:
                        break
                    row[w] += value[k]
        g0 = g1


def simulate_chunk(lots: LotArrays, first_block: int, spec: SimulationSpec) -> ChunkResult:
    """Simulate lots ``first_block * RNG_BLOCK`` onwards (a whole number of blocks, except the last).

    The impulses of the whole chunk are computed at once; the random draws, block by block."""
    result = empty_result(spec)
    result.lots = len(lots)
    imp = impulses(lots, spec)
    result.impulses = imp.lot.size
    if imp.lot.size == 0:
        return result
    moves = ~spec.deterministic_status[lots.status] | (lots.award_threshold < U16)
    fixed = ~moves[imp.lot]
    if fixed.any():
        np.add.at(result.fixed, (lots.trade[imp.lot[fixed]], imp.week[fixed]), imp.value[fixed])
    sel = np.flatnonzero(~fixed)
    if sel.size == 0:
        return result
    lot, week = imp.lot[sel], imp.week[sel]
    order = np.lexsort((week, lot))
    week = np.ascontiguousarray(week[order], dtype=np.int32)
    value = np.ascontiguousarray(imp.value[sel][order], dtype=np.float64)
    bounds = np.zeros(len(lots) + 1, dtype=np.int64)
    np.cumsum(np.bincount(lot, minlength=len(lots)), out=bounds[1:])
    trade = np.ascontiguousarray(lots.trade, dtype=np.int16)
    status = np.ascontiguousarray(lots.status, dtype=np.int8)
    threshold = np.ascontiguousarray(lots.award_threshold, dtype=np.int32)
    has_impulses = bounds[1:] > bounds[:-1]
    for b, start in enumerate(range(0, len(lots), RNG_BLOCK)):
        stop = min(start + RNG_BLOCK, len(lots))
        mine = np.flatnonzero(has_impulses[start:stop])  # moving lots of the block, from its start
        if mine.size == 0:
            continue
        mine = np.ascontiguousarray(mine[np.argsort(trade[start + mine], kind="stable")], dtype=np.int64)
        draws = block_draws(spec, first_block + b, stop - start)
        shift = _block_shifts(
            draws, mine, status[start:stop], threshold[start:stop], spec.delay_table, spec.weeks
        )
        _scatter_moving(result.stochastic, start + mine, trade, bounds, week, value, shift, spec.weeks)
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
    sub = lots.take(np.flatnonzero(mine))
    first_week, profile = weekly_profiles(sub, spec, width=1)
    week0 = np.where(first_week == 0, profile[:, 0], 0.0)
    np.add.at(out, sub.trade, week0)
    return out
