"""What a planner returns: dated events, coverage per trade, and why need stays uncovered.

Planners choose weeks; ``materialise`` turns those choices into dated events (the day inside the
week from partner and venue weekdays, blackouts and holidays, earliest first: deterministic), adds
the chain's one-day steps around each cohort (its information session, its recruitment event,
shared by the cohorts of a trade whose window opens the same week, as many as the candidates
need), links them, and scores the result with the same ``evaluate`` for every planner."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from zoneinfo import ZoneInfo

from clauses.french import EVENT_KIND_LABELS, day_long, de

from clauses.planning.problem import (
    REASONS_FR,
    CohortOption,
    DiscoveryOption,
    FixedEvent,
    Options,
    PlanningProblem,
    Slot,
    cohort_arrivals,
    completers,
    direct_hires,
    fixed_hires,
    evaluate,
    ready_rate,
    recruitment_events_needed,
)

PARIS = ZoneInfo("Europe/Paris")


def local_datetime(day: dt.date, hhmm: str) -> dt.datetime:
    """A Europe/Paris wall-clock time, returned in UTC (timezone-aware)."""
    hour, minute = (int(x) for x in hhmm.split(":"))
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS).astimezone(dt.timezone.utc)


@dataclass
class PlannedEvent:
    kind: str  # information_session / discovery / poec / recruitment (``EVENT_KINDS``)
    trade_key: str
    partner_key: str
    venue_key: str | None
    week: int
    start: dt.datetime  # UTC-aware
    end: dt.datetime
    capacity: int
    target_invitations: int
    cohort: int | None = None  # for a discovery or information session: index (in the plan's events) of the cohort it feeds
    fixed_event_id: int | None = None
    # For a cohort (or a discovery of a trade without POEC): index of the recruitment event where
    # its candidates meet employers.
    hiring: int | None = None
    employer_capacity: int | None = None  # for a recruitment event: companies it can receive

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

    @property
    def explanation(self) -> str:
        """Why people are not trained on time, in French: « 2 : aucun partenaire pour ce métier »."""
        return " ; ".join(f"{n} : {REASONS_FR[r]}" for r, n in sorted(self.reasons.items()))

    def as_dict(self) -> dict:
        data = asdict(self)
        data["not_on_time"] = self.not_on_time
        data["uncovered"] = self.uncovered
        data["explanation"] = self.explanation
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
    """The week from which a kept cohort's hires count."""
    from clauses.planning.calendar import monday_of

    if fixed.hires_from_day is not None:
        return (monday_of(fixed.hires_from_day) - problem.start).days // 7
    return (monday_of(fixed.last_day) - problem.start).days // 7 + 1


class _Days:
    """Which day of its week each one-day event takes: the first of its allowed days where its
    venue is free and its partner has a slot (cohorts running take theirs), earliest first."""

    def __init__(self, problem: PlanningProblem, options: Options, cohorts: list[tuple[CohortOption, int]],
                 warnings: list[str]) -> None:
        self.cal = options.calendar
        self.partners = {p.key: p for p in problem.partners}
        self.labels = {t.key: t.label for t in problem.trades}
        self.warnings = warnings
        self.active: dict[tuple[str, int], int] = defaultdict(int)
        self.rooms = {v.key: v.rooms for p in problem.partners for v in p.venues}
        self.venue_day_use: dict[tuple[str, dt.date], int] = defaultdict(int)  # one-day events held
        self.partner_day_use: dict[tuple[str, dt.date], int] = defaultdict(int)
        for option, _ in cohorts:
            duration = problem.trade(option.trade_key).poec.duration_weeks
            for week in range(option.week, option.week + duration):
                self.active[(option.partner_key, week)] += 1
        for fixed in problem.fixed:
            if fixed.kind == "poec":
                for week in range(self.cal.week_of(fixed.first_day), self.cal.week_of(fixed.last_day) + 1):
                    self.active[(fixed.partner_key, week)] += 1
            else:
                if fixed.venue_key:
                    self.venue_day_use[(fixed.venue_key, fixed.first_day)] += 1
                self.partner_day_use[(fixed.partner_key, fixed.first_day)] += 1

    def take(self, kind: str, trade_key: str, partner_key: str, venue_key: str, week: int,
             days: tuple[dt.date, ...]) -> dt.date:
        partner = self.partners[partner_key]
        slots = partner.concurrent_capacity - self.active[(partner.key, week)]

        def room_free(d: dt.date) -> bool:
            return self.venue_day_use[(venue_key, d)] < self.rooms.get(venue_key, 1)

        day = next((d for d in days if room_free(d) and self.partner_day_use[(partner.key, d)] < slots), None)
        if day is None:
            day = next((d for d in days if room_free(d)), days[0])
            self.warnings.append(
                f"{EVENT_KIND_LABELS.get(kind, kind)} {de(self.labels.get(trade_key, trade_key))}, semaine du "
                f"{day_long(self.cal.week_monday(week))} : aucun jour libre pour {partner.name}, jour partagé"
            )
        self.venue_day_use[(venue_key, day)] += 1
        self.partner_day_use[(partner.key, day)] += 1
        return day



def _one_day(problem: PlanningProblem, days: _Days, kind: str, slot_like, *, hours: float, hhmm: str,
             capacity: int, target: int, **links) -> PlannedEvent:
    day = days.take(kind, slot_like.trade_key, slot_like.partner_key, slot_like.venue_key, slot_like.week, slot_like.days)
    start = local_datetime(day, hhmm)
    return PlannedEvent(
        kind=kind, trade_key=slot_like.trade_key, partner_key=slot_like.partner_key, venue_key=slot_like.venue_key,
        week=slot_like.week, start=start, end=start + dt.timedelta(hours=hours), capacity=capacity,
        target_invitations=target, **links,
    )


def materialise(
    problem: PlanningProblem,
    options: Options,
    cohorts: list[tuple[CohortOption, int]],
    discoveries: list[tuple[DiscoveryOption, int, int | None]],
    *,
    status: str,
    objective: float | None,
    bound: float | None,
    gap: float | None,
    solve_seconds: float,
    warnings: list[str] | None = None,
    kept_discoveries: list[tuple[FixedEvent, int]] | None = None,
) -> PlanResult:
    """``cohorts``: (option, trainees), one per cohort; ``discoveries``: (option, count, cohort
    week; None for a trade without POEC); ``kept_discoveries``: (kept discovery, week of the new
    cohorts it recruits for)."""
    settings = problem.settings
    rates = problem.rates
    warnings = list(options.warnings) + [w for w in (warnings or []) if w not in options.warnings]
    cal = options.calendar
    venues = {v.key: v for p in problem.partners for v in p.venues}
    days = _Days(problem, options, cohorts, warnings)

    events: list[PlannedEvent] = []
    cohort_index: dict[tuple[str, int], list[int]] = defaultdict(list)
    # recruitment slot -> (event index of a cohort or discovery, candidates it sends)
    sent: dict[Slot, list[tuple[int, object]]] = defaultdict(list)
    option_of: dict[int, CohortOption] = {}
    for option, size in sorted(cohorts, key=lambda c: (c[0].week, c[0].trade_key, c[0].partner_key, str(c[0].venue_key), -c[1])):
        cohort_index[(option.trade_key, option.week)].append(len(events))
        option_of[len(events)] = option
        if option.recruitment is not None:
            sent[option.recruitment].append((len(events), completers(size, rates)))
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
    # Information sessions: one per cohort, at the trade's lead before its selection.
    for index, option in option_of.items():
        if option.information is None:
            continue
        params = problem.trade(option.trade_key).information_session
        seats = min(params.capacity, venues[option.information.venue_key].capacity)
        events.append(_one_day(
            problem, days, "information_session", option.information, hours=params.duration_hours,
            hhmm=settings.times.information_session_start, capacity=seats,
            target=rates.discovery_invitations(seats), cohort=index,
        ))
    for option, count, cohort_week in sorted(
        discoveries, key=lambda d: (d[0].week, d[0].trade_key, d[0].venue_key, -1 if d[2] is None else d[2])
    ):
        hours = problem.trade(option.trade_key).discovery.duration_hours
        feeds = None if cohort_week is None else cohort_index.get((option.trade_key, cohort_week), [None])[0]
        for _ in range(count):
            if option.recruitment is not None:
                sent[option.recruitment].append((len(events), option.seats * ready_rate(rates)))
            events.append(_one_day(
                problem, days, "discovery", option, hours=hours, hhmm=settings.times.discovery_start,
                capacity=option.seats, target=rates.discovery_invitations(option.seats), cohort=feeds,
            ))
    # Kept cohorts waiting for a recruitment event go to one held with the new events' (keyed by
    # their position in ``problem.fixed``, negative: their events come last).
    for position, slot in options.kept_recruitment:
        sent[slot].append((-1 - position, completers(problem.fixed[position].capacity, rates)))
    kept_hiring: dict[int, int] = {}
    # Recruitment events: as many as the candidates sent need; each cohort (or discovery) goes to one.
    for slot in sorted(sent, key=lambda s: (s.week, s.trade_key)):
        params = problem.trade(slot.trade_key).recruitment
        total = sum(n for _, n in sent[slot])
        count = recruitment_events_needed(total, params.candidate_capacity)
        first = len(events)
        seats = params.candidate_capacity
        for _ in range(count):
            events.append(_one_day(
                problem, days, "recruitment", slot, hours=params.duration_hours,
                hhmm=settings.times.recruitment_start, capacity=seats, target=seats,
                employer_capacity=params.employer_capacity,
            ))
        before = 0
        for index, candidates in sent[slot]:
            hiring = first + min(int(before // seats), max(count - 1, 0))
            if index >= 0:
                events[index].hiring = hiring
            else:
                kept_hiring[-1 - index] = hiring
            before += candidates
    first_kept = len(events)
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
    for position, hiring in kept_hiring.items():
        events[first_kept + position].hiring = hiring
    for fixed, cohort_week in kept_discoveries or []:
        feeds = cohort_index.get((fixed.trade_key, cohort_week))
        planned = next((e for e in events if e.fixed_event_id is not None and e.fixed_event_id == fixed.event_id), None)
        if feeds and planned is not None:
            planned.cohort = feeds[0]

    coverage = []
    for trade_key in sorted(problem.need):
        series = problem.need[trade_key]
        arrivals = cohort_arrivals([(o, size) for o, size in cohorts if o.trade_key == trade_key], rates)
        for option, count, cohort_week in discoveries:
            if option.trade_key == trade_key and cohort_week is None and option.arrival_week is not None:
                arrivals[option.arrival_week] += direct_hires(option.seats * count, rates)
        for fixed in problem.fixed:
            if fixed.trade_key == trade_key and (hires := fixed_hires(fixed, rates)):
                arrivals[_fixed_arrival(problem, fixed)] += hires
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
