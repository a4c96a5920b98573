"""Baseline: earliest deadline first. Take the need in order of date; for each shortfall, start the
latest cohort that still ends in time and whose partner, team and discoveries have room; never plan
late. Same options and same scoring as the solver, so the two compare like for like."""

from __future__ import annotations

import time
from collections import defaultdict

from clauses.planning.problem import (
    CohortOption,
    DiscoveryOption,
    Options,
    PlanningProblem,
    hires_from,
)
from clauses.planning.resources import SharedResources, shared_resources
from clauses.planning.result import PlanResult, materialise


class _Ledger:
    """What is left of each shared row (``resources``) as events are taken."""

    def __init__(self, shared: SharedResources) -> None:
        self.shared = shared
        self.left = dict(shared.capacity)

    def _fits(self, usage) -> bool:
        return all(self.left[row] >= units for row, units in usage)

    def _take(self, usage, sign: int = 1) -> None:
        for row, units in usage:
            self.left[row] -= sign * units

    def cohort_fits(self, option: CohortOption) -> bool:
        return self._fits(self.shared.cohort_usage[option])

    def discovery_fits(self, option: DiscoveryOption) -> bool:
        return self._fits(self.shared.discovery_usage[option])

    def take_cohort(self, option: CohortOption) -> None:
        self._take(self.shared.cohort_usage[option])

    def take_discovery(self, option: DiscoveryOption) -> None:
        self._take(self.shared.discovery_usage[option])

    def release_discovery(self, option: DiscoveryOption) -> None:
        self._take(self.shared.discovery_usage[option], -1)


def plan_greedy(problem: PlanningProblem, options: Options | None = None) -> PlanResult:
    began = time.perf_counter()
    options = options or Options(problem)
    rates = problem.rates
    shared = shared_resources(options)
    ledger = _Ledger(shared)
    supply: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for trade_key, arrivals in shared.fixed_arrivals.items():
        supply[trade_key].update(arrivals)
    demand = sorted(
        (week, trade_key) for trade_key, series in problem.need.items() for week, p in enumerate(series) if p > 0
    )
    cohorts: list[tuple[CohortOption, int]] = []
    used: set[CohortOption] = set()  # one cohort per trade, partner and week, as in the model
    discoveries: list[tuple[DiscoveryOption, int, int]] = []
    for deadline, trade_key in demand:
        series = problem.need[trade_key]
        trade = problem.trade(trade_key)
        candidates = sorted(
            (o for o in options.cohorts.get(trade_key, []) if o.arrival_week <= deadline),
            key=lambda o: (-o.week, o.partner_key),
        )
        while True:
            cum_need = sum(series[: deadline + 1])
            cum_supply = sum(n for w, n in supply[trade_key].items() if w <= deadline)
            shortfall = cum_need - cum_supply
            if shortfall <= 0:
                break
            placed = False
            for option in candidates:
                if option in used or not ledger.cohort_fits(option):
                    continue
                size = trade.poec.min_size
                while hires_from(size, rates) < shortfall and size < option.max_size:
                    size += 1
                picked = _recruit(problem, options, ledger, trade_key, option.week, size)
                if picked is None:
                    continue
                ledger.take_cohort(option)
                used.add(option)
                cohorts.append((option, size))
                discoveries.extend((d, 1, option.week) for d in picked)
                supply[trade_key][option.arrival_week] += hires_from(size, rates)
                placed = True
                break
            if not placed:
                break
    return materialise(
        problem, options, cohorts, discoveries, status="GREEDY", objective=None, bound=None, gap=None,
        solve_seconds=time.perf_counter() - began,
    )


def _recruit(problem, options, ledger, trade_key, cohort_week, size) -> list[DiscoveryOption] | None:
    """Discoveries enough to select ``size`` trainees, latest week first; None if there is no room."""
    picked: list[DiscoveryOption] = []
    seats = 0
    for week in options.discovery_weeks_for(trade_key, cohort_week):
        for option in options.discoveries[trade_key].get(week, []):
            while ledger.discovery_fits(option):
                ledger.take_discovery(option)
                picked.append(option)
                seats += option.seats
                if _enough(size, seats, problem):
                    return picked
    for option in picked:
        ledger.release_discovery(option)
    return None


def _enough(size: int, seats: int, problem: PlanningProblem) -> bool:
    from clauses.planning.problem import fraction

    a = fraction(problem.rates.attended_to_selected)
    return size * a.denominator <= a.numerator * seats
