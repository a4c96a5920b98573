"""A planning instance and what every planner (CP-SAT model, greedy baseline) can do in it.

``PlanningProblem`` holds the need, the trades, partners and settings; ``Options`` lists, per trade,
every cohort that could start in a week (partner, venue, dates, size limit) and every discovery
that could be held in a week (partner, venue, days, seats), with the calendars already applied.
``evaluate`` scores any set of cohort arrivals against the need the same way for every planner.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

from clauses.config.partners import Partner, Venue
from clauses.config.planning import PlanningSettings
from clauses.config.trades import Trade
from clauses.planning.calendar import PlanningCalendar
from clauses.planning.demand import Rates

REASONS_FR = {
    "no_partner": "aucun partenaire pour ce métier",
    "lead_time": "délai trop court (découverte, sélection et formation ne tiennent pas avant le besoin)",
    "capacity": "capacités insuffisantes (partenaires, lieux, équipe, calendrier)",
}


@dataclass(frozen=True)
class FixedEvent:
    """An event kept as it is (approved or announced): it uses capacity and, for a cohort, hires."""

    kind: str
    trade_key: str
    partner_key: str
    venue_key: str | None
    first_day: dt.date
    last_day: dt.date
    capacity: int
    event_id: int | None = None


@dataclass
class PlanningProblem:
    start: dt.date  # a Monday: week 0
    weeks: int
    need: dict[str, list[int]]  # trade -> new hires needed at the start of each week
    trades: list[Trade]
    partners: list[Partner]
    settings: PlanningSettings
    rates: Rates
    fixed: list[FixedEvent] = field(default_factory=list)
    # No new discovery before this day: its invitations could not be sent in time (None: no limit).
    earliest_day: dt.date | None = None

    def trade(self, key: str) -> Trade:
        return next(t for t in self.trades if t.key == key)

    def partner(self, key: str) -> Partner:
        return next(p for p in self.partners if p.key == key)


@dataclass(frozen=True)
class CohortOption:
    trade_key: str
    partner_key: str
    venue_key: str | None
    week: int
    first_day: dt.date
    last_day: dt.date
    arrival_week: int  # the week its trainees can start on a site
    max_size: int


@dataclass(frozen=True)
class DiscoveryOption:
    trade_key: str
    partner_key: str
    venue_key: str
    week: int
    days: tuple[dt.date, ...]
    seats: int


def _serves(partner: Partner, trade_key: str, kind: str) -> bool:
    return kind in partner.event_kinds and (not partner.trades or trade_key in partner.trades)


def fraction(x: float) -> Fraction:
    return Fraction(x).limit_denominator(1000)


def hires_from(trainees: int, rates: Rates) -> int:
    """Expected hires from a cohort of ``trainees`` (rounded down: never promise a part person)."""
    y = fraction(rates.hires_per_trainee)
    return (trainees * y.numerator) // y.denominator


class Options:
    """Everything a planner may choose from, calendars applied."""

    def __init__(self, problem: PlanningProblem, calendar: PlanningCalendar | None = None) -> None:
        self.problem = problem
        self.calendar = calendar or PlanningCalendar(problem.start, problem.weeks, problem.settings.calendars)
        cal = self.calendar
        weeks = problem.weeks
        window = problem.settings.discovery_window_weeks
        self.discoveries: dict[str, dict[int, list[DiscoveryOption]]] = {}
        self.cohorts: dict[str, list[CohortOption]] = {}
        self.no_partner: dict[str, str] = {}
        for trade in sorted(problem.trades, key=lambda t: t.key):
            if trade.key not in problem.need:
                continue
            poec_partners = [p for p in problem.partners if _serves(p, trade.key, "poec")]
            disc_partners = [p for p in problem.partners if _serves(p, trade.key, "discovery") and p.venues]
            if not poec_partners or not disc_partners:
                self.no_partner[trade.key] = "poec" if not poec_partners else "discovery"
                continue
            by_week: dict[int, list[DiscoveryOption]] = {}
            for week in range(weeks):
                found = []
                for partner in disc_partners:
                    for venue in partner.venues:
                        days = cal.discovery_days(week, partner, venue)
                        if problem.earliest_day is not None:
                            days = [d for d in days if d >= problem.earliest_day]
                        if days:
                            seats = min(trade.discovery.capacity, venue.capacity)
                            found.append(
                                DiscoveryOption(trade.key, partner.key, venue.key, week, tuple(days), seats)
                            )
                if found:
                    by_week[week] = found
            self.discoveries[trade.key] = by_week
            lead = trade.poec.lead_weeks_after_discovery
            duration = trade.poec.duration_weeks
            cohorts = []
            for week in range(weeks - duration):
                if not any(week - lead - k in by_week for k in range(1, window + 1)):
                    continue
                for partner in poec_partners:
                    venue = self._cohort_venue(partner, trade)
                    if partner.venues and venue is None:
                        continue
                    days = cal.cohort_days(week, duration, partner, venue)
                    if days is None:
                        continue
                    size = trade.poec.max_size if venue is None else min(trade.poec.max_size, venue.capacity)
                    cohorts.append(
                        CohortOption(
                            trade.key, partner.key, venue.key if venue else None, week,
                            days[0], days[1], week + duration, size,
                        )
                    )
            self.cohorts[trade.key] = cohorts

    @staticmethod
    def _cohort_venue(partner: Partner, trade: Trade) -> Venue | None:
        """The partner's first venue large enough for a minimal cohort; None if it has no venue."""
        for venue in partner.venues:
            if venue.capacity >= trade.poec.min_size:
                return venue
        return None

    def discovery_weeks_for(self, trade_key: str, cohort_week: int) -> list[int]:
        trade = self.problem.trade(trade_key)
        lead = trade.poec.lead_weeks_after_discovery
        window = self.problem.settings.discovery_window_weeks
        return [cohort_week - lead - k for k in range(1, window + 1) if cohort_week - lead - k >= 0]

    def earliest_arrival(self, trade_key: str) -> int | None:
        cohorts = self.cohorts.get(trade_key) or []
        return min((c.arrival_week for c in cohorts), default=None)

    def explain(self, trade_key: str, uncovered_weeks: dict[int, int]) -> dict[str, int]:
        """Split uncovered need (week -> people) into reasons."""
        reasons: dict[str, int] = defaultdict(int)
        if trade_key in self.no_partner:
            reasons["no_partner"] = sum(self.problem.need.get(trade_key, []))
            return dict(reasons)
        earliest = self.earliest_arrival(trade_key)
        for week, people in uncovered_weeks.items():
            if people <= 0:
                continue
            if earliest is None or week < earliest:
                reasons["lead_time"] += people
            else:
                reasons["capacity"] += people
        return dict(reasons)

    def coverable_upper_bound(self) -> int:
        """People needed that some cohort could reach on time, ignoring every capacity."""
        total = 0
        for trade_key, series in self.problem.need.items():
            earliest = self.earliest_arrival(trade_key)
            if earliest is None:
                continue
            total += sum(p for w, p in enumerate(series) if w >= earliest)
        return total


@dataclass
class Coverage:
    """need = on_time + late + uncovered: trained before the week they are needed, trained later
    within the plan's horizon, not trained within it."""

    need: int
    on_time: int
    late: int
    uncovered_weeks: dict[int, int]  # week -> people not covered on time
    late_person_weeks: int

    @property
    def uncovered(self) -> int:
        return self.need - self.on_time - self.late


def evaluate(series: list[int], arrivals: dict[int, int]) -> Coverage:
    """Serve the need from trained people in arrival order (the best on-time coverage any
    assignment can reach), then late: people needed but not yet available, week after week."""
    weeks = len(series)
    stock = 0
    on_time = 0
    uncovered: dict[int, int] = {}
    for week in range(weeks):
        stock += arrivals.get(week, 0)
        served = min(stock, series[week])
        stock -= served
        on_time += served
        if series[week] > served:
            uncovered[week] = series[week] - served
    need = sum(series)
    late = min(need - on_time, max(0, sum(a for w, a in arrivals.items() if w < weeks) - on_time))
    # person-weeks of shortage: cumulative need minus cumulative supply, week by week
    shortage = 0
    cum_need = cum_supply = 0
    for week in range(weeks):
        cum_need += series[week]
        cum_supply += arrivals.get(week, 0)
        shortage += max(0, cum_need - cum_supply)
    return Coverage(need, on_time, late, uncovered, shortage)


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def discoveries_needed(trainees: int, seats: int, rates: Rates) -> int:
    a = fraction(rates.attended_to_selected)
    # trainees <= a * seats * count
    return math.ceil(trainees * a.denominator / (a.numerator * seats))
