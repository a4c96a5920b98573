"""Deterministic searches side by side (``planning.solver_searches``): the best plan of several
one-worker searches with their own seeds, still the same plan for the same input."""

from __future__ import annotations

from clauses.planning.horizon import plan_rolling
from clauses.planning.model import Search, best_search, solve
from clauses.planning.problem import Options
from tests.test_planning_horizon import ROLLING, long_problem, signature
from tests.test_planning_model import settings  # noqa: F401  (fixture)


def search(status, objective, bound, seconds=1.0, seed=0):
    """A search's outcome; its plan says which seed found it."""
    return Search(status, objective, bound, None if objective is None else [int(objective), seed], seconds)


def test_the_best_plan_is_kept_with_the_tightest_bound_and_all_the_time_counted():
    searches = [search("FEASIBLE", 10, 14), search("FEASIBLE", 12, 15, seed=1), search("FEASIBLE", 12, 13, 0.5, seed=2)]
    best = best_search(searches, "max")
    # The most people (the first of equals), the lowest proven upper bound, every search's seconds.
    assert (best.values, best.objective, best.bound, best.status) == ([12, 1], 12, 13, "FEASIBLE")
    assert best.deterministic_seconds == 2.5
    lateness = best_search([search("FEASIBLE", 30, 20), search("FEASIBLE", 25, 18, seed=1)], "min")
    assert (lateness.values, lateness.bound) == ([25, 1], 20)  # the least lateness; the highest lower bound
    # A proof of optimality by one search is enough; a search that found nothing is passed over.
    proven = best_search([search("UNKNOWN", None, None), search("OPTIMAL", 9, 9, seed=1)], "max")
    assert (proven.status, proven.values, proven.deterministic_seconds) == ("OPTIMAL", [9, 1], 2.0)
    # No plan found: a proof that there is none is kept, whichever search made it.
    for statuses in (["INFEASIBLE", "UNKNOWN"], ["UNKNOWN", "INFEASIBLE"]):
        nothing = best_search([search(status, None, None) for status in statuses], "max")
        assert (nothing.status, nothing.values, nothing.deterministic_seconds) == ("INFEASIBLE", None, 2.0)


def test_two_searches_give_the_same_plan_twice_and_train_no_fewer(settings):
    one = long_problem(settings.model_copy(update={"solver_time_limit_seconds": 1.0}))
    two = long_problem(settings.model_copy(update={"solver_time_limit_seconds": 1.0, "solver_searches": 2}))
    alone = solve(one, Options(one))
    side_by_side = solve(two, Options(two))
    assert side_by_side.on_time >= alone.on_time > 0
    assert signature(solve(two, Options(two))) == signature(side_by_side)
    # Both searches' time is counted.
    assert side_by_side.stats["deterministic_seconds"] > alone.stats["deterministic_seconds"]
    rolled = plan_rolling(two, Options(two), rolling=ROLLING)
    assert signature(plan_rolling(two, Options(two), rolling=ROLLING)) == signature(rolled)
