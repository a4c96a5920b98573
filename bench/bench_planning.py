"""Planner benchmark: 12 trades, 6 partners, three need levels (loose → tight), over 1 to 5 years.

Each instance is planned by the greedy baseline (earliest deadline first), by the whole-model
CP-SAT solve (``model.solve``: the old method, kept as the baseline) and by the rolling horizon
(``horizon.plan_rolling``: what production runs beyond ``horizon.window_weeks``). Printed from one
run, one line per instance and method:

- ``on time``: people trained before the week they are needed; ``×greedy``: that over greedy's;
- ``bound``: the best proven upper bound on on-time people for the whole horizon, the smallest of
  (a) the whole-model solve's coverage-level bound and (b) CP-SAT's bound-oriented search
  (``optimize_with_lb_tree_search``, one worker) on the coverage model for ``--bound-det``
  deterministic seconds; ``gap`` = (bound − on time) / on time;
- ``26w``: the first 26 weeks. ``on time`` counts the need falling in weeks 0–25 served on time by
  the plan's cohorts (in arrival order, as ``evaluate`` does); its bound is the optimum of the
  same problem cut to weeks 0–25 (need and options), solved whole (proven optimal, else its proven
  bound): no plan serves more of that need, since only cohorts arriving by week 25 serve it;
- ``wall s``: wall-clock seconds of the method (model builds, windows, both levels); ``det s``:
  CP-SAT's deterministic seconds, what the limits count (reproducible, unlike wall time on a
  shared machine); ``s/week``: wall seconds per planned week (linear growth: the same at 1, 3, 5
  years);
- ``same``: the method run a second time on the same input gives the same plan (``signature``).

The need: each trade gets one site a year (three over three years: the historical instance, same
draws), whose new-people need arrives in a burst of 6–19 weeks starting between week 20 and 20
weeks before the end.

Run: python bench/bench_planning.py [--years 1|3|5] [--time-limit <det s>] [--bound-det <det s>] [--searches 1|2]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import time

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from clauses.config import load_config
from clauses.planning.calendar import monday_of
from clauses.planning.demand import Rates, hires_by_week
from clauses.planning.greedy import plan_greedy
from clauses.planning.horizon import Rolling, overruns, plan_rolling
from clauses.planning.model import coverage_model, solve
from clauses.planning.problem import Options, PlanningProblem, evaluate, hires_from
from clauses.planning.result import PARIS, PlanResult

START = dt.date(2026, 1, 5)
WEEKS = 156
LEVELS = {"loose": 4, "medium": 10, "tight": 20}  # instance -> people per site burst
NEAR_WEEKS = 26


def need_frame(trades, level: float, seed: int, weeks: int = WEEKS) -> pd.DataFrame:
    """Each trade: one site a year whose new-people need arrives in a burst (deterministic)."""
    rng = np.random.default_rng(seed)
    rows = []
    for trade in trades:
        for _ in range(max(1, round(weeks / 52))):
            begin = int(rng.integers(20, weeks - 20))
            length = int(rng.integers(6, 20))
            per_week = level * float(rng.uniform(0.5, 1.5)) / length
            rows += [(trade.key, START + dt.timedelta(weeks=begin + w), per_week) for w in range(length)]
    return pd.DataFrame(rows, columns=["trade_key", "week_start", "people"])


def bench_problem(config, name: str, weeks: int = WEEKS) -> PlanningProblem:
    """The bench instance ``name`` (see ``LEVELS``): 12 trades, 6 partners, ``weeks`` weeks."""
    trades = [t for t in config.trades if t.key != "relations_locataires"][:12]
    partners = [p for p in config.partners if p.key != "france_travail_cournon"][:6]
    rates = Rates.from_config(config.planning.conversion)
    need = hires_by_week(need_frame(trades, LEVELS[name], seed=7, weeks=weeks), START, weeks)
    return PlanningProblem(START, weeks, need, trades, partners, config.planning, rates)


def near_on_time(problem: PlanningProblem, result: PlanResult, weeks: int) -> int:
    """People needed in weeks 0..weeks-1 that ``result``'s cohorts train on time."""
    total = 0
    for trade_key, series in problem.need.items():
        # Cohorts started together (one partner, venue and week) are rounded down once, as the
        # planner counts them; their hires count from the week after their recruitment event.
        trainees: dict[tuple, int] = {}
        for e in result.events:
            if e.kind == "poec" and e.trade_key == trade_key:
                hired_from = result.events[e.hiring].end if e.hiring is not None else e.end
                week = (monday_of(hired_from.astimezone(PARIS).date()) - problem.start).days // 7 + 1
                key = (e.partner_key, e.venue_key, e.week, week)
                trainees[key] = trainees.get(key, 0) + e.capacity
        arrivals: dict[int, int] = {}
        for (*_, week), size in trainees.items():
            arrivals[week] = arrivals.get(week, 0) + hires_from(size, problem.rates)
        total += evaluate(series[:weeks], arrivals).on_time
    return total


def near_bound(problem: PlanningProblem, weeks: int, time_limit: float) -> float:
    """The most people needed in weeks 0..weeks-1 any plan trains on time (proven bound)."""
    cut = dataclasses.replace(problem, weeks=weeks, need={k: v[:weeks] for k, v in problem.need.items()})
    options = Options(cut)
    result = solve(cut, options, time_limit=time_limit, hint=plan_greedy(cut, options))
    level = result.stats["levels"][0] if result.stats.get("levels") else {"bound": 0.0}
    return float(result.on_time if result.status == "OPTIMAL" or level["bound"] is None else level["bound"])


def lb_tree_bound(problem: PlanningProblem, options: Options, greedy: PlanResult, seconds: float) -> float | None:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.optimize_with_lb_tree_search = True
    solver.parameters.max_deterministic_time = seconds
    code = solver.solve(coverage_model(problem, options, greedy))
    return solver.best_objective_bound if code in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None


def timed(plan) -> tuple[PlanResult, float]:
    began = time.perf_counter()
    result = plan()
    return result, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--years", type=float, default=3, help="horizon in years of 52 weeks (default 3)")
    parser.add_argument("--time-limit", type=float, default=None,
                        help="whole-model deterministic s (default: config solver_time_limit_seconds)")
    parser.add_argument("--window-weeks", type=int, default=None, help="rolling window (default: config)")
    parser.add_argument("--step-weeks", type=int, default=None, help="rolling step (default: config)")
    parser.add_argument("--window-limit", type=float, default=None, help="deterministic s per window (default: config)")
    parser.add_argument("--far-weeks", type=int, default=None,
                        help="windows from this week on get --far-limit (default: config; 0: none)")
    parser.add_argument("--far-limit", type=float, default=None, help="deterministic s per far window (default: config)")
    parser.add_argument("--bound-det", type=float, default=20.0, help="lb-tree bound search, deterministic s (0: skip)")
    parser.add_argument("--instances", nargs="+", default=list(LEVELS), choices=list(LEVELS))
    parser.add_argument("--no-baseline", action="store_true", help="skip the whole-model solve")
    parser.add_argument("--improve-windows", type=int, default=None,
                        help="windows solved again on the whole model after the rolling pass (default: config)")
    parser.add_argument("--searches", type=int, default=None, choices=range(1, 9),
                        help="deterministic searches side by side, the best kept (default: config solver_searches)")
    args = parser.parse_args()
    config = load_config()
    if args.searches is not None:
        config = config.model_copy(update={"planning": config.planning.model_copy(update={"solver_searches": args.searches})})
    given = {"window_weeks": args.window_weeks, "step_weeks": args.step_weeks, "window_time_limit": args.window_limit,
             "improve_windows": args.improve_windows, "far_weeks": args.far_weeks, "far_time_limit": args.far_limit}
    overrides = {key: value for key, value in given.items() if value is not None}
    if overrides.get("far_weeks") == 0:
        overrides["far_weeks"] = None
    rolling = dataclasses.replace(Rolling.from_settings(config.planning.rolling), **overrides)
    limit = args.time_limit or config.planning.solver_time_limit_seconds
    far = "no far windows" if rolling.far_weeks is None else f"{rolling.far_time_limit:g} det s from week {rolling.far_weeks}"
    weeks = round(args.years * 52)
    print(f"{weeks} weeks ({args.years:g} years), 12 trades, 6 partners; whole model {limit:g} det s; rolling "
          f"window {rolling.window_weeks} weeks, step {rolling.step_weeks}, {rolling.window_time_limit:g} det s per "
          f"window ({rolling.window_coverage_share:g} coverage), {far}; {config.planning.solver_searches} search(es) side by side; lb-tree bound {args.bound_det:g} det s; load {os.getloadavg()[0]:.2f}", flush=True)
    print(f"{'instance':<8} {'method':<8} {'need':>5} {'greedy':>6} {'on time':>7} {'×greedy':>7} {'bound':>6} "
          f"{'gap':>7} | {'26w':>4} {'bound':>5} {'gap':>6} | {'wall s':>6} {'det s':>6} {'s/week':>6} {'same':>4} "
          f"{'feasible':>8}", flush=True)
    for name in args.instances:
        problem = bench_problem(config, name, weeks)
        options = Options(problem)
        greedy = plan_greedy(problem, options)
        near_best = near_bound(problem, NEAR_WEEKS, limit)
        runs: dict[str, tuple[PlanResult, float, bool]] = {}
        bounds = []
        if not args.no_baseline:
            whole, seconds = timed(lambda: solve(problem, options, time_limit=limit, hint=greedy))
            bounds.append(whole.stats["levels"][0]["bound"] if whole.stats.get("levels") else None)
            runs["whole"] = (whole, seconds, None)
        new, seconds = timed(lambda: plan_rolling(problem, options, rolling=rolling, greedy=greedy, time_limit=limit))
        again = plan_rolling(problem, options, rolling=rolling, greedy=greedy, time_limit=limit)
        runs["rolling"] = (new, seconds, new.signature() == again.signature())
        if args.bound_det > 0:
            bounds.append(lb_tree_bound(problem, options, greedy, args.bound_det))
        bound = min((b for b in bounds if b is not None), default=None)
        print(f"{name:<8} {'greedy':<8} {greedy.need:>5} {greedy.on_time:>6} {greedy.on_time:>7} {1:>7.3f} "
              f"{bound if bound is not None else '–':>6} "
              f"{(bound - greedy.on_time) / max(greedy.on_time, 1) if bound is not None else float('nan'):>7.2%} | "
              f"{near_on_time(problem, greedy, NEAR_WEEKS):>4} {near_best:>5.0f} "
              f"{(near_best - near_on_time(problem, greedy, NEAR_WEEKS)) / max(near_on_time(problem, greedy, NEAR_WEEKS), 1):>6.2%} |",
              flush=True)
        for method, (result, seconds, same) in runs.items():
            near = near_on_time(problem, result, NEAR_WEEKS)
            gap = (bound - result.on_time) / max(result.on_time, 1) if bound is not None else float("nan")
            print(f"{name:<8} {method:<8} {result.need:>5} {greedy.on_time:>6} {result.on_time:>7} "
                  f"{result.on_time / max(greedy.on_time, 1):>7.3f} {bound if bound is not None else '–':>6} {gap:>7.2%} | "
                  f"{near:>4} {near_best:>5.0f} {(near_best - near) / max(near, 1):>6.2%} | {seconds:>6.1f} "
                  f"{result.stats.get('deterministic_seconds', 0):>6.1f} {seconds / weeks:>6.3f} "
                  f"{'–' if same is None else ('yes' if same else 'NO'):>4} {'yes' if not overruns(options, result) else 'NO':>8}",
                  flush=True)
    print("bound: min(whole-model coverage bound, lb-tree bound); 26w bound: optimum of the plan cut to weeks 0–25; "
          f"load at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
