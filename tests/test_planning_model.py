"""The CP-SAT planner on small instances with a known optimum: each constraint binds in a test."""

from __future__ import annotations

import datetime as dt

import pytest
from ortools.sat.python import cp_model

from clauses.config.partners import Blackout, Partner, Venue
from clauses.config.trades import Trade
from clauses.config.planning import ObjectiveWeights
from clauses.planning.charts import idle_trades
from clauses.planning.demand import Rates
from clauses.planning.greedy import plan_greedy
from clauses.planning.model import coverage_model, solve
from clauses.planning.problem import FixedEvent, Options, PlanningProblem
from clauses.planning.result import PARIS
from clauses.planning.report import markdown

START = dt.date(2026, 1, 5)  # a Monday
RATES = Rates(invited_to_attended=0.5, attended_to_selected=0.5, selected_to_completed=1.0, completed_to_hired=0.5)


def trade(key="macon", **poec) -> Trade:
    params = {"hours": 140, "duration_weeks": 4, "min_size": 4, "max_size": 8, "lead_weeks_after_discovery": 2}
    params.update(poec)
    return Trade(
        key=key, rome="F1703" if key == "macon" else "F1606", label=key.capitalize(), labour_share=0.5,
        hourly_cost=30, insertion_rate=0.05, loading_curve="uniform", poec=params,
        discovery={"duration_hours": 3, "capacity": 12},
    )


def partner(key="cfa", capacity=2, trades=(), venue_capacity=20, weekdays=None, venue_weekdays=None, blackouts=(),
            venues=1, kinds=("poec", "discovery")) -> Partner:
    rooms = []
    for number in range(venues):
        venue = {"key": f"{key}_salle" + (f"_{number + 1}" if number else ""), "name": f"Salle {number + 1}",
                 "address": "1 rue", "commune": "Clermont-Ferrand", "capacity": venue_capacity}
        if venue_weekdays:
            venue["weekdays"] = venue_weekdays
        rooms.append(Venue(**venue))
    data = {"key": key, "name": key.upper(), "kind": "training_centre", "trades": list(trades),
            "event_kinds": list(kinds), "concurrent_capacity": capacity,
            "venues": rooms, "blackouts": [Blackout(**b) for b in blackouts]}
    if weekdays:
        data["weekdays"] = weekdays
    return Partner(**data)


@pytest.fixture
def settings(config):
    calendars = config.planning.calendars.model_copy(
        update={
            "discovery": config.planning.calendars.discovery.model_copy(update={"avoid_school_holidays": False}),
            "poec": config.planning.calendars.poec.model_copy(update={"avoid_school_holidays": False}),
            "closed_months": [],
        }
    )
    return config.planning.model_copy(
        update={"max_events_per_week": 5, "discovery_window_weeks": 1, "calendars": calendars}
    )


def problem(settings, need, trades=None, partners=None, weeks=30, fixed=(), start=START, **changes):
    series = {}
    for key, week, people in need:
        series.setdefault(key, [0] * weeks)[week] += people
    return PlanningProblem(
        start=start, weeks=weeks, need=series, trades=trades or [trade()], partners=partners or [partner()],
        settings=settings.model_copy(update=changes), rates=RATES, fixed=list(fixed),
    )


def kinds(result, kind):
    return [e for e in result.events if e.kind == kind and e.fixed_event_id is None]


def test_known_optimum_one_cohort_one_discovery(settings):
    # 3 hires at week 20: a cohort of 6 (yield 0.5) recruited from one discovery of 12 seats (0.5).
    result = solve(problem(settings, [("macon", 20, 3)]), time_limit=10)
    assert result.status == "OPTIMAL"
    assert result.on_time == 3 and result.need == 3
    assert len(kinds(result, "poec")) == 1 and len(kinds(result, "discovery")) == 1
    assert result.objective == 3 and result.bound == 3  # the coverage level: people trained on time
    assert result.gap == 0.0
    coverage, rest = result.stats["levels"]
    assert coverage["level"] == "coverage" and coverage["status"] == "OPTIMAL"
    assert rest["level"] == "lateness_and_events" and rest["objective"] == 2  # two events, nothing late
    cohort = kinds(result, "poec")[0]
    discovery = kinds(result, "discovery")[0]
    assert 6 <= cohort.capacity <= 8
    assert discovery.cohort is not None
    # discovery in the week lead + 1 before the cohort; the cohort ends before the need
    assert cohort.week - discovery.week == 3
    assert cohort.week + 4 <= 20
    assert cohort.start.tzinfo is not None and cohort.start.astimezone(PARIS).hour == 9
    assert cohort.end.astimezone(PARIS).weekday() == 4 and cohort.end.astimezone(PARIS).hour == 17
    assert discovery.target_invitations == 24  # 12 seats / 0.5 attendance


def test_lead_time_too_short_is_explained(settings):
    # Earliest arrival: discovery week 0, cohort week 3, trained by week 7.
    result = solve(problem(settings, [("macon", 5, 2), ("macon", 20, 2)]), time_limit=10)
    assert result.on_time == 2
    cov = result.coverage[0]
    assert cov.reasons == {"lead_time": 2}
    assert result.upper_bound == 2
    assert "délai trop court" in result.uncovered()[0]["explanation"]


def test_no_partner_for_trade(settings):
    trades = [trade(), trade("peintre")]
    result = solve(problem(settings, [("peintre", 20, 2)], trades=trades, partners=[partner(trades=["macon"])]), time_limit=10)
    assert result.events == [] and result.on_time == 0
    assert result.coverage[0].reasons == {"no_partner": 2}
    # The Gantt chart's empty row says why (it was left blank).
    assert idle_trades(result) == {"peintre": "aucun événement – 2 : aucun partenaire pour ce métier"}


def test_empty_need_gives_an_empty_plan(settings):
    result = solve(problem(settings, []), time_limit=5)
    assert result.status == "OPTIMAL" and result.events == [] and result.need == 0
    assert result.warnings == ["aucun besoin à couvrir sur l'horizon"]


def test_max_size_forces_a_second_cohort(settings):
    # 6 hires, at most 8 trainees (4 hires) per cohort → two cohorts.
    result = solve(problem(settings, [("macon", 20, 6)]), time_limit=10)
    assert result.on_time == 6
    assert len(kinds(result, "poec")) == 2
    assert all(e.capacity <= 8 for e in kinds(result, "poec"))


def test_coverage_model_alone_has_the_coverage_levels_optimum(settings):
    # Partner capacity 1, 4-week cohorts of at most 4 hires: 8 people needed by week 12, but only
    # cohorts starting by week 8 arrive in time and they cannot overlap: the cross-checks' model
    # (bench/bench_planning_bounds.py) must prove what the planner's first level proves.
    instance = problem(settings, [("macon", 12, 8), ("macon", 13, 4)], partners=[partner(capacity=1)])
    planned = solve(instance, time_limit=10)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(coverage_model(instance, Options(instance))) == cp_model.OPTIMAL
    assert planned.status == "OPTIMAL" and solver.objective_value == planned.on_time
    assert 0 < planned.on_time < planned.need


def test_min_size_is_respected_for_a_small_need(settings):
    result = solve(problem(settings, [("macon", 20, 1)], trades=[trade(min_size=6)]), time_limit=10)
    assert result.on_time == 1
    assert [e.capacity >= 6 for e in kinds(result, "poec")] == [True]


@pytest.mark.parametrize("capacity, expected", [(1, 4), (2, 8)])
def test_partner_capacity_limits_overlapping_cohorts(settings, capacity, expected):
    # 4 hires per trade at week 7: only cohorts starting in week 3 are in time; each gives 4.
    # Two rooms: a cohort occupies its venue (one cohort per venue at a time).
    trades = [trade(), trade("peintre")]
    need = [("macon", 7, 4), ("peintre", 7, 4)]
    result = solve(problem(settings, need, trades=trades, partners=[partner(capacity=capacity, venues=2)]),
                   time_limit=10)
    assert result.on_time == expected
    assert sum(c.reasons.get("capacity", 0) for c in result.coverage) == 8 - expected


@pytest.mark.parametrize("max_events, expected", [(1, 3), (2, 6), (4, 8)])
def test_team_events_per_week(settings, max_events, expected):
    # Two cohorts in week 3 need two discoveries in week 0: four events in two weeks.
    trades = [trade(), trade("peintre")]
    need = [("macon", 7, 4), ("peintre", 7, 4)]
    result = solve(problem(settings, need, trades=trades, partners=[partner(venues=2)], max_events_per_week=max_events),
                   time_limit=10)
    assert result.on_time == expected
    for week in {e.week for e in result.events}:
        assert sum(e.week == week for e in result.events) <= max_events


def test_venue_capacity_limits_discovery_seats(settings):
    # Venue of 6 seats: a cohort of 6 needs 12 attendees → two discoveries of 6.
    result = solve(problem(settings, [("macon", 20, 3)], partners=[partner(venue_capacity=6)]), time_limit=10)
    discoveries = kinds(result, "discovery")
    assert result.on_time == 3
    assert [d.capacity for d in discoveries] == [6, 6]
    assert len({d.start for d in discoveries}) == 2  # one per day at the venue


def test_weekdays_and_blackouts(settings):
    blackout = {"start": dt.date(2026, 1, 5), "end": dt.date(2026, 2, 15)}
    p = partner(venue_weekdays=["wed"], blackouts=[blackout])
    result = solve(problem(settings, [("macon", 20, 3)], partners=[p]), time_limit=10)
    assert result.on_time == 3
    for event in result.events:
        assert event.start.astimezone(PARIS).date() > blackout["end"]
    assert all(d.start.astimezone(PARIS).weekday() == 2 for d in kinds(result, "discovery"))


def test_blackout_makes_need_uncoverable_by_capacity(settings):
    blackout = {"start": dt.date(2026, 1, 5), "end": dt.date(2026, 12, 31)}
    result = solve(problem(settings, [("macon", 20, 3)], partners=[partner(blackouts=[blackout])]), time_limit=10)
    assert result.on_time == 0 and result.events == []
    assert result.coverage[0].reasons == {"lead_time": 3}  # no cohort can ever start: nothing reachable


def test_public_holiday_moves_the_cohort_start(settings):
    # Easter Monday 2026-04-06: a cohort starting that week starts on Tuesday.
    start = dt.date(2026, 3, 16)
    result = solve(problem(settings, [("macon", 7, 3)], start=start, weeks=12), time_limit=10)
    cohort = kinds(result, "poec")[0]
    assert cohort.start.astimezone(PARIS).date() == dt.date(2026, 4, 7)


def test_school_holidays_avoided_when_configured(settings):
    # Zone A winter holidays 2026: 7-22 Feb. Need at week 11 (16 Mar): cohort must start week 7 (16 Feb)
    # or earlier; with school holidays avoided, the discovery avoids 9-20 Feb and the cohort too.
    calendars = settings.calendars.model_copy(
        update={"poec": settings.calendars.poec.model_copy(update={"avoid_school_holidays": True}),
                "discovery": settings.calendars.discovery.model_copy(update={"avoid_school_holidays": True})}
    )
    result = solve(problem(settings, [("macon", 12, 3)], calendars=calendars), time_limit=10)
    assert result.on_time == 3
    for event in result.events:
        day = event.start.astimezone(PARIS).date()
        assert not (dt.date(2026, 2, 7) <= day <= dt.date(2026, 2, 22))
    # with the rule off, the latest start (in the holidays) is chosen for the cohort
    free = solve(problem(settings, [("macon", 12, 3)]), time_limit=10)
    assert free.on_time == 3


def test_no_start_in_the_august_closure(settings):
    start = dt.date(2026, 6, 1)
    closed = settings.calendars.model_copy(update={"closed_months": [8]})
    # need at week 15 (14 Sep): the cohort would start in August (week 11) without the closure
    result = solve(problem(settings, [("macon", 15, 3)], start=start, weeks=20, calendars=closed), time_limit=10)
    assert result.on_time == 3
    assert all(e.start.astimezone(PARIS).month != 8 for e in result.events)
    # from 20 July, a need on 12 October needs a cohort starting in August: impossible with the closure
    late_start = dt.date(2026, 7, 20)
    tight = solve(problem(settings, [("macon", 12, 3)], start=late_start, weeks=20, calendars=closed), time_limit=10)
    assert tight.on_time == 0
    open_ = solve(problem(settings, [("macon", 12, 3)], start=late_start, weeks=20), time_limit=10)
    assert open_.on_time == 3


def test_kept_events_are_used_and_not_duplicated(settings):
    fixed = FixedEvent("poec", "macon", "cfa", "cfa_salle", dt.date(2026, 3, 2), dt.date(2026, 3, 27), 8, event_id=41)
    result = solve(problem(settings, [("macon", 20, 4)], fixed=[fixed]), time_limit=10)
    assert result.on_time == 4
    assert kinds(result, "poec") == [] and kinds(result, "discovery") == []
    assert [e.fixed_event_id for e in result.events] == [41]


def test_kept_events_use_partner_capacity(settings):
    # The partner (capacity 1) is busy with a kept cohort in weeks 3-6: the new cohort cannot start at 3.
    fixed = FixedEvent("poec", "peintre", "cfa", None, dt.date(2026, 1, 26), dt.date(2026, 2, 20), 8, event_id=7)
    trades = [trade(), trade("peintre")]
    result = solve(problem(settings, [("macon", 7, 3)], trades=trades, partners=[partner(capacity=1)], fixed=[fixed]),
                   time_limit=10)
    assert result.on_time == 0


def test_same_input_same_plan(settings):
    need = [("macon", 12, 5), ("macon", 20, 4), ("peintre", 16, 6)]
    trades = [trade(), trade("peintre")]
    first = solve(problem(settings, need, trades=trades), time_limit=10)
    second = solve(problem(settings, need, trades=trades), time_limit=10)
    assert first.signature() == second.signature() and first.objective == second.objective


def test_solver_at_least_as_good_as_greedy_and_better_when_tight(settings):
    # The greedy plans for the first deadline with the latest start and blocks the partner.
    need = [("macon", 9, 4), ("peintre", 8, 4)]
    trades = [trade(), trade("peintre", duration_weeks=5)]
    prob = problem(settings, need, trades=trades, partners=[partner(capacity=1)])
    options = Options(prob)
    greedy = plan_greedy(prob, options)
    best = solve(prob, options, time_limit=10)
    assert best.on_time >= greedy.on_time
    assert best.status == "OPTIMAL"


def test_coverage_comes_first_whatever_the_events_cost(settings):
    # Events weigh as much as a person-week of lateness here: coverage still comes first.
    need = [("macon", 9, 4), ("peintre", 8, 4), ("macon", 20, 3), ("peintre", 24, 5)]
    trades = [trade(), trade("peintre", duration_weeks=5)]
    prob = problem(settings, need, trades=trades, partners=[partner(capacity=1)],
                   weights=ObjectiveWeights(late_person_week=100, event=100))
    greedy = plan_greedy(prob, Options(prob))
    result = solve(prob, time_limit=10, hint=greedy)
    assert result.status == "OPTIMAL" and result.on_time > greedy.on_time
    coverage, rest = result.stats["levels"]
    assert coverage["objective"] == result.on_time == coverage["bound"] == result.bound
    assert rest["status"] == "OPTIMAL" and rest["objective"] == rest["bound"]
    # the second level kept the coverage and counted the events it chose
    assert rest["objective"] >= 100 * len([e for e in result.events if e.fixed_event_id is None])
    again = solve(prob, time_limit=10, hint=greedy)
    assert again.signature() == result.signature()


def test_report_says_whether_coverage_is_proven(settings):
    from dataclasses import replace

    from clauses.planning.report import markdown

    result = solve(problem(settings, [("macon", 20, 3)]), time_limit=10)
    text = markdown(result, {"macon": "Maçon"}, {"cfa": "CFA"})
    assert "**optimal** ; couverture prouvée maximale (3 personnes formées à temps)" in text
    unproven = replace(result, status="FEASIBLE", objective=265.0, bound=299.0, gap=34 / 265)
    text = markdown(unproven, {"macon": "Maçon"}, {"cfa": "CFA"})
    assert "couverture : 265 personnes formées à temps, aucun plan ne peut dépasser 299 (écart 12,8" in text
    one = replace(result, status="FEASIBLE", objective=1.0, bound=2.0, gap=1.0)
    text = markdown(one, {"macon": "Maçon"}, {"cfa": "CFA"})
    assert "couverture : 1 personne formée à temps, aucun plan" in text


def test_coverage_table_adds_up(settings):
    """need = on time + late + uncovered; late people are trained within the horizon, uncovered ones not."""
    result = solve(problem(settings, [("macon", 5, 2), ("macon", 20, 2)]), time_limit=10)
    cov = result.coverage[0]
    assert (cov.need, cov.on_time, cov.late, cov.uncovered) == (4, 2, 2, 0)
    assert cov.as_dict()["not_on_time"] == 2 and result.uncovered()[0]["uncovered"] == 0
    nothing = solve(problem(settings, [("peintre", 20, 2)], trades=[trade(), trade("peintre")],
                            partners=[partner(trades=["macon"])]), time_limit=10).coverage[0]
    assert (nothing.need, nothing.on_time, nothing.late, nothing.uncovered) == (2, 0, 0, 2)
    text = markdown(result, {"macon": "Maçon"}, {})
    assert "| Maçon | 4 | 2 | 2 | 0 |" in text and "| **Total** | **4** | **2** | **2** | **0** | |" in text
    for column in ("Besoin", "À temps", "En retard", "Non couvert", "Pourquoi pas à temps"):
        assert sum(line.startswith(f"- **{column}** : ") for line in text.splitlines()) == 1
