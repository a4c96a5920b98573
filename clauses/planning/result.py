"""What a planner returns: dated events, coverage per trade, and why need stays uncovered.

Planners choose weeks; ``materialise`` turns those choices into dated events (the day inside the
week from partner and venue weekdays, blackouts and holidays, earliest first: deterministic) and
scores the result with the same ``evaluate`` for every planner."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from zoneinfo import ZoneInfo

from clauses.planning.problem import (
    REASONS_FR,
    CohortOption,
    DiscoveryOption,
    FixedEvent,
    Options,
    PlanningProblem,
    evaluate,
    hires_from,
)

PARIS = ZoneInfo("Europe/Paris")


def local_datetime(day: dt.date, hhmm: str) -> dt.datetime:
    """A Europe/Paris wall-clock time, returned in UTC (timezone-aware)."""
    hour, minute = (int(x) for x in hhmm.split(":"))
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS).astimezone(dt.timezone.utc)


@dataclass
class PlannedEvent:
    kind: str  # discovery / poec
    trade_key: str
    partner_key: str
    venue_key: str | None
    week: int
    start: dt.datetime  # UTC-aware
    end: dt.datetime
    capacity: int
    target_invitations: int
    cohort: int | None = None  # for a discovery: index (in the plan's events) of the cohort it feeds
    fixed_event_id: int | None = None

    def as_dict(self) -> dict:
        data = asdict(self)
        data["start"] = self.start.isoformat()
        data["end"] = self.end.isoformat()
        return data


@dataclass
class TradeCoverage:
    trade_key: str
    need: int
    on_time: int
    late: int
    late_person_weeks: int
    reasons: dict[str, int]

    @property
    def not_on_time(self) -> int:
        """People not trained before the week they are needed: late + uncovered."""
        return self.need - self.on_time

    @property
    def uncovered(self) -> int:
        """People no cohort of the plan trains within its horizon (need = on_time + late + uncovered)."""
        return self.need - self.on_time - self.late

    def as_dict(self) -> dict:
        data = asdict(self)
        data["not_on_time"] = self.not_on_time
        data["uncovered"] = self.uncovered
        data["explanation"] = "; ".join(f"{n} : {REASONS_FR[r]}" for r, n in sorted(self.reasons.items()))
        return data


@dataclass
class PlanResult:
    status: str
    objective: float | None
    bound: float | None
    gap: float | None
    solve_seconds: float
    events: list[PlannedEvent]
    coverage: list[TradeCoverage]
    rates: dict
    upper_bound: int  # people coverable on time given lead times (capacities ignored)
    warnings: list[str] = field(default_factory=list)
    stats: dict = field(default_factory=dict)  # solver effort: build and deterministic seconds, windows

    @property
    def need(self) -> int:
        return sum(c.need for c in self.coverage)

    @property
    def on_time(self) -> int:
        return sum(c.on_time for c in self.coverage)

    @property
    def coverage_ratio(self) -> float:
        return self.on_time / self.need if self.need else 1.0

    @property
    def late(self) -> int:
        return sum(c.late for c in self.coverage)

    def uncovered(self) -> list[dict]:
        """The trades where people are not trained on time (late or uncovered), with the reasons."""
        return [c.as_dict() for c in self.coverage if c.not_on_time > 0]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for e in self.events:
            if e.fixed_event_id is None:
                out[e.kind] += 1
        return dict(out)

    def signature(self) -> list[tuple]:
        """The plan in a comparable form (same input → same signature)."""
        return [
            (e.kind, e.trade_key, e.partner_key, e.venue_key, e.start.isoformat(), e.capacity) for e in self.events
        ]


def _fixed_arrival(problem: PlanningProblem, fixed: FixedEvent) -> int:
    from clauses.planning.calendar import monday_of

    return (monday_of(fixed.last_day) - problem.start).days // 7 + 1


def materialise(
    problem: PlanningProblem,
    options: Options,
    cohorts: list[tuple[CohortOption, int]],
    discoveries: list[tuple[DiscoveryOption, int, int]],
    *,
    status: str,
    objective: float | None,
    bound: float | None,
    gap: float | None,
    solve_seconds: float,
    warnings: list[str] | None = None,
) -> PlanResult:
    """``cohorts``: (option, trainees); ``discoveries``: (option, count, cohort week)."""
    settings = problem.settings
    rates = problem.rates
    warnings = list(warnings or [])
    cal = options.calendar
    partners = {p.key: p for p in problem.partners}

    # Cohorts running per partner and week (chosen and fixed): they take a day slot every day.
    active: dict[tuple[str, int], int] = defaultdict(int)
    for option, _ in cohorts:
        duration = problem.trade(option.trade_key).poec.duration_weeks
        for week in range(option.week, option.week + duration):
            active[(option.partner_key, week)] += 1
    venue_days_used: set[tuple[str, dt.date]] = set()
    partner_day_use: dict[tuple[str, dt.date], int] = defaultdict(int)
    for fixed in problem.fixed:
        if fixed.kind == "poec":
            for week in range(cal.week_of(fixed.first_day), cal.week_of(fixed.last_day) + 1):
                active[(fixed.partner_key, week)] += 1
        else:
            if fixed.venue_key:
                venue_days_used.add((fixed.venue_key, fixed.first_day))
            partner_day_use[(fixed.partner_key, fixed.first_day)] += 1

    events: list[PlannedEvent] = []
    cohort_index: dict[tuple[str, int], list[int]] = defaultdict(list)
    for option, size in sorted(cohorts, key=lambda c: (c[0].week, c[0].trade_key, c[0].partner_key)):
        cohort_index[(option.trade_key, option.week)].append(len(events))
        events.append(
            PlannedEvent(
                kind="poec",
                trade_key=option.trade_key,
                partner_key=option.partner_key,
                venue_key=option.venue_key,
                week=option.week,
                start=local_datetime(option.first_day, settings.times.poec_start),
                end=local_datetime(option.last_day, settings.times.poec_end),
                capacity=size,
                target_invitations=rates.selection_invitations(size),
            )
        )
    for option, count, cohort_week in sorted(
        discoveries, key=lambda d: (d[0].week, d[0].trade_key, d[0].venue_key, d[2])
    ):
        partner = partners[option.partner_key]
        duration = dt.timedelta(hours=problem.trade(option.trade_key).discovery.duration_hours)
        feeds = cohort_index.get((option.trade_key, cohort_week), [None])[0]
        for _ in range(count):
            slots = partner.concurrent_capacity - active[(partner.key, option.week)]
            day = next(
                (
                    d
                    for d in option.days
                    if (option.venue_key, d) not in venue_days_used and partner_day_use[(partner.key, d)] < slots
                ),
                None,
            )
            if day is None:
                day = next((d for d in option.days if (option.venue_key, d) not in venue_days_used), option.days[0])
                warnings.append(
                    f"découverte {option.trade_key} semaine du {cal.week_monday(option.week)} : "
                    "aucun jour libre pour le partenaire, jour partagé"
                )
            venue_days_used.add((option.venue_key, day))
            partner_day_use[(partner.key, day)] += 1
            start = local_datetime(day, settings.times.discovery_start)
            events.append(
                PlannedEvent(
                    kind="discovery",
                    trade_key=option.trade_key,
                    partner_key=option.partner_key,
                    venue_key=option.venue_key,
                    week=option.week,
                    start=start,
                    end=start + duration,
                    capacity=option.seats,
                    target_invitations=rates.discovery_invitations(option.seats),
                    cohort=feeds,
                )
            )
    for fixed in problem.fixed:
        events.append(
            PlannedEvent(
                kind=fixed.kind,
                trade_key=fixed.trade_key,
                partner_key=fixed.partner_key,
                venue_key=fixed.venue_key,
                week=cal.week_of(fixed.first_day),
                start=local_datetime(fixed.first_day, "09:00"),
                end=local_datetime(fixed.last_day, "17:00"),
                capacity=fixed.capacity,
                target_invitations=0,
                fixed_event_id=fixed.event_id,
            )
        )

    coverage = []
    for trade_key in sorted(problem.need):
        series = problem.need[trade_key]
        arrivals: dict[int, int] = defaultdict(int)
        for option, size in cohorts:
            if option.trade_key == trade_key:
                arrivals[option.arrival_week] += hires_from(size, rates)
        for fixed in problem.fixed:
            if fixed.kind == "poec" and fixed.trade_key == trade_key:
                arrivals[_fixed_arrival(problem, fixed)] += hires_from(fixed.capacity, rates)
        score = evaluate(series, arrivals)
        coverage.append(
            TradeCoverage(
                trade_key=trade_key,
                need=score.need,
                on_time=score.on_time,
                late=score.late,
                late_person_weeks=score.late_person_weeks,
                reasons=options.explain(trade_key, score.uncovered_weeks),
            )
        )
    if cal.unknown_school_years:
        years = ", ".join(str(y) for y in sorted(cal.unknown_school_years))
        warnings.append(f"vacances scolaires inconnues pour {years} : considérées comme période scolaire")
    return PlanResult(
        status=status,
        objective=objective,
        bound=bound,
        gap=gap,
        solve_seconds=solve_seconds,
        events=events,
        coverage=coverage,
        rates=rates.as_dict(),
        upper_bound=options.coverable_upper_bound(),
        warnings=warnings,
    )
