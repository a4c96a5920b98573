"""The CP-SAT model, in weeks, solved level by level.

Decisions: for each trade, partner and week, whether a POEC cohort starts (and its size); for each
trade, discovery venue and week, how many discoveries are held to recruit the cohorts starting a
fixed lead time later. Constraints: partner day slots (a cohort takes its trainer every day, a
discovery one day), one discovery per venue and day, the team's events per week, cohort sizes,
calendars (already applied in ``Options``), events kept as they are.

The objective is lexicographic, as the coordinators rank it: first the people needed who are
trained on time (maximised), then, with that coverage kept, a weighted sum of person-weeks of
lateness and number of events (minimised). Each level is its own CP-SAT solve and reports its
status, objective, bound and gap; the plan's headline figures are the coverage level's, in people.
Solving the levels apart (rather than one objective with a large weight on coverage) lets CP-SAT's
bound work on coverage alone: on the three-year bench it went from a 34-63 % gap to 0-9 %.

The running total of people served is a chain of variables (one small constraint a week, not a
sum growing with the weeks). One worker and deterministic time limits: the same input gives the
same plan.
"""

from __future__ import annotations

import dataclasses
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from clauses.planning.problem import (
    CohortOption,
    DiscoveryOption,
    FixedEvent,
    Options,
    PlanningProblem,
    Slot,
    direct_hire_rate,
    direct_hires,
    fraction,
    hires_from,
    ready_rate,
)
from clauses.planning.resources import shared_resources
from clauses.planning.result import PlanResult, materialise

STATUS_NAMES = {
    cp_model.OPTIMAL: "OPTIMAL",
    cp_model.FEASIBLE: "FEASIBLE",
    cp_model.INFEASIBLE: "INFEASIBLE",
    cp_model.MODEL_INVALID: "MODEL_INVALID",
    cp_model.UNKNOWN: "UNKNOWN",
}

# Share of the time limit the coverage level may use; lateness and events get the rest. Time the
# coverage level leaves when it proves its optimum early is not passed on: on the bench's loose
# plan it cost 20 s of wall time and found no fewer events.
COVERAGE_SHARE = 0.7
# Share of the coverage level's time searched without the linear relaxation (``_coverage_search``).
SEARCH_SHARE = 0.3


@dataclass
class _Built:
    """The model and the variables the levels, the hint and the plan read."""

    model: cp_model.CpModel
    cohort_vars: list[tuple[CohortOption, cp_model.IntVar, cp_model.IntVar]] = field(default_factory=list)
    discovery_vars: list[tuple[DiscoveryOption, cp_model.IntVar, int | None]] = field(default_factory=list)
    hire_vars: list[tuple[CohortOption | DiscoveryOption, cp_model.IntVar]] = field(default_factory=list)
    served_vars: dict[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)
    running_vars: dict[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)  # served so far
    late_vars: dict[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)
    cum_vars: dict[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)
    fixed_arrivals: dict[str, dict[int, int]] = field(default_factory=dict)
    served: list = field(default_factory=list)  # people served on time, per trade and week
    late: list = field(default_factory=list)  # people short, per trade and week
    events: list = field(default_factory=list)  # events started
    warnings: list[str] = field(default_factory=list)
    kept_vars: list[tuple[FixedEvent, cp_model.IntVar, int]] = field(default_factory=list)  # kept discovery → cohort week
    recruitment_vars: list[tuple[Slot, cp_model.IntVar]] = field(default_factory=list)  # events held per slot


@dataclass
class Level:
    """One level of the lexicographic objective, as solved."""

    name: str  # coverage / lateness_and_events
    sense: str  # max / min
    status: str
    objective: float | None
    bound: float | None
    deterministic_seconds: float
    wall_seconds: float

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.bound is None:
            return None
        if self.status == "OPTIMAL":
            return 0.0
        return abs(self.bound - self.objective) / max(abs(self.objective), 1.0)

    def as_dict(self) -> dict:
        return {"level": self.name, "sense": self.sense, "status": self.status, "objective": self.objective,
                "bound": self.bound, "gap": self.gap, "deterministic_seconds": round(self.deterministic_seconds, 3),
                "wall_seconds": round(self.wall_seconds, 3)}


def solve(
    problem: PlanningProblem,
    options: Options | None = None,
    *,
    time_limit: float | None = None,
    parameters: dict | None = None,
    hint: PlanResult | None = None,
    near_floor: tuple[int, int] | None = None,
    coverage_share: float = COVERAGE_SHARE,
    search_share: float = SEARCH_SHARE,
) -> PlanResult:
    """Build and solve the model, coverage first; never raises on an empty or infeasible instance:
    the result's status, warnings and uncovered need say what happened.

    ``near_floor`` = (weeks, people): at least ``people`` of the need of the first ``weeks`` weeks
    are trained on time (the near term, planned first, stays as good while the rest is planned;
    ``hint`` should meet it). ``coverage_share``: the share of ``time_limit`` the coverage level
    may use, the second level getting the rest; ``search_share``: the share of the coverage
    level's time searched without the linear relaxation (``_coverage_search``)."""
    began = time.perf_counter()
    options = options or Options(problem)
    if not any(sum(s) for s in problem.need.values()):
        return materialise(
            problem, options, [], [], status="OPTIMAL", objective=0.0, bound=0.0, gap=0.0,
            solve_seconds=time.perf_counter() - began, warnings=["aucun besoin à couvrir sur l'horizon"],
        )
    built = _coverage_level(problem, options, hint)
    if near_floor is not None:
        weeks, people = near_floor
        built.model.add(sum(v for (_, week), v in built.served_vars.items() if week < weeks) >= people)
    build_seconds = time.perf_counter() - began
    limit = time_limit if time_limit is not None else problem.settings.solver_time_limit_seconds
    solver = _Solver(problem.settings.solver_seed, parameters or {}, problem.settings.solver_searches)
    model = built.model
    weights = problem.settings.weights

    # Level 1: people trained on time, as many as possible (the objective ``_coverage_level`` set).
    values, coverage = _coverage_search(solver, model, limit * coverage_share, search_share)
    warnings = list(built.warnings)
    if values is None:
        warnings.append(f"le solveur n'a pas trouvé de plan (statut {coverage.status})")
        return materialise(
            problem, options, [], [], status=coverage.status, objective=None, bound=None, gap=None,
            solve_seconds=time.perf_counter() - began, warnings=warnings,
        )
    levels = [coverage]
    # Level 2: that coverage kept, the least lateness, then the fewest events.
    model.add(sum(built.served) >= round(coverage.objective))
    model.minimize(weights.late_person_week * sum(built.late) + weights.event * sum(built.events))
    _hint_values(model, values)
    # Without the LP relaxation: on the demo's plan it found a third of the lateness in half the
    # wall time (the LP of this level's many lateness terms is slow and its bound weak anyway).
    second_values, second = solver.run(
        model, "lateness_and_events", "min", limit * (1 - coverage_share), linearization_level=0
    )
    levels.append(second)
    if second_values is not None:
        values = second_values
    status = "OPTIMAL" if all(level.status == "OPTIMAL" for level in levels) else "FEASIBLE"
    result = _plan_of(
        problem, options, built, values, status=status, objective=coverage.objective, bound=coverage.bound,
        gap=coverage.gap, solve_seconds=time.perf_counter() - began, warnings=warnings,
    )
    result.stats = {
        "build_seconds": round(build_seconds, 3),
        "deterministic_seconds": round(solver.deterministic_time, 3),
        "levels": [level.as_dict() for level in levels],
    }
    return result


def _plan_of(problem: PlanningProblem, options: Options, built: _Built, values: list[int], **figures) -> PlanResult:
    """The plan a solution (``values``, one per variable of ``built``) describes."""
    value = lambda var: values[var.index]  # noqa: E731
    chosen_cohorts = [
        (opt, size) for opt, c, n in built.cohort_vars if value(c) for size in split(value(n), value(c))
    ]
    chosen_discoveries = [(opt, value(d), cw) for opt, d, cw in built.discovery_vars if value(d) > 0]
    kept = [(fixed, cw) for fixed, z, cw in built.kept_vars if value(z)]
    return materialise(problem, options, chosen_cohorts, chosen_discoveries, kept_discoveries=kept, **figures)


def improve_by_windows(
    problem: PlanningProblem,
    options: Options,
    plan: PlanResult,
    *,
    window_weeks: int,
    step_weeks: int,
    time_limit: float,
    near_weeks: int = 0,
    most_windows: int | None = None,
) -> PlanResult:
    """``plan`` (a solution of the model: a rolling horizon's) improved window by window on the
    whole model: the decisions of a window's weeks (cohorts, discoveries, recruitment events
    starting in them) are solved again, both levels, every other decision kept as it is. Windows of
    ``window_weeks`` moving by ``step_weeks`` from week 0, the first ``most_windows`` of them (None:
    up to the horizon), ``time_limit`` deterministic seconds each; the model is built once. People
    trained on time never fall, in all and in the first ``near_weeks`` weeks.

    Unlike the rolling horizon's windows, a window here sees what its choices do to the need after
    it: on the bench the gain is in the first windows after the firm weeks (3 years, medium: 227 →
    239 people on time after 2 windows, 239 after 5; 5 years: 406 → 447 after 3 windows, 447 after
    9), whose cost grows with the horizon. The coverage level counts events too, far below a person
    (``most_events``): without it, it kept discoveries that served nobody (3 years, medium: 231
    events for 239 people on time, against 180 with it)."""
    began = time.perf_counter()
    built = _coverage_level(problem, options, plan)
    model = built.model
    proto = model.proto
    values = [0] * len(proto.variables)
    for var, hinted in zip(proto.solution_hint.vars, proto.solution_hint.values):
        values[var] = hinted
    served = sum(built.served)
    on_time = lambda chosen: sum(chosen[v.index] for v in built.served_vars.values())  # noqa: E731
    near = [v for (_, week), v in built.served_vars.items() if week < near_weeks]
    if near:
        model.add(sum(near) >= sum(values[v.index] for v in near))
    # The coverage reached so far, kept while the second level runs (and by every later window).
    floor = model.add(served >= on_time(values)).proto.linear
    total_need = sum(sum(series) for series in problem.need.values())
    decisions = (
        [(o.week, v) for o, c, n in built.cohort_vars for v in (c, n)]
        + [(o.week, d) for o, d, _ in built.discovery_vars]
        + [(cohort_week, z) for _, z, cohort_week in built.kept_vars]
        + [(slot.week, r) for slot, r in built.recruitment_vars]
    )
    domains = {var.index: list(proto.variables[var.index].domain) for _, var in decisions}
    # A person trained on time outweighs every event: events only break ties between plans.
    most_events = 1 + sum(list(proto.variables[v.index].domain)[-1] for v in built.events)
    weights = problem.settings.weights
    lateness_and_events = weights.late_person_week * sum(built.late) + weights.event * sum(built.events)
    solver = _Solver(problem.settings.solver_seed, {}, problem.settings.solver_searches)
    windows = []
    first = 0
    while True:
        end = min(first + window_weeks, problem.weeks)
        for week, var in decisions:
            domain = proto.variables[var.index].domain
            domain.clear()
            domain.extend(domains[var.index] if first <= week < end else [values[var.index]] * 2)
        model.maximize(most_events * served - sum(built.events))
        _hint_values(model, values)
        found, coverage = solver.run(model, "coverage", "max", time_limit * COVERAGE_SHARE)
        if found is not None:
            floor.domain.clear()
            floor.domain.extend([on_time(found), total_need])
            model.minimize(lateness_and_events)
            _hint_values(model, found)
            second, _ = solver.run(model, "lateness_and_events", "min", time_limit * (1 - COVERAGE_SHARE),
                                   linearization_level=0)
            values = second if second is not None else found
        windows.append({"first_week": first, "weeks": end - first, "status": coverage.status, "on_time": on_time(values)})
        if end >= problem.weeks or len(windows) == most_windows:
            break
        first += step_weeks
    result = _plan_of(
        problem, options, built, values, status="FEASIBLE", objective=float(on_time(values)), bound=None, gap=None,
        solve_seconds=time.perf_counter() - began, warnings=list(built.warnings),
    )
    result.stats = {"deterministic_seconds": round(solver.deterministic_time, 3), "windows": windows}
    return result


def _coverage_search(
    solver: _Solver, model: cp_model.CpModel, limit: float, share: float
) -> tuple[list[int] | None, Level]:
    """The coverage level in two searches: without the linear relaxation first (``share`` of
    ``limit``), then with it, from the best plan the first found. Without it the search goes
    deep fast and finds good plans; with it, it proves bounds and closes the last people. Whole
    solves of the bench at 10 deterministic s, loose / medium / tight, with the relaxation alone
    then both in turn (0.3 of the time without it): 1 year 34 / 49 / 76 → 42 / 63 / 76 people on
    time, 3 years 146 / 156 / 260 → 146 / 208 / 241 (the rolling horizon plans those better). On
    the 1-year instances at 7 s, the search without the relaxation alone found 42 / 63 / 67."""
    if share <= 0:
        return solver.run(model, "coverage", "max", limit)
    values, first = solver.run(model, "coverage", "max", limit * share, linearization_level=0)
    if first.status in ("OPTIMAL", "INFEASIBLE"):  # proven: nothing left for the second search
        return values, first
    if values is not None:
        _hint_values(model, values)
    second_values, second = solver.run(model, "coverage", "max", limit * (1 - share))
    spent = {"deterministic_seconds": first.deterministic_seconds + second.deterministic_seconds,
             "wall_seconds": first.wall_seconds + second.wall_seconds}
    if second_values is None:
        return values, dataclasses.replace(first, **spent)
    bounds = [b for b in (first.bound, second.bound) if b is not None]
    return second_values, dataclasses.replace(second, bound=min(bounds, default=None), **spent)


def split(trainees: int, count: int) -> list[int]:
    """``trainees`` shared as evenly as possible among ``count`` cohorts started together."""
    return [trainees // count + (1 if i < trainees % count else 0) for i in range(count)]


def coverage_model(problem: PlanningProblem, options: Options, hint: PlanResult | None = None) -> cp_model.CpModel:
    """The first level alone, as ``solve`` starts it: for bounds and cross-checks
    (``bench/bench_planning_bounds.py``)."""
    return _coverage_level(problem, options, hint).model


def _coverage_level(problem: PlanningProblem, options: Options, hint: PlanResult | None) -> _Built:
    """The model with the people trained on time maximised, started from ``hint`` if given."""
    built = _build(problem, options)
    if hint is not None:
        _add_hint(built, problem, hint)
    built.model.maximize(sum(built.served))
    return built


def _build(problem: PlanningProblem, options: Options) -> _Built:
    settings = problem.settings
    rates = problem.rates
    cal = options.calendar
    warnings: list[str] = []
    model = cp_model.CpModel()
    weeks = problem.weeks
    y = fraction(rates.hires_per_trainee)
    a = fraction(rates.attended_to_selected)
    done = fraction(rates.selected_to_completed)
    ready = ready_rate(rates)
    direct = direct_hire_rate(rates)

    shared = shared_resources(options)
    usage: dict[tuple, list] = defaultdict(list)  # row -> terms
    events_cost: list = []
    fixed_arrivals = shared.fixed_arrivals
    for week in shared.overbooked_weeks:
        warnings.append(
            f"semaine du {cal.week_monday(week)} : les événements maintenus dépassent "
            f"le maximum de {settings.max_events_per_week} par semaine"
        )

    cohort_vars: list[tuple[CohortOption, cp_model.IntVar, cp_model.IntVar]] = []
    discovery_vars: list[tuple[DiscoveryOption, cp_model.IntVar, int | None]] = []
    kept_vars: list[tuple[FixedEvent, cp_model.IntVar, int]] = []
    recruitment_vars: list[tuple[Slot, cp_model.IntVar]] = []
    served_terms: list = []
    late_terms: list = []
    # (trade, week) -> variable, to start the search from a hint
    served_vars: dict[tuple[str, int], cp_model.IntVar] = {}
    running_vars: dict[tuple[str, int], cp_model.IntVar] = {}
    late_vars: dict[tuple[str, int], cp_model.IntVar] = {}
    cum_vars: dict[tuple[str, int], cp_model.IntVar] = {}
    hire_vars: list[tuple[object, cp_model.IntVar]] = []

    for trade_key in sorted(problem.need):
        series = problem.need[trade_key]
        trade = problem.trade(trade_key)
        arrivals: dict[int, list] = defaultdict(list)
        starts: dict[int, list] = defaultdict(list)
        # Recruitment event -> (candidates it must receive, as terms; their denominator).
        sent: dict[Slot, list] = defaultdict(list)
        for option in options.cohorts.get(trade_key, []):
            tag = f"{trade_key}_{option.partner_key}_{option.venue_key}_{option.week}"
            most = option.max_size * option.max_count
            c = model.new_int_var(0, option.max_count, f"c_{tag}")  # cohorts started
            n = model.new_int_var(0, most, f"n_{tag}")  # their trainees
            h = model.new_int_var(0, hires_from(most, rates), f"h_{tag}")
            model.add(n >= trade.poec.min_size * c)
            model.add(n <= option.max_size * c)
            # Cohorts started together: their hires are rounded down once, on their trainees
            # together, as the plan counts them (``problem.cohort_arrivals``).
            model.add(y.denominator * h <= y.numerator * n)
            cohort_vars.append((option, c, n))
            hire_vars.append((option, h))
            arrivals[option.arrival_week].append(h)
            starts[option.week].append(n)
            events_cost.append(c)
            if option.information is not None:
                events_cost.append(c)
            if option.recruitment is not None:
                sent[option.recruitment].append(done.numerator * n)  # completers × done.denominator
            for row, units in shared.cohort_usage[option]:
                usage[row].append(units * c)
        if trade.poec is None:
            # Discovery → recruitment event: its ready candidates meet employers there.
            for week, found in sorted(options.discoveries.get(trade_key, {}).items()):
                for option in found:
                    tag = f"{trade_key}_{option.venue_key}_{week}"
                    d = model.new_int_var(0, len(option.days), f"d_{tag}")
                    h = model.new_int_var(0, direct_hires(option.seats * len(option.days), rates), f"h_{tag}")
                    model.add(direct.denominator * h <= direct.numerator * option.seats * d)
                    discovery_vars.append((option, d, None))
                    hire_vars.append((option, h))
                    arrivals[option.arrival_week].append(h)
                    events_cost.append(d)
                    if option.recruitment is not None:
                        sent[option.recruitment].append(ready.numerator * option.seats * d)
                    for row, units in shared.discovery_usage[option]:
                        usage[row].append(units * d)
        # Kept cohorts waiting for a recruitment event: their completers go to the one planned for them.
        waiting = [(problem.fixed[position].capacity, slot) for position, slot in options.kept_recruitment
                   if slot.trade_key == trade_key]
        for trainees, slot in waiting:
            sent[slot].append(done.numerator * trainees)
        denominator = ready.denominator if trade.poec is None else done.denominator
        # Recruitment events: candidates sent ≤ candidate capacity × events held.
        capacity = trade.recruitment.candidate_capacity
        for slot in sorted(sent, key=lambda s: s.week):
            most = (sum(
                o.max_size * o.max_count for o in options.cohorts.get(trade_key, []) if o.recruitment == slot
            ) or sum(o.seats * len(o.days) for opts in options.discoveries.get(trade_key, {}).values() for o in opts
                     if o.recruitment == slot)) + sum(trainees for trainees, s in waiting if s == slot)
            r = model.new_int_var(0, max(1, -(-most // capacity)), f"r_{trade_key}_{slot.week}")
            model.add(sum(sent[slot]) <= denominator * capacity * r)
            recruitment_vars.append((slot, r))
            events_cost.append(r)
            for row, units in shared.slot_usage[slot]:
                usage[row].append(units * r)
        # Discoveries recruit the cohorts starting ``lead`` weeks (plus the window) later; a kept
        # discovery that recruits for no kept cohort recruits for one of them.
        kept_for: dict[int, list] = defaultdict(list)
        for cohort_week in sorted(starts):
            seats_terms = []
            for disc_week in options.discovery_weeks_for(trade_key, cohort_week):
                for option in options.discoveries[trade_key].get(disc_week, []):
                    d = model.new_int_var(0, len(option.days), f"d_{trade_key}_{option.venue_key}_{disc_week}_{cohort_week}")
                    discovery_vars.append((option, d, cohort_week))
                    seats_terms.append(option.seats * d)
                    events_cost.append(d)
                    for row, units in shared.discovery_usage[option]:
                        usage[row].append(units * d)
                for index, fixed in enumerate(options.kept_discoveries.get(trade_key, {}).get(disc_week, [])):
                    z = model.new_bool_var(f"k_{trade_key}_{disc_week}_{index}_{cohort_week}")
                    kept_vars.append((fixed, z, cohort_week))
                    kept_for[id(fixed)].append(z)
                    seats_terms.append(fixed.capacity * z)
            # trainees <= attended_to_selected * seats
            model.add(a.denominator * sum(starts[cohort_week]) <= a.numerator * sum(seats_terms))
        for terms in kept_for.values():
            model.add(sum(terms) <= 1)  # a kept discovery recruits for one cohort week
        # Cumulative trained people, on-time service and lateness.
        total_need = sum(series)
        cum_need = 0
        served_so_far: list = []
        supply = 0
        cum_fixed = 0
        for week in range(weeks):
            cum_fixed += fixed_arrivals.get(trade_key, {}).get(week, 0)
            supply = supply + sum(arrivals.get(week, []))
            cum_need += series[week]
            if series[week] > 0:
                s = model.new_int_var(0, series[week], f"s_{trade_key}_{week}")
                # running total of people served on time: a chain, not a growing sum
                q = model.new_int_var(0, cum_need, f"q_{trade_key}_{week}")
                model.add(q == (served_so_far[-1] if served_so_far else 0) + s)
                served_so_far.append(q)
                served_vars[(trade_key, week)] = s
                running_vars[(trade_key, week)] = q
                model.add(q <= supply + cum_fixed)
                served_terms.append(s)
            if cum_need > 0 and cum_need > cum_fixed:
                b = model.new_int_var(0, cum_need, f"b_{trade_key}_{week}")
                model.add(b >= cum_need - cum_fixed - supply)
                late_terms.append(b)
                late_vars[(trade_key, week)] = b
            # the cumulative sum grows with the weeks: store it in a variable every week
            if arrivals.get(week):
                cum = model.new_int_var(0, 10 * total_need + 1000, f"cs_{trade_key}_{week}")
                model.add(cum == supply)
                cum_vars[(trade_key, week)] = cum
                supply = cum

    for row, terms in usage.items():
        model.add(sum(terms) <= shared.capacity[row])

    return _Built(
        model, cohort_vars, discovery_vars, hire_vars, served_vars, running_vars, late_vars, cum_vars,
        fixed_arrivals, served_terms, late_terms, events_cost, warnings, kept_vars=kept_vars,
        recruitment_vars=recruitment_vars,
    )


def _add_hint(built: _Built, problem: PlanningProblem, hint: PlanResult) -> None:
    """Start the search from another plan (the greedy one): a good first solution, same answer."""
    model = built.model
    rates = problem.rates
    sizes: dict[tuple, int] = defaultdict(int)
    counts_c: dict[tuple, int] = defaultdict(int)
    for e in hint.events:
        if e.kind == "poec" and e.fixed_event_id is None:
            sizes[(e.trade_key, e.partner_key, e.venue_key, e.week)] += e.capacity
            counts_c[(e.trade_key, e.partner_key, e.venue_key, e.week)] += 1
    cohort_weeks = {i: e.week for i, e in enumerate(hint.events) if e.kind == "poec"}
    counts: dict[tuple, int] = defaultdict(int)
    kept_weeks: dict[int, int] = {}
    for e in hint.events:
        if e.kind != "discovery":
            continue
        if e.fixed_event_id is not None:
            if e.cohort is not None:
                kept_weeks[e.fixed_event_id] = cohort_weeks[e.cohort]
        elif e.cohort is not None:
            counts[(e.trade_key, e.venue_key, e.week, cohort_weeks[e.cohort])] += 1
        else:
            counts[(e.trade_key, e.venue_key, e.week, None)] += 1
    recruitment = defaultdict(int)
    for e in hint.events:
        if e.kind == "recruitment" and e.fixed_event_id is None:
            recruitment[(e.trade_key, e.week)] += 1
    for option, c, n in built.cohort_vars:
        key = (option.trade_key, option.partner_key, option.venue_key, option.week)
        model.add_hint(c, counts_c.get(key, 0))
        model.add_hint(n, sizes.get(key, 0))
    for option, d, cohort_week in built.discovery_vars:
        model.add_hint(d, counts.get((option.trade_key, option.venue_key, option.week, cohort_week), 0))
    for fixed, z, cohort_week in built.kept_vars:
        model.add_hint(z, 1 if kept_weeks.get(fixed.event_id) == cohort_week else 0)
    for slot, r in built.recruitment_vars:
        model.add_hint(r, recruitment.get((slot.trade_key, slot.week), 0))
    arrivals: dict[tuple[str, int], int] = defaultdict(int)
    for option, h in built.hire_vars:
        if isinstance(option, CohortOption):
            hires = hires_from(sizes.get((option.trade_key, option.partner_key, option.venue_key, option.week), 0), rates)
        else:
            held = counts.get((option.trade_key, option.venue_key, option.week, None), 0)
            hires = direct_hires(option.seats * held, rates)
        model.add_hint(h, hires)
        arrivals[(option.trade_key, option.arrival_week)] += hires
    for trade_key, series in problem.need.items():
        stock = cum_supply = cum_fixed = cum_need = cum_served = 0
        for week in range(problem.weeks):
            fixed = built.fixed_arrivals.get(trade_key, {}).get(week, 0)
            cum_fixed += fixed
            cum_supply += arrivals[(trade_key, week)]
            cum_need += series[week]
            stock += arrivals[(trade_key, week)] + fixed
            served = min(stock, series[week])
            stock -= served
            cum_served += served
            if (trade_key, week) in built.served_vars:
                model.add_hint(built.served_vars[(trade_key, week)], served)
                model.add_hint(built.running_vars[(trade_key, week)], cum_served)
            if (trade_key, week) in built.late_vars:
                model.add_hint(built.late_vars[(trade_key, week)], max(0, cum_need - cum_fixed - cum_supply))
            if (trade_key, week) in built.cum_vars:
                model.add_hint(built.cum_vars[(trade_key, week)], cum_supply)


class _Solver:
    """Deterministic searches: the same input gives the same plan.

    Each search has one worker and a deterministic time limit. With ``searches`` > 1, that many
    searches run side by side (CP-SAT releases the GIL), each with its own seed (``seed``,
    ``seed`` + 1, …), and the best plan is kept (on a tie, the lowest seed's): still the same plan
    for the same input, since no search depends on another's timing, and never worse than the
    ``seed`` search alone. The deterministic seconds counted are those of all the searches."""

    def __init__(self, seed: int, overrides: dict, searches: int = 1) -> None:
        self.seed = seed
        self.overrides = overrides
        self.searches = searches
        self.deterministic_time = 0.0

    def _search(self, model: cp_model.CpModel, seed: int, limit: float, extra: dict) -> Search:
        solver = cp_model.CpSolver()
        params = solver.parameters
        params.num_workers = 1
        params.random_seed = seed
        params.max_deterministic_time = max(limit, 0.05)
        # Start from the hint (complete and feasible), but follow it for one conflict only: the
        # default (10) spent 5-20 s of wall time that the deterministic clock hardly counts.
        params.hint_conflict_limit = 1
        # A wall-clock guard far above the deterministic limit, only against a stuck machine.
        params.max_time_in_seconds = max(20 * limit, 60.0)
        for key, value in {**extra, **self.overrides}.items():
            setattr(params, key, value)
        code = solver.solve(model)
        response = solver.response_proto
        status = STATUS_NAMES.get(code, str(code))
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return Search(status, None, None, None, response.deterministic_time)
        return Search(status, solver.objective_value, solver.best_objective_bound, list(response.solution),
                       response.deterministic_time)

    def run(
        self, model: cp_model.CpModel, name: str, sense: str, limit: float, **extra
    ) -> tuple[list[int] | None, Level]:
        began = time.perf_counter()
        if self.searches == 1:
            searches = [self._search(model, self.seed, limit, extra)]
        else:
            with ThreadPoolExecutor(self.searches) as pool:
                seeds = range(self.seed, self.seed + self.searches)
                searches = list(pool.map(lambda seed: self._search(model, seed, limit, extra), seeds))
        best = best_search(searches, sense)
        self.deterministic_time += best.deterministic_seconds
        level = Level(name, sense, best.status, best.objective, best.bound, best.deterministic_seconds,
                      time.perf_counter() - began)
        return best.values, level


@dataclass(frozen=True)
class Search:
    """What one search found: its status, objective, bound and plan (None if it found none)."""

    status: str
    objective: float | None
    bound: float | None
    values: list[int] | None
    deterministic_seconds: float


def best_search(searches: list[Search], sense: str) -> Search:
    """Searches of one model run side by side, as one: the best plan (on a tie, the first
    search's), the tightest bound (every search's holds), optimal if one search proved it, and
    the deterministic seconds of them all."""
    spent = sum(s.deterministic_seconds for s in searches)
    found = [s for s in searches if s.values is not None]
    if not found:  # a proof that there is no plan, if one search made it
        proof = next((s for s in searches if s.status == "INFEASIBLE"), searches[0])
        return dataclasses.replace(proof, deterministic_seconds=spent)
    sign = 1 if sense == "max" else -1
    best = max(found, key=lambda s: sign * s.objective)  # (max keeps the first of equals)
    bound = (min if sense == "max" else max)(s.bound for s in found)
    status = "OPTIMAL" if any(s.status == "OPTIMAL" for s in found) else best.status
    return dataclasses.replace(best, status=status, bound=bound, deterministic_seconds=spent)


def _hint_values(model: cp_model.CpModel, values: list[int]) -> None:
    """Start the next level from the previous level's plan (feasible there too)."""
    hint = model.proto.solution_hint
    hint.vars.clear()
    hint.values.clear()
    hint.vars.extend(range(len(values)))
    hint.values.extend(values)
