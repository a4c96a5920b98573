"""Benchmark of the forecast simulation: 100,000 lots × 1,000 scenarios × 156 weeks.

Prints, from one run: wall time and peak memory of the forecast (prepare → simulate → combine →
quantiles), the ratio to a floor (one numpy pass drawing as many random delays and binning them into
the same trade × scenario × week grid), the speed-up over a straightforward per-lot Python loop
(measured on a sample and scaled), and the growth from 10,000 to 100,000 lots.

The floor is the issue's definition: numpy's default generator (PCG64, the forecast's bit generator
too) draws one delay per lot × scenario, and one ``np.bincount`` per 10,000 lots bins them into the
same (trade, scenario, week + 1) float64 grid. The simulation kernels (numba) are compiled when
``clauses.forecast.simulation`` is imported, and cached on disk: that one-off time is printed apart.

    python bench/bench_forecast.py [--lots 100000] [--scenarios 1000] [--weeks 156]
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import time

import numpy as np
import pandas as pd

from clauses.config import load_config
from clauses.forecast.inputs import prepare
from clauses.forecast.parameters import ForecastParameters

_t0 = time.perf_counter()
from clauses.forecast.engine import finish, plan_chunks, simulation_spec  # noqa: E402 (compiles the kernels)
from clauses.forecast.simulation import simulate_chunk, weekly_profiles  # noqa: E402

KERNEL_LOAD = time.perf_counter() - _t0

AS_OF = dt.date(2026, 1, 5)


def synthetic_lots(n: int, config, seed: int = 1) -> pd.DataFrame:
    """Lots shaped like the DECP 2019 construction contracts (duration median 8 months)."""
    rng = np.random.default_rng(seed)
    keys = np.array([t.key for t in config.trades])
    start = pd.Timestamp(AS_OF) + pd.to_timedelta(rng.integers(-200, 700, n), unit="D")
    months = np.clip(rng.lognormal(np.log(8), 0.7, n), 1, 36)
    end = start + pd.to_timedelta((months * 30.4).astype(int), unit="D")
    status = rng.choice(["planned", "tendering", "awarded", "in_progress"], n, p=[0.35, 0.2, 0.25, 0.2])
    return pd.DataFrame(
        {
            "lot_id": np.arange(1, n + 1),
            "trade_key": rng.choice(keys, n),
            "start": start.date,
            "end": end.date,
            "status": status,
            "award_probability": np.where(rng.random(n) < 0.5, np.nan, rng.uniform(0.3, 1.0, n)),
            "insertion_hours": rng.lognormal(np.log(600), 0.9, n).round(),
            "hours_delivered": np.where(status == "in_progress", rng.uniform(0, 100, n).round(), 0.0),
            "commune": "Clermont-Ferrand",
        }
    )


def forecast(lots, config, scenarios, weeks):
    params = ForecastParameters(as_of=AS_OF, horizon_weeks=weeks, scenarios=scenarios, seed=1)
    t0 = time.perf_counter()
    prepared = prepare(lots, config, params)
    spec = simulation_spec(prepared, config, params)
    parts = [
        simulate_chunk(prepared.lots.slice(c.start, c.stop), c.first_block, spec)
        for c in plan_chunks(len(prepared.lots), config.forecast.chunk_lots)
    ]
    result = finish(prepared, spec, parts, config, params)
    return time.perf_counter() - t0, prepared, spec, result


def floor(n_lots, trades, scenarios, weeks, start_week, trade, chunk=10_000):
    """One numpy pass: a random delay per lot × scenario, binned into the (trade, scenario, week) grid."""
    rng = np.random.default_rng(1)
    t0 = time.perf_counter()
    grid = np.zeros(trades * scenarios * (weeks + 1))
    s_off = np.arange(scenarios, dtype=np.int64) * (weeks + 1)
    for a in range(0, n_lots, chunk):
        b = min(a + chunk, n_lots)
        delay = rng.integers(0, 105, size=(b - a, scenarios), dtype=np.int16)
        week = np.minimum(start_week[a:b, None] + delay, weeks)
        index = (trade[a:b, None].astype(np.int64) * scenarios * (weeks + 1) + s_off[None, :] + week).ravel()
        grid += np.bincount(index, minlength=grid.size)
    return time.perf_counter() - t0


def python_loop(prepared, spec, sample: int) -> float:
    """Seconds per lot of a straightforward loop: for each lot, for each scenario, draw and add."""
    lots = prepared.lots.slice(0, sample)
    rng = np.random.default_rng(1)
    acc = np.zeros((spec.trades, spec.scenarios, spec.weeks))
    first_week, profile = weekly_profiles(lots, spec)  # the loop gets its profiles for free
    t0 = time.perf_counter()
    for i in range(len(lots)):
        for s in range(spec.scenarios):
            u = rng.integers(0, 65536)
            if rng.random() * 65536 >= lots.award_threshold[i]:
                continue
            d = int(spec.delay_table[lots.status[i], u])
            for k in range(profile.shape[1]):
                w = first_week[i] + d + k
                if w < spec.weeks:
                    acc[lots.trade[i], s, w] += profile[i, k]
    return (time.perf_counter() - t0) / len(lots)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lots", type=int, default=100_000)
    ap.add_argument("--scenarios", type=int, default=1000)
    ap.add_argument("--weeks", type=int, default=156)
    ap.add_argument("--loop-sample", type=int, default=20)
    args = ap.parse_args()
    config = load_config()

    big = synthetic_lots(args.lots, config)
    wall, prepared, spec, result = forecast(big, config, args.scenarios, args.weeks)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    small_wall, *_ = forecast(big.iloc[: args.lots // 10], config, args.scenarios, args.weeks)

    start_week = np.floor(np.maximum(prepared.lots.window_start, prepared.as_of_day) / 7).astype(np.int64)
    floor_wall = floor(len(prepared.lots), spec.trades, args.scenarios, args.weeks, start_week, prepared.lots.trade)
    per_lot_loop = python_loop(prepared, spec, args.loop_sample)
    loop_wall = per_lot_loop * len(prepared.lots)

    print(f"lots {args.lots:,} (used {len(prepared.lots):,}) × scenarios {args.scenarios:,} × weeks {args.weeks}")
    print(f"forecast wall time           {wall:8.2f} s   (engine import with its compiled kernels, once: {KERNEL_LOAD:.2f} s)")
    print(f"peak memory (max RSS)        {peak_mb:8.0f} MB   (aim < 4,096 MB)")
    print(f"floor (draw + bin, numpy)    {floor_wall:8.2f} s   ratio {wall / floor_wall:5.2f}×  (aim ≤ 3×)")
    print(
        f"per-lot Python loop (sample {args.loop_sample} lots) {per_lot_loop * 1000:.1f} ms/lot → {loop_wall:,.0f} s"
        f"   speed-up {loop_wall / wall:,.0f}×  (aim ≥ 100×)"
    )
    print(f"{args.lots // 10:,} lots: {small_wall:.2f} s → {args.lots:,} lots: {wall:.2f} s   growth {wall / small_wall:.1f}×  (aim ≤ 12×)")
    print(f"check: total mean hours {result.table['hours_mean'].sum():,.0f}")


if __name__ == "__main__":
    main()
