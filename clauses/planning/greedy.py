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
from clauses.planning.result import PlanResult, _fixed_arrival, materialise


class _Ledger:
    def __init__(self, problem: PlanningProblem, options: Options) -> None:
        self.problem = problem
        self.cal = options.calendar
        self.partners = {p.key: p for p in problem.partners}
        self.active: dict[tuple[str, int], int] = defaultdict(int)
        self.discs: dict[tuple[str, int], int] = defaultdict(int)
        self.venue: dict[tuple[str, int], int] = defaultdict(int)
        self.team: dict[int, int] = defaultdict(int)
        for fixed in problem.fixed:
            week = self.cal.week_of(fixed.first_day)
            self.team[week] += 1
            if fixed.kind == "poec":
                for w in range(week, self.cal.week_of(fixed.last_day) + 1):
                    self.active[(fixed.partner_key, w)] += 1
            else:
                self.discs[(fixed.partner_key, week)] += 1
                if fixed.venue_key:
                    self.venue[(fixed.venue_key, week)] += 1

    def _partner_ok(self, partner_key: str, week: int, extra_cohorts: int, extra_discs: int) -> bool:
        partner = self.partners[partner_key]
        active = self.active[(partner_key, week)] + extra_cohorts
        if active > partner.concurrent_capacity:
            return False
        days = len(self.cal.partner_days(week, partner))
        discs = self.discs[(partner_key, week)] + extra_discs
        return discs == 0 or days * active + discs <= partner.concurrent_capacity * days

    def cohort_fits(self, option: CohortOption, duration: int) -> bool:
        if self.team[option.week] + 1 > self.problem.settings.max_events_per_week:
            return False
        return all(self._partner_ok(option.partner_key, w, 1, 0) for w in range(option.week, option.week + duration))

    def discovery_fits(self, option: DiscoveryOption) -> bool:
        if self.team[option.week] + 1 > self.problem.settings.max_events_per_week:
            return False
        if self.venue[(option.venue_key, option.week)] + 1 > len(option.days):
            return False
        return self._partner_ok(option.partner_key, option.week, 0, 1)

    def take_cohort(self, option: CohortOption, duration: int) -> None:
        self.team[option.week] += 1
        for w in range(option.week, option.week + duration):
            self.active[(option.partner_key, w)] += 1

    def take_discovery(self, option: DiscoveryOption) -> None:
        self.team[option.week] += 1
        self.venue[(option.venue_key, option.week)] += 1
        self.discs[(option.partner_key, option.week)] += 1

    def release_discovery(self, option: DiscoveryOption) -> None:
        self.team[option.week] -= 1
        self.venue[(option.venue_key, option.week)] -= 1
        self.discs[(option.partner_key, option.week)] -= 1


def plan_greedy(problem: PlanningProblem, options: Options | None = None) -> PlanResult:
    began = time.perf_counter()
    options = options or Options(problem)
    rates = problem.rates
    ledger = _Ledger(problem, options)
    supply: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for fixed in problem.fixed:
        if fixed.kind == "poec":
            supply[fixed.trade_key][_fixed_arrival(problem, fixed)] += hires_from(fixed.capacity, rates)
    demand = sorted(
        (week, trade_key) for trade_key, series in problem.need.items() for week, p in enumerate(series) if p > 0
    )
    cohorts: list[tuple[CohortOption, int]] = []
    used: set[CohortOption] = set()  # one cohort per trade, partner and week, as in the model
    discoveries: list[tuple[DiscoveryOption, int, int]] = []
    for deadline, trade_key in demand:
        series = problem.need[trade_key]
        trade = problem.trade(trade_key)
        duration = trade.poec.duration_weeks
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
                if option in used or not ledger.cohort_fits(option, duration):
                    continue
                size = trade.poec.min_size
                while hires_from(size, rates) < shortfall and size < option.max_size:
                    size += 1
                picked = _recruit(problem, options, ledger, trade_key, option.week, size)
                if picked is None:
                    continue
                ledger.take_cohort(option, duration)
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
