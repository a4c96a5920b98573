"""A planning instance and what every planner (CP-SAT model, greedy baseline) can do in it.

``PlanningProblem`` holds the need, the trades, partners and settings; ``Options`` lists, per trade,
every cohort that could start in a week (partner, venue, dates, size limit) and every discovery
that could be held in a week (partner, venue, days, seats), with the calendars already applied.
``evaluate`` scores any set of cohort arrivals against the need the same way for every planner.

The chain to a job, per trade as configured: information session (optional) → discovery → POEC
cohort → recruitment event. The one-day steps around a cohort are placed with it, as ``Slot``s: its
information session the trade's lead before its selection, its recruitment event in the first week
of the trade's window after it ends where a host has a day (several cohorts of a trade whose window
opens the same week share the events of that week). Its hires count from the week after the
recruitment event. A trade without POEC goes from discovery to recruitment event: the discovery's
ready candidates (attended × selected) meet employers there.
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
    # For a discovery or an information session: the event it recruits for (a kept discovery that
    # recruits for no kept cohort recruits for the new plan's cohorts).
    recruits_for_event_id: int | None = None
    # For a cohort: the day from which its hires count, the Monday after its recruitment event (None:
    # the Monday after the cohort ends).
    hires_from_day: dt.date | None = None
    # For a cohort kept without a recruitment event: the first day of the week the new plan holds one
    # for its completers (see ``kept_recruitment``), and the day of the one the coordinator cancelled,
    # whose week is not proposed again.
    recruitment_day: dt.date | None = None
    cancelled_recruitment_day: dt.date | None = None


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
class Slot:
    """A one-day step of the chain (information session, recruitment event): its host, venue, week
    and the days it may take there."""

    kind: str  # information_session / recruitment
    trade_key: str
    partner_key: str
    venue_key: str
    week: int
    days: tuple[dt.date, ...]


@dataclass(frozen=True)
class CohortOption:
    trade_key: str
    partner_key: str
    venue_key: str | None
    week: int
    first_day: dt.date
    last_day: dt.date
    arrival_week: int  # the week its trainees can start on a site (after its recruitment event)
    max_size: int  # trainees of one cohort
    # Cohorts of this trade the partner may start that week at once (at a venue, one per room).
    max_count: int = 1
    information: Slot | None = None  # its information session, if the trade has one
    recruitment: Slot | None = None  # its recruitment event (None: no host, hires at the end)


@dataclass(frozen=True)
class DiscoveryOption:
    trade_key: str
    partner_key: str
    venue_key: str
    week: int
    days: tuple[dt.date, ...]
    seats: int
    # A trade without POEC: the recruitment event its ready candidates go to, and the week they
    # can start on a site.
    recruitment: Slot | None = None
    arrival_week: int | None = None


def _serves(partner: Partner, trade_key: str, kind: str) -> bool:
    return kind in partner.event_kinds and (not partner.trades or trade_key in partner.trades)


def fraction(x: float) -> Fraction:
    return Fraction(x).limit_denominator(1000)


def hires_from(trainees: int, rates: Rates) -> int:
    """Expected hires from a cohort of ``trainees`` (rounded down: never promise a part person)."""
    y = fraction(rates.hires_per_trainee)
    return (trainees * y.numerator) // y.denominator


def ready_rate(rates: Rates) -> Fraction:
    """A trade without POEC: candidates ready for a job per discovery seat (attended × selected)."""
    return fraction(rates.attended_to_selected)


def direct_hire_rate(rates: Rates) -> Fraction:
    """A trade without POEC: hires per discovery seat (ready candidates × completed to hired)."""
    return ready_rate(rates) * fraction(rates.completed_to_hired)


def direct_hires(seats: int, rates: Rates) -> int:
    """Expected hires from ``seats`` discovery seats of a trade without POEC (rounded down)."""
    r = direct_hire_rate(rates)
    return (seats * r.numerator) // r.denominator


def cohort_arrivals(cohorts, rates: Rates) -> dict[int, int]:
    """Week -> hires of ``cohorts`` ((option, trainees) pairs). The cohorts of one option (started
    together, by one partner) are rounded down once, on their trainees together, as the model
    counts them: 7 + 7 trainees at a yield of 1/2 give 7 hires, not 3 + 3."""
    trainees: dict = defaultdict(int)
    for option, size in cohorts:
        trainees[option] += size
    arrivals: dict[int, int] = defaultdict(int)
    for option, total in trainees.items():
        arrivals[option.arrival_week] += hires_from(total, rates)
    return arrivals


def fixed_hires(fixed: FixedEvent, rates: Rates) -> int:
    """The hires an event kept as it is brings: a cohort's, or a discovery's of a trade without
    POEC (one whose candidates go to a recruitment event: it has ``hires_from_day``)."""
    if fixed.kind == "poec":
        return hires_from(fixed.capacity, rates)
    if fixed.kind == "discovery" and fixed.recruits_for_event_id is None and fixed.hires_from_day is not None:
        return direct_hires(fixed.capacity, rates)
    return 0


def completers(trainees: int, rates: Rates) -> Fraction:
    """Expected completers of a cohort: the candidates it sends to its recruitment event."""
    return trainees * fraction(rates.selected_to_completed)


def recruitment_events_needed(candidates: Fraction, capacity: int) -> int:
    """Recruitment events to receive ``candidates`` (each receives ``capacity``)."""
    return math.ceil(candidates / capacity) if candidates > 0 else 0


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
        self.warnings: list[str] = []
        self._slots: dict[tuple[str, str, int], Slot | None] = {}
        # Kept discoveries that recruit for no kept cohort: their seats recruit for new cohorts.
        kept_cohorts = {f.event_id for f in problem.fixed if f.kind == "poec" and f.event_id is not None}
        self.kept_discoveries: dict[str, dict[int, list[FixedEvent]]] = defaultdict(lambda: defaultdict(list))
        for fixed in problem.fixed:
            if fixed.kind == "discovery" and fixed.recruits_for_event_id not in kept_cohorts:
                week = cal.week_of(fixed.first_day)
                if 0 <= week < weeks:
                    self.kept_discoveries[fixed.trade_key][week].append(fixed)
        for trade in sorted(problem.trades, key=lambda t: t.key):
            if trade.key not in problem.need:
                continue
            poec_partners = [p for p in problem.partners if _serves(p, trade.key, "poec")]
            disc_partners = [p for p in problem.partners if _serves(p, trade.key, "discovery") and p.venues]
            if (trade.poec is not None and not poec_partners) or not disc_partners:
                self.no_partner[trade.key] = "discovery" if not disc_partners else "poec"
                continue
            if not self.hosts("recruitment", trade.key):
                self.warnings.append(
                    f"aucun partenaire n'organise de rencontre de recrutement pour « {trade.label} » : "
                    "embauches comptées dès la fin de la POEC"
                    if trade.poec is not None else
                    f"aucun partenaire n'organise de rencontre de recrutement pour « {trade.label} » : "
                    "embauches comptées dès la découverte"
                )
            if trade.information_session is not None and not self.hosts("information_session", trade.key):
                self.warnings.append(
                    f"aucun partenaire n'organise de réunion d'information pour « {trade.label} » : "
                    "cohortes sans réunion d'information"
                )
            by_week: dict[int, list[DiscoveryOption]] = {}
            for week in range(weeks):
                found = []
                for partner in disc_partners:
                    for venue in partner.venues:
                        days = self._new_event_days(week, partner, venue)
                        if days:
                            seats = min(trade.discovery.capacity, venue.capacity)
                            option = DiscoveryOption(trade.key, partner.key, venue.key, week, tuple(days), seats)
                            if trade.poec is None:
                                slot = self._after(trade.key, week)
                                if slot is False:
                                    continue
                                arrival = week + 1 if slot is None else slot.week + 1
                                option = DiscoveryOption(
                                    trade.key, partner.key, venue.key, week, tuple(days), seats, slot, arrival
                                )
                            found.append(option)
                if found:
                    by_week[week] = found
            self.discoveries[trade.key] = by_week
            if trade.poec is None:
                self.cohorts[trade.key] = []
                continue
            lead = trade.poec.lead_weeks_after_discovery
            duration = trade.poec.duration_weeks
            kept = self.kept_discoveries.get(trade.key, {})
            cohorts = []
            for week in range(weeks - duration):
                if not any(week - lead - k in by_week or week - lead - k in kept for k in range(1, window + 1)):
                    continue
                recruitment = self._after(trade.key, week + duration - 1)
                if recruitment is False:
                    continue
                arrival = week + duration if recruitment is None else recruitment.week + 1
                information = None
                if trade.information_session is not None and self.hosts("information_session", trade.key):
                    information = self._information(trade, week - lead)
                    if information is None:
                        continue
                for partner in poec_partners:
                    for venue in self._cohort_venues(partner, trade):
                        days = cal.cohort_days(week, duration, partner, venue)
                        if days is None:
                            continue
                        size = trade.poec.max_size if venue is None else min(trade.poec.max_size, venue.capacity)
                        cohorts.append(
                            CohortOption(
                                trade.key, partner.key, venue.key if venue else None, week,
                                days[0], days[1], arrival, size,
                                max_count=min(venue.rooms, partner.concurrent_capacity) if venue is not None
                                else partner.concurrent_capacity,
                                information=information, recruitment=recruitment,
                            )
                        )
            self.cohorts[trade.key] = cohorts
        self.kept_recruitment: list[tuple[int, Slot]] = self.find_kept_recruitment()

    def _new_event_days(self, week: int, partner: Partner, venue: Venue) -> list[dt.date]:
        """Days a new one-day event (discovery, information session, recruitment) can take: not
        before ``earliest_day``, when its invitations could not leave in time."""
        days = self.calendar.discovery_days(week, partner, venue)
        if self.problem.earliest_day is not None:
            days = [d for d in days if d >= self.problem.earliest_day]
        return days

    def hosts(self, kind: str, trade_key: str) -> list[Partner]:
        """The partners that hold ``kind`` events for the trade, at a venue."""
        return [p for p in self.problem.partners if _serves(p, trade_key, kind) and p.venues]

    def slot(self, kind: str, trade_key: str, week: int) -> Slot | None:
        """The first host and venue (configuration order) that can hold ``kind`` in ``week``."""
        key = (kind, trade_key, week)
        if key not in self._slots:
            found = None
            if 0 <= week < self.problem.weeks:
                for partner in self.hosts(kind, trade_key):
                    for venue in partner.venues:
                        days = self._new_event_days(week, partner, venue)
                        if days:
                            found = Slot(kind, trade_key, partner.key, venue.key, week, tuple(days))
                            break
                    if found:
                        break
            self._slots[key] = found
        return self._slots[key]

    def _after(self, trade_key: str, last_week: int) -> Slot | None | bool:
        """The recruitment event after a step ending in ``last_week``: the first week of the trade's
        window with a host day, before the horizon's last week (None: the trade has no host at
        all; False: no day in the window)."""
        if not self.hosts("recruitment", trade_key):
            return None
        return next(iter(self.recruitment_slots(trade_key, last_week)), False)

    def recruitment_slots(self, trade_key: str, last_week: int) -> list[Slot]:
        """The recruitment events a step ending in ``last_week`` may send its candidates to: each
        week of the trade's window with a host day, before the horizon's last week, in order."""
        window = self.problem.trade(trade_key).recruitment.window_weeks_after_cohort
        weeks = range(last_week + 1, min(last_week + 2 + window, self.problem.weeks - 1))
        return [slot for week in weeks if (slot := self.slot("recruitment", trade_key, week)) is not None]

    def find_kept_recruitment(self) -> list[tuple[int, Slot]]:
        """(position in ``problem.fixed``, recruitment event) of the kept cohorts whose completers go
        to a recruitment event this plan holds (``FixedEvent.recruitment_day``), when its week is in
        the horizon."""
        found = []
        for position, fixed in enumerate(self.problem.fixed):
            if fixed.kind == "poec" and fixed.recruitment_day is not None:
                slot = self.slot("recruitment", fixed.trade_key, self.calendar.week_of(fixed.recruitment_day))
                if slot is not None:
                    found.append((position, slot))
        return found

    def _information(self, trade: Trade, selection_week: int) -> Slot | None:
        """The information session of a cohort whose selection is in ``selection_week``: the
        trade's lead before it, or up to two weeks earlier when no host has a day then."""
        target = selection_week - trade.information_session.weeks_before_selection
        for week in (target, target - 1, target - 2):
            found = self.slot("information_session", trade.key, week)
            if found is not None:
                return found
        return None

    @staticmethod
    def _cohort_venues(partner: Partner, trade: Trade) -> list[Venue | None]:
        """Venues of the partner large enough for a minimal cohort; [None] if it lists no venue
        (then only its ``concurrent_capacity`` limits it)."""
        if not partner.venues:
            return [None]
        return [venue for venue in partner.venues if venue.capacity >= trade.poec.min_size]

    def discovery_weeks_for(self, trade_key: str, cohort_week: int) -> list[int]:
        trade = self.problem.trade(trade_key)
        lead = trade.poec.lead_weeks_after_discovery
        window = self.problem.settings.discovery_window_weeks
        return [cohort_week - lead - k for k in range(1, window + 1) if cohort_week - lead - k >= 0]

    def earliest_arrival(self, trade_key: str) -> int | None:
        if self.problem.trade(trade_key).poec is None:
            found = [o.arrival_week for by_week in [self.discoveries.get(trade_key, {})] for opts in by_week.values()
                     for o in opts]
            return min(found, default=None)
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
