"""Plans longer than a window: the rolling horizon (``horizon.plan_rolling``) on a small instance,
and venues with several rooms."""

from __future__ import annotations

from clauses.planning.greedy import plan_greedy
from clauses.planning.horizon import Rolling, overruns, plan_rolling
from clauses.planning.model import solve
from clauses.planning.problem import Options
from tests.test_planning_model import kinds, partner, problem, settings, trade  # noqa: F401  (fixture)

ROLLING = Rolling(window_weeks=24, step_weeks=12, window_time_limit=2, firm_weeks=12)
NEED = [("macon", 10, 3), ("peintre", 18, 4), ("macon", 30, 6), ("peintre", 41, 3), ("macon", 50, 4)]


def long_problem(settings):
    return problem(settings, NEED, trades=[trade(), trade("peintre")], partners=[partner(capacity=2, venues=2)],
                   weeks=56)


def signature(result):
    return [(e.kind, e.trade_key, e.partner_key, e.venue_key, e.start, e.capacity) for e in result.events]


def test_rolling_plan_is_feasible_deterministic_and_never_below_greedy(settings):
    instance = long_problem(settings)
    options = Options(instance)
    greedy = plan_greedy(instance, options)
    result = plan_rolling(instance, options, rolling=ROLLING, greedy=greedy)
    assert result.stats["method"] in {"rolling", "greedy"}
    assert overruns(options, result) == {}
    assert result.on_time >= greedy.on_time
    assert result.on_time > 0 and result.need == 20
    # Window by window: the first 26 weeks alone, then windows every 12 weeks to the end.
    if result.stats["method"] == "rolling":
        firsts = [w["first_week"] for w in result.stats["windows"]]
        assert firsts == [0, 0, 12, 24, 36]
    # The same input gives the same plan.
    again = plan_rolling(instance, Options(instance), rolling=ROLLING, greedy=plan_greedy(instance, Options(instance)))
    assert signature(again) == signature(result)


def test_kept_discoveries_recruit_only_for_their_cohort(settings):
    # Each kept cohort's discoveries are kept with it: no discovery ends up without the cohort it
    # recruits for, and no cohort without a discovery before it.
    result = plan_rolling(long_problem(settings), rolling=ROLLING)
    for discovery in kinds(result, "discovery"):
        assert discovery.cohort is not None
        assert result.events[discovery.cohort].start > discovery.start
    # (the cohorts of a trade starting in one week share their discoveries)
    fed = {(result.events[d.cohort].trade_key, result.events[d.cohort].week) for d in kinds(result, "discovery")}
    assert all((c.trade_key, c.week) in fed for c in kinds(result, "poec"))


def test_plans_of_the_firm_weeks_are_solved_whole_and_a_year_plans_its_near_term_first(settings):
    rolling = Rolling(window_weeks=52, step_weeks=26, firm_weeks=26)
    short = plan_rolling(problem(settings, [("macon", 20, 3)], weeks=26), rolling=rolling)
    assert short.stats["method"] == "whole" and short.on_time == 3
    year = plan_rolling(problem(settings, [("macon", 20, 3), ("macon", 29, 2)], weeks=30), rolling=rolling)
    assert year.stats["method"] == "rolling" and year.on_time == 5
    # the first 26 weeks alone, then the one window of the whole plan
    assert [(w["first_week"], w["weeks"]) for w in year.stats["windows"]] == [(0, 26), (0, 30)]
    assert year.stats["windows"][0]["on_time"] == 3


def test_a_venue_with_two_rooms_runs_two_cohorts_at_once(settings):
    # 6 hires by week 8: two cohorts of 4 weeks (at most 4 hires each) must run at the same time.
    need = [("macon", 8, 6)]
    one_room = solve(problem(settings, need, partners=[partner(capacity=2)]), time_limit=10)
    assert one_room.on_time == 4  # the venue is occupied by the first cohort
    one = partner(capacity=2)
    two = one.model_copy(update={"venues": [one.venues[0].model_copy(update={"rooms": 2})]})
    two_rooms = solve(problem(settings, need, partners=[two]), time_limit=10)
    assert two_rooms.on_time == 6
    first, second = kinds(two_rooms, "poec")
    assert first.venue_key == second.venue_key and first.start < second.end and second.start < first.end


def test_a_near_floor_the_plan_cannot_meet_gives_no_plan(settings):
    # 3 people needed at week 20: the near term (26 weeks) can have all 3 on time, not 4.
    instance = problem(settings, [("macon", 20, 3), ("macon", 28, 2)], weeks=30)
    assert solve(instance, time_limit=5, near_floor=(26, 3)).on_time == 5
    impossible = solve(instance, time_limit=5, near_floor=(26, 4))
    assert impossible.objective is None and not impossible.events


def test_a_rolling_plan_is_a_solution_of_the_whole_model(settings):
    """The recruitment events of the chains a window keeps take their week's team, host day and room
    from the next windows (they exceeded the weekly limit there: the 3-year medium bench plan broke
    11 capacity rows of the whole model), and the feasibility check counts them."""
    from ortools.sat.python import cp_model

    from clauses.planning.model import coverage_model

    geiq = partner("geiq", capacity=1, kinds=("recruitment",))
    instance = problem(settings, NEED + [("macon", 22, 4), ("peintre", 30, 4)], trades=[trade(), trade("peintre")],
                       partners=[partner(capacity=2, venues=2), geiq], weeks=56, max_events_per_week=1)
    options = Options(instance)
    result = plan_rolling(instance, options, rolling=ROLLING, greedy=plan_greedy(instance, options))
    assert kinds(result, "recruitment") and overruns(options, result) == {}
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.num_workers = 1
    assert solver.solve(coverage_model(instance, options, result)) == cp_model.OPTIMAL


def test_windows_solved_again_on_the_whole_model_lose_no_one(settings):
    """After the rolling pass, its first windows solved again on the whole model (every other
    decision kept): never fewer people on time, window after window; a plan of the whole model, the
    same for the same input."""
    import dataclasses

    from ortools.sat.python import cp_model

    from clauses.planning.model import coverage_model

    geiq = partner("geiq", capacity=1, kinds=("recruitment",))
    instance = problem(settings, NEED + [("macon", 22, 4), ("peintre", 30, 4)], trades=[trade(), trade("peintre")],
                       partners=[partner(capacity=2, venues=2), geiq], weeks=56, max_events_per_week=1)
    rolled = plan_rolling(instance, Options(instance), rolling=ROLLING)
    improving = dataclasses.replace(ROLLING, improve_windows=2, improve_time_limit=1.0)
    options = Options(instance)
    improved = plan_rolling(instance, options, rolling=improving)
    assert rolled.stats["method"] == improved.stats["method"] == "rolling"
    windows = improved.stats["improved_windows"]
    assert [w["first_week"] for w in windows] == [0, 12]
    reached = [rolled.on_time] + [w["on_time"] for w in windows]
    assert reached == sorted(reached) and improved.on_time >= rolled.on_time
    assert kinds(improved, "recruitment") and overruns(options, improved) == {}
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.num_workers = 1
    assert solver.solve(coverage_model(instance, options, improved)) == cp_model.OPTIMAL
    again = plan_rolling(instance, Options(instance), rolling=improving)
    assert signature(again) == signature(improved)


def test_far_windows_get_their_own_smaller_limit(settings):
    """Windows starting ``far_weeks`` or more after the plan's start are solved for
    ``far_time_limit`` deterministic seconds, the nearer ones for ``window_time_limit``."""
    import dataclasses

    instance = long_problem(settings)
    options = Options(instance)
    tapered = plan_rolling(instance, options, rolling=dataclasses.replace(ROLLING, far_weeks=24, far_time_limit=0.05))
    windows = tapered.stats["windows"][1:]  # (after the near term's)
    assert [(w["first_week"], w["time_limit"]) for w in windows] == [(0, 2), (12, 2), (24, 0.05), (36, 0.05)]
    assert all(w["deterministic_seconds"] <= 0.06 for w in windows[2:])
    assert overruns(options, tapered) == {} and tapered.on_time >= plan_greedy(instance, options).on_time
    configured = Rolling.from_settings(settings.rolling)
    assert configured.window_limit(configured.far_weeks) == settings.rolling.far_window_time_limit_seconds
    assert configured.window_limit(configured.far_weeks - 1) == settings.rolling.window_time_limit_seconds
