"""Planner benchmark: three years, 12 trades, 6 partners, three need levels (loose → tight).

Prints per instance, from one run: the people needed; the upper bound given lead times; the on-time
coverage of the greedy baseline (earliest deadline first) and of CP-SAT, and their ratios; then
CP-SAT's two levels: coverage (people trained on time, maximised: status, proven bound, gap) and,
that coverage kept, lateness and events (status, gap). Solve time is wall-clock (model build and
both levels); "det s" is CP-SAT's deterministic time, what the limit counts (reproducible).
Run: python bench/bench_planning.py [--time-limit <deterministic s>]"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import numpy as np
import pandas as pd

from clauses.config import load_config
from clauses.planning.demand import Rates, hires_by_week
from clauses.planning.greedy import plan_greedy
from clauses.planning.model import solve
from clauses.planning.problem import Options, PlanningProblem

START = dt.date(2026, 1, 5)
WEEKS = 156
LEVELS = {"loose": 4, "medium": 10, "tight": 20}  # instance -> people per site burst


def need_frame(trades, level: float, seed: int) -> pd.DataFrame:
    """Each trade: a few sites whose new-people need arrives in bursts (deterministic)."""
    rng = np.random.default_rng(seed)
    rows = []
    for trade in trades:
        for _ in range(3):
            begin = int(rng.integers(20, WEEKS - 20))
            length = int(rng.integers(6, 20))
            per_week = level * float(rng.uniform(0.5, 1.5)) / length
            rows += [(trade.key, START + dt.timedelta(weeks=begin + w), per_week) for w in range(length)]
    return pd.DataFrame(rows, columns=["trade_key", "week_start", "people"])


def bench_problem(config, name: str) -> PlanningProblem:
    """The bench instance ``name`` (see ``LEVELS``): 12 trades, 6 partners, three years."""
    trades = [t for t in config.trades if t.key != "relations_locataires"][:12]
    partners = [p for p in config.partners if p.key != "france_travail_cournon"][:6]
    rates = Rates.from_config(config.planning.conversion)
    need = hires_by_week(need_frame(trades, LEVELS[name], seed=7), START, WEEKS)
    return PlanningProblem(START, WEEKS, need, trades, partners, config.planning, rates)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--time-limit", type=float, default=None, help="deterministic seconds (default: config)")
    args = parser.parse_args()
    config = load_config()
    args.time_limit = args.time_limit or config.planning.solver_time_limit_seconds
    problems = {name: bench_problem(config, name) for name in LEVELS}
    first = problems["loose"]
    print(f"{len(first.trades)} trades, {len(first.partners)} partners, {WEEKS} weeks, limit {args.time_limit} deterministic s")
    print(f"{'instance':<8} {'need':>5} {'lead':>5} {'greedy':>6} {'cp-sat':>6} {'cov/greedy':>10} "
          f"{'cov/lead':>8} | {'coverage':>8} {'proven':>6} {'gap':>7} | {'late+events':>11} {'gap':>7} | "
          f"{'solve s':>7} {'det s':>6} {'events':>6}")
    for name, problem in problems.items():
        options = Options(problem)
        greedy = plan_greedy(problem, options)
        began = time.perf_counter()
        result = solve(problem, options, time_limit=args.time_limit, hint=greedy)
        seconds = time.perf_counter() - began
        coverage, rest = (result.stats["levels"] + [{}])[:2]
        ratio_greedy = result.on_time / greedy.on_time if greedy.on_time else float("inf")
        ratio_bound = result.on_time / result.upper_bound if result.upper_bound else 1.0
        proven = int(coverage["bound"]) if coverage.get("bound") is not None else "–"
        rest_gap = f"{rest['gap']:.2%}" if rest.get("gap") is not None else "–"
        print(f"{name:<8} {result.need:>5} {result.upper_bound:>5} {greedy.on_time:>6} {result.on_time:>6} "
              f"{ratio_greedy:>10.3f} {ratio_bound:>8.3f} | {coverage['status']:>8} {proven:>6} {result.gap:>7.2%} | "
              f"{rest.get('status', '–'):>11} {rest_gap:>7} | {seconds:>7.1f} "
              f"{result.stats.get('deterministic_seconds', 0):>6.1f} {len(result.events):>6}", flush=True)


if __name__ == "__main__":
    main()
