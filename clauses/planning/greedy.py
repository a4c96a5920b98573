"""Baseline: earliest deadline first. Take the need in order of date; for each shortfall, start the
latest cohort whose recruitment event is still in time and whose partner, venue, team, information
session, recruitment event and discoveries have room (kept discoveries free first); for a trade
without POEC, the latest discovery whose recruitment event is in time; never plan late. Same
options and same scoring as the solver, so the two compare like for like."""

from __future__ import annotations

import time
from collections import defaultdict

from fractions import Fraction

from clauses.planning.problem import (
    CohortOption,
    DiscoveryOption,
    FixedEvent,
    Options,
    PlanningProblem,
    Slot,
    completers,
    direct_hires,
    fraction,
    hires_from,
    ready_rate,
    recruitment_events_needed,
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


class _Recruitment:
    """Recruitment events taken so far per slot, and the candidates they already receive."""

    def __init__(self, problem: PlanningProblem, ledger: _Ledger) -> None:
        self.problem = problem
        self.ledger = ledger
        self.held: dict[Slot, int] = defaultdict(int)
        self.sent: dict[Slot, Fraction] = defaultdict(Fraction)

    def more(self, slot: Slot | None, candidates: Fraction) -> int | None:
        """Events to add at ``slot`` for ``candidates`` more; None if the rows have no room."""
        if slot is None:
            return 0
        capacity = self.problem.trade(slot.trade_key).recruitment.candidate_capacity
        extra = recruitment_events_needed(self.sent[slot] + candidates, capacity) - self.held[slot]
        usage = self.ledger.shared.slot_usage[slot]
        return max(extra, 0) if self.ledger._fits([(row, units * max(extra, 0)) for row, units in usage]) else None

    def take(self, slot: Slot | None, candidates: Fraction, extra: int) -> None:
        if slot is None:
            return
        self.ledger._take([(row, units * extra) for row, units in self.ledger.shared.slot_usage[slot]])
        self.held[slot] += extra
        self.sent[slot] += candidates


def plan_greedy(problem: PlanningProblem, options: Options | None = None) -> PlanResult:
    began = time.perf_counter()
    options = options or Options(problem)
    rates = problem.rates
    shared = shared_resources(options)
    ledger = _Ledger(shared)
    recruitment = _Recruitment(problem, ledger)
    for position, slot in options.kept_recruitment:  # kept cohorts waiting for a recruitment event
        sent = completers(problem.fixed[position].capacity, rates)
        recruitment.take(slot, sent, recruitment.more(slot, sent) or 0)
    supply: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for trade_key, arrivals in shared.fixed_arrivals.items():
        supply[trade_key].update(arrivals)
    demand = sorted(
        (week, trade_key) for trade_key, series in problem.need.items() for week, p in enumerate(series) if p > 0
    )
    cohorts: list[tuple[CohortOption, int]] = []
    started: dict[CohortOption, int] = defaultdict(int)  # cohorts per option, up to its max_count
    discoveries: list[tuple[DiscoveryOption, int, int | None]] = []
    kept_free = {id(f): f for by_week in options.kept_discoveries.values() for fs in by_week.values() for f in fs}
    kept_used: list[tuple[FixedEvent, int]] = []
    # Discoveries held per (option, cohort week they recruit for, None for a trade without POEC): at
    # most one a day of the option, as the model counts them.
    held: dict[tuple[DiscoveryOption, int | None], int] = defaultdict(int)
    for deadline, trade_key in demand:
        series = problem.need[trade_key]
        trade = problem.trade(trade_key)
        if trade.poec is None:
            candidates = sorted(
                (o for opts in options.discoveries.get(trade_key, {}).values() for o in opts
                 if o.arrival_week is not None and o.arrival_week <= deadline),
                key=lambda o: (-o.week, o.venue_key),
            )
        else:
            candidates = sorted(
                (o for o in options.cohorts.get(trade_key, []) if o.arrival_week <= deadline),
                key=lambda o: (-o.week, o.partner_key, str(o.venue_key)),
            )
        while True:
            cum_need = sum(series[: deadline + 1])
            cum_supply = sum(n for w, n in supply[trade_key].items() if w <= deadline)
            shortfall = cum_need - cum_supply
            if shortfall <= 0:
                break
            placed = False
            for option in candidates:
                if trade.poec is None:
                    # A discovery whose ready candidates meet employers at its recruitment event.
                    if (held[(option, None)] >= len(option.days) or not ledger.discovery_fits(option)
                            or direct_hires(option.seats, rates) == 0):
                        continue
                    extra = recruitment.more(option.recruitment, option.seats * ready_rate(rates))
                    if extra is None:
                        continue
                    ledger.take_discovery(option)
                    recruitment.take(option.recruitment, option.seats * ready_rate(rates), extra)
                    discoveries.append((option, 1, None))
                    held[(option, None)] += 1
                    supply[trade_key][option.arrival_week] += direct_hires(option.seats, rates)
                    placed = True
                    break
                if started[option] >= option.max_count or not ledger.cohort_fits(option):
                    continue
                size = trade.poec.min_size
                while hires_from(size, rates) < shortfall and size < option.max_size:
                    size += 1
                extra = recruitment.more(option.recruitment, completers(size, rates))
                if extra is None:
                    continue
                picked = _recruit(problem, options, ledger, trade_key, option.week, size, kept_free, held)
                if picked is None:
                    continue
                new, kept = picked
                ledger.take_cohort(option)
                recruitment.take(option.recruitment, completers(size, rates), extra)
                started[option] += 1
                cohorts.append((option, size))
                discoveries.extend((d, 1, option.week) for d in new)
                for fixed in kept:
                    kept_free.pop(id(fixed))
                    kept_used.append((fixed, option.week))
                supply[trade_key][option.arrival_week] += hires_from(size, rates)
                placed = True
                break
            if not placed:
                break
    return materialise(
        problem, options, cohorts, discoveries, status="GREEDY", objective=None, bound=None, gap=None,
        solve_seconds=time.perf_counter() - began, kept_discoveries=kept_used,
    )


def _recruit(problem, options, ledger, trade_key, cohort_week, size, kept_free, held):
    """Discoveries enough to select ``size`` trainees: kept ones that recruit for no cohort first,
    then new ones, latest week first, at most one a day of each option (``held`` counts them); None
    if there is no room."""
    picked: list[DiscoveryOption] = []
    kept: list[FixedEvent] = []
    seats = 0
    weeks = options.discovery_weeks_for(trade_key, cohort_week)
    for week in weeks:
        for fixed in options.kept_discoveries.get(trade_key, {}).get(week, []):
            if id(fixed) in kept_free:
                kept.append(fixed)
                seats += fixed.capacity
                if _enough(size, seats, problem):
                    return picked, kept
    for week in weeks:
        for option in options.discoveries[trade_key].get(week, []):
            while held[(option, cohort_week)] < len(option.days) and ledger.discovery_fits(option):
                ledger.take_discovery(option)
                held[(option, cohort_week)] += 1
                picked.append(option)
                seats += option.seats
                if _enough(size, seats, problem):
                    return picked, kept
    for option in picked:
        ledger.release_discovery(option)
        held[(option, cohort_week)] -= 1
    return None


def _enough(size: int, seats: int, problem: PlanningProblem) -> bool:
    a = fraction(problem.rates.attended_to_selected)
    return size * a.denominator <= a.numerator * seats
