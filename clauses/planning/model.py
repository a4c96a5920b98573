"""The CP-SAT model, in weeks.

Decisions: for each trade, partner and week, whether a POEC cohort starts (and its size); for each
trade, discovery venue and week, how many discoveries are held to recruit the cohorts starting a
fixed lead time later. Constraints: partner day slots (a cohort takes its trainer every day, a
discovery one day), one discovery per venue and day, the team's events per week, cohort sizes,
calendars (already applied in ``Options``), events kept as they are. Objective, in decreasing
weight: people needed but not trained on time, person-weeks of lateness, number of events.

The running total of people served is a chain of variables (one small constraint a week, not a
sum growing with the weeks). How the model is searched (whole, or by windows of weeks on large
instances) is in ``_Search``. One worker and deterministic time limits: the same input gives the
same plan.
"""

from __future__ import annotations

import time
from collections import defaultdict

from ortools.sat.python import cp_model

from clauses.planning.problem import (
    CohortOption,
    DiscoveryOption,
    Options,
    PlanningProblem,
    fraction,
    hires_from,
)
from clauses.planning.result import PlanResult, _fixed_arrival, materialise

STATUS_NAMES = {
    cp_model.OPTIMAL: "OPTIMAL",
    cp_model.FEASIBLE: "FEASIBLE",
    cp_model.INFEASIBLE: "INFEASIBLE",
    cp_model.MODEL_INVALID: "MODEL_INVALID",
    cp_model.UNKNOWN: "UNKNOWN",
}


def solve(
    problem: PlanningProblem,
    options: Options | None = None,
    *,
    time_limit: float | None = None,
    parameters: dict | None = None,
    hint: PlanResult | None = None,
) -> PlanResult:
    """Build and solve the model; never raises on an empty or infeasible instance: the result's
    status, warnings and uncovered need say what happened."""
    began = time.perf_counter()
    options = options or Options(problem)
    settings = problem.settings
    weights = settings.weights
    rates = problem.rates
    cal = options.calendar
    warnings: list[str] = []
    if not any(sum(s) for s in problem.need.values()):
        return materialise(
            problem, options, [], [], status="OPTIMAL", objective=0.0, bound=0.0, gap=0.0,
            solve_seconds=time.perf_counter() - began, warnings=["aucun besoin à couvrir sur l'horizon"],
        )

    model = cp_model.CpModel()
    weeks = problem.weeks
    partners = {p.key: p for p in problem.partners}
    y = fraction(rates.hires_per_trainee)
    a = fraction(rates.attended_to_selected)

    # Usage ledgers: lists of (coefficient, variable) per resource and week.
    partner_cohorts: dict[tuple[str, int], list] = defaultdict(list)
    partner_discoveries: dict[tuple[str, int], list] = defaultdict(list)
    venue_discoveries: dict[tuple[str, int], list] = defaultdict(list)
    venue_days: dict[tuple[str, int], int] = {}
    team: dict[int, list] = defaultdict(list)
    events_cost: list = []

    # Fixed events: constants on the same ledgers.
    fixed_partner_cohorts: dict[tuple[str, int], int] = defaultdict(int)
    fixed_partner_discoveries: dict[tuple[str, int], int] = defaultdict(int)
    fixed_venue: dict[tuple[str, int], int] = defaultdict(int)
    fixed_team: dict[int, int] = defaultdict(int)
    fixed_arrivals: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for fixed in problem.fixed:
        first_week = cal.week_of(fixed.first_day)
        if 0 <= first_week < weeks:
            fixed_team[first_week] += 1
        if fixed.kind == "poec":
            for week in range(first_week, cal.week_of(fixed.last_day) + 1):
                fixed_partner_cohorts[(fixed.partner_key, week)] += 1
            fixed_arrivals[fixed.trade_key][_fixed_arrival(problem, fixed)] += hires_from(fixed.capacity, rates)
        else:
            fixed_partner_discoveries[(fixed.partner_key, first_week)] += 1
            if fixed.venue_key:
                fixed_venue[(fixed.venue_key, first_week)] += 1

    cohort_vars: list[tuple[CohortOption, cp_model.IntVar, cp_model.IntVar]] = []
    discovery_vars: list[tuple[DiscoveryOption, cp_model.IntVar, int]] = []
    unmet_terms: list = []
    late_terms: list = []
    # (trade, week) -> variable, to start the search from a hint
    served_vars: dict[tuple[str, int], cp_model.IntVar] = {}
    late_vars: dict[tuple[str, int], cp_model.IntVar] = {}
    cum_vars: dict[tuple[str, int], cp_model.IntVar] = {}
    hire_vars: list[tuple[CohortOption, cp_model.IntVar]] = []

    for trade_key in sorted(problem.need):
        series = problem.need[trade_key]
        trade = problem.trade(trade_key)
        duration = trade.poec.duration_weeks
        arrivals: dict[int, list] = defaultdict(list)
        starts: dict[int, list] = defaultdict(list)
        for option in options.cohorts.get(trade_key, []):
            tag = f"{trade_key}_{option.partner_key}_{option.week}"
            c = model.new_bool_var(f"c_{tag}")
            n = model.new_int_var(0, option.max_size, f"n_{tag}")
            h = model.new_int_var(0, hires_from(option.max_size, rates), f"h_{tag}")
            model.add(n >= trade.poec.min_size * c)
            model.add(n <= option.max_size * c)
            model.add(y.denominator * h <= y.numerator * n)
            cohort_vars.append((option, c, n))
            hire_vars.append((option, h))
            arrivals[option.arrival_week].append(h)
            starts[option.week].append(n)
            team[option.week].append(c)
            events_cost.append(c)
            for week in range(option.week, option.week + duration):
                partner_cohorts[(option.partner_key, week)].append(c)
        # Discoveries recruit the cohorts starting ``lead`` weeks (plus the window) later.
        for cohort_week in sorted(starts):
            seats_terms = []
            for disc_week in options.discovery_weeks_for(trade_key, cohort_week):
                for option in options.discoveries[trade_key].get(disc_week, []):
                    d = model.new_int_var(0, len(option.days), f"d_{trade_key}_{option.venue_key}_{disc_week}_{cohort_week}")
                    discovery_vars.append((option, d, cohort_week))
                    seats_terms.append(option.seats * d)
                    partner_discoveries[(option.partner_key, disc_week)].append(d)
                    venue_discoveries[(option.venue_key, disc_week)].append(d)
                    venue_days[(option.venue_key, disc_week)] = len(option.days)
                    team[disc_week].append(d)
                    events_cost.append(d)
            # trainees <= attended_to_selected * seats
            model.add(a.denominator * sum(starts[cohort_week]) <= a.numerator * sum(seats_terms))
        # Cumulative trained people, on-time service and lateness.
        total_need = sum(series)
        cum_need = 0
        served_so_far: list = []
        supply = 0
        cum_fixed = 0
        for week in range(weeks):
            cum_fixed += fixed_arrivals[trade_key].get(week, 0)
            supply = supply + sum(arrivals.get(week, []))
            cum_need += series[week]
            if series[week] > 0:
                s = model.new_int_var(0, series[week], f"s_{trade_key}_{week}")
                # running total of people served on time: a chain, not a growing sum
                q = model.new_int_var(0, cum_need, f"q_{trade_key}_{week}")
                model.add(q == (served_so_far[-1] if served_so_far else 0) + s)
                served_so_far.append(q)
                served_vars[(trade_key, week)] = s
                model.add(q <= supply + cum_fixed)
                unmet_terms.append(series[week] - s)
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

    for (partner_key, week), cohorts in partner_cohorts.items():
        cap = partners[partner_key].concurrent_capacity - fixed_partner_cohorts[(partner_key, week)]
        model.add(sum(cohorts) <= max(cap, 0))
    for (partner_key, week), discs in partner_discoveries.items():
        partner = partners[partner_key]
        days = len(cal.partner_days(week, partner))
        used = fixed_partner_cohorts[(partner_key, week)] * days + fixed_partner_discoveries[(partner_key, week)]
        cohorts = partner_cohorts.get((partner_key, week), [])
        model.add(days * sum(cohorts) + sum(discs) <= max(partner.concurrent_capacity * days - used, 0))
    for (venue_key, week), discs in venue_discoveries.items():
        model.add(sum(discs) <= max(venue_days[(venue_key, week)] - fixed_venue[(venue_key, week)], 0))
    for week, items in team.items():
        limit = settings.max_events_per_week - fixed_team[week]
        if limit < 0:
            warnings.append(
                f"semaine du {cal.week_monday(week)} : les événements maintenus dépassent "
                f"le maximum de {settings.max_events_per_week} par semaine"
            )
        model.add(sum(items) <= max(limit, 0))

    model.minimize(
        weights.uncovered_person * sum(unmet_terms)
        + weights.late_person_week * sum(late_terms)
        + weights.event * sum(events_cost)
    )
    limit = time_limit if time_limit is not None else settings.solver_time_limit_seconds
    if hint is not None:
        _add_hint(
            model, problem, hint, cohort_vars, discovery_vars, hire_vars, served_vars, late_vars, cum_vars,
            fixed_arrivals,
        )
    build_seconds = time.perf_counter() - began
    # Window of each decision: the week its cohort starts (a discovery belongs to its cohort).
    windows = [(opt.week, (c, n)) for opt, c, n in cohort_vars]
    windows += [(opt.week, (h,)) for opt, h in hire_vars]
    windows += [(cohort_week, (d,)) for _opt, d, cohort_week in discovery_vars]
    start_values = {var.index: 0 for _week, variables in windows for var in variables}
    hinted = model.proto.solution_hint
    start_values.update((i, v) for i, v in zip(hinted.vars, hinted.values) if i in start_values)
    search = _Search(model, settings.solver_seed, parameters or {})
    code, values, bound = search.run(limit, windows, problem.weeks, start_values, len(cohort_vars))
    status = STATUS_NAMES.get(code, str(code))
    if values is None:
        warnings.append(f"le solveur n'a pas trouvé de plan (statut {status})")
        return materialise(
            problem, options, [], [], status=status, objective=None, bound=None, gap=None,
            solve_seconds=time.perf_counter() - began, warnings=warnings,
        )
    objective = search.objective
    gap = 0.0 if code == cp_model.OPTIMAL else abs(objective - bound) / max(abs(objective), 1.0)
    value = lambda var: values[var.index]  # noqa: E731
    chosen_cohorts = [(opt, value(n)) for opt, c, n in cohort_vars if value(c)]
    chosen_discoveries = [(opt, value(d), cw) for opt, d, cw in discovery_vars if value(d) > 0]
    result = materialise(
        problem, options, chosen_cohorts, chosen_discoveries, status=status, objective=objective,
        bound=bound, gap=gap, solve_seconds=time.perf_counter() - began, warnings=warnings,
    )
    result.stats = {
        "build_seconds": round(build_seconds, 3),
        "deterministic_seconds": round(search.deterministic_time, 3),
        "windows_solved": search.windows_solved,
        "improvements": search.improvements,
    }
    return result


def _add_hint(
    model, problem, hint: PlanResult, cohort_vars, discovery_vars, hire_vars, served_vars, late_vars, cum_vars,
    fixed_arrivals,
) -> None:
    """Start the search from another plan (the greedy one): a good first solution, same answer."""
    sizes = {
        (e.trade_key, e.partner_key, e.week): e.capacity
        for e in hint.events
        if e.kind == "poec" and e.fixed_event_id is None
    }
    cohort_weeks = {i: e.week for i, e in enumerate(hint.events) if e.kind == "poec"}
    counts: dict[tuple, int] = defaultdict(int)
    for e in hint.events:
        if e.kind == "discovery" and e.fixed_event_id is None and e.cohort is not None:
            counts[(e.trade_key, e.venue_key, e.week, cohort_weeks[e.cohort])] += 1
    for option, c, n in cohort_vars:
        size = sizes.get((option.trade_key, option.partner_key, option.week), 0)
        model.add_hint(c, 1 if size else 0)
        model.add_hint(n, size)
    for option, d, cohort_week in discovery_vars:
        model.add_hint(d, counts.get((option.trade_key, option.venue_key, option.week, cohort_week), 0))
    arrivals: dict[tuple[str, int], int] = defaultdict(int)
    for option, h in hire_vars:
        size = sizes.get((option.trade_key, option.partner_key, option.week), 0)
        hires = hires_from(size, problem.rates)
        model.add_hint(h, hires)
        arrivals[(option.trade_key, option.arrival_week)] += hires
    for trade_key, series in problem.need.items():
        stock = cum_supply = cum_fixed = cum_need = 0
        for week in range(problem.weeks):
            fixed = fixed_arrivals[trade_key].get(week, 0)
            cum_fixed += fixed
            cum_supply += arrivals[(trade_key, week)]
            cum_need += series[week]
            stock += arrivals[(trade_key, week)] + fixed
            served = min(stock, series[week])
            stock -= served
            if (trade_key, week) in served_vars:
                model.add_hint(served_vars[(trade_key, week)], served)
            if (trade_key, week) in late_vars:
                model.add_hint(late_vars[(trade_key, week)], max(0, cum_need - cum_fixed - cum_supply))
            if (trade_key, week) in cum_vars:
                model.add_hint(cum_vars[(trade_key, week)], cum_supply)


class _Search:
    """A deterministic search, by size of the model.

    - Small models (up to ``SMALL`` cohort options, e.g. a few trades over a year): the whole model,
      from the hint, for the whole deterministic time limit; they usually end proven optimal.
    - Large models (the three-year, twelve-trade plan: some 1,500 cohort options and 12,000
      variables): searching the whole model with one worker did not beat the greedy hint in
      5 deterministic seconds, and its presolve alone took most of them. Instead: the hint (or the
      empty plan) is the incumbent, then large-neighbourhood passes over windows of weeks re-solve
      the decisions of the cohorts starting in a window (and their discoveries) with every other
      decision kept; a window's plan replaces the incumbent only when the objective improves.
      Windows of ``WINDOW_WEEKS`` weeks, half-overlapping, are visited in order; a sweep that
      improves nothing widens them. The bound is the LP relaxation's (GLOP), weaker than CP-SAT's
      cuts, so the gap reported for a large model is pessimistic.

    Every step has a deterministic time limit and one worker: the same input gives the same plan.
    """

    WINDOW_WEEKS = 16
    WINDOW_LIMIT = 0.5  # deterministic seconds per window (best of 0.3-1.0 measured on the bench)
    SMALL = 200  # cohort options: up to this, the whole model is searched at once

    def __init__(self, model: cp_model.CpModel, seed: int, overrides: dict) -> None:
        self.model = model
        self.seed = seed
        self.overrides = overrides
        self.deterministic_time = 0.0
        self.objective: float | None = None
        self.windows_solved = 0
        self.improvements = 0

    def _solve(self, model: cp_model.CpModel, limit: float) -> tuple:
        solver = cp_model.CpSolver()
        params = solver.parameters
        params.num_workers = 1
        params.random_seed = self.seed
        params.max_deterministic_time = max(limit, 0.01)
        # A wall-clock guard far above the deterministic limit, only against a stuck machine.
        params.max_time_in_seconds = max(20 * limit, 60.0)
        for name, value in self.overrides.items():
            setattr(params, name, value)
        code = solver.solve(model)
        response = solver.response_proto
        bound = solver.best_objective_bound
        self.deterministic_time += response.deterministic_time
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return code, None, None, bound
        return code, list(response.solution), solver.objective_value, bound

    def _fixed(self, windows, values, begin: int = 0, end: int = 0) -> cp_model.CpModel:
        """A copy of the model with every decision outside weeks [begin, end) fixed to ``values``
        (all decisions when the window is empty), hinted with ``values`` where known."""
        sub = self.model.clone()
        proto_vars = sub.proto.variables
        for week, variables in windows:
            if begin <= week < end:
                continue
            for var in variables:
                domain = proto_vars[var.index].domain
                value = values[var.index]
                domain.clear()
                domain.extend([value, value])
        return sub

    def run(self, limit: float, windows: list[tuple[int, tuple]], weeks: int, start: dict[int, int], size: int):
        if size <= self.SMALL:
            code, values, self.objective, bound = self._solve(self.model, limit)
            return code, values, bound
        # The model is too large to search whole: its LP relaxation bounds the objective.
        bound = lp_bound(self.model)
        if bound is None:
            bound = 0.0
        # The incumbent: the start plan (the hint, else nothing), completed by a solve with every
        # decision fixed.
        code, values, self.objective, _ = self._solve(self._fixed(windows, start), 1.0)
        if values is None:
            return code, None, None
        size = self.WINDOW_WEEKS
        while limit - self.deterministic_time > 0.05 and self.objective > bound + 1e-6:
            step = size // 2
            improved = False
            for begin in range(0, max(weeks - step, 1), step):
                remaining = limit - self.deterministic_time
                if remaining <= 0.05 or self.objective <= bound + 1e-6:
                    break
                sub = self._fixed(windows, values, begin, begin + size)
                hint = sub.proto.solution_hint
                hint.vars.clear()
                hint.values.clear()
                hint.vars.extend(range(len(values)))
                hint.values.extend(values)
                _, sub_values, sub_objective, _ = self._solve(sub, min(self.WINDOW_LIMIT, remaining))
                self.windows_solved += 1
                if sub_values is not None and sub_objective < self.objective - 1e-6:
                    values, self.objective = sub_values, sub_objective
                    self.improvements += 1
                    improved = True
            if not improved:
                if size >= weeks:
                    break
                size += self.WINDOW_WEEKS // 2  # nothing left to gain in small windows: widen them
        if self.objective <= bound + 1e-6:
            return cp_model.OPTIMAL, values, bound
        return cp_model.FEASIBLE, values, bound


def lp_bound(model: cp_model.CpModel, time_limit: float = 20.0) -> float | None:
    """A lower bound of the objective: the LP relaxation of the model (every constraint is linear),
    solved with GLOP, deterministic. None when the LP could not be solved in time."""
    from ortools.linear_solver.python import model_builder as mb

    proto = model.proto
    lp = mb.Model()
    xs = [lp.new_var(v.domain[0], v.domain[len(v.domain) - 1], False, None) for v in proto.variables]

    def term(ref: int, coeff: int):
        # a negative reference is the negation of a Boolean: not(x) = 1 - x
        return coeff * xs[ref] if ref >= 0 else coeff * (1 - xs[-ref - 1])

    for constraint in proto.constraints:
        linear = constraint.linear
        expr = sum(term(r, c) for r, c in zip(linear.vars, linear.coeffs))
        low, high = linear.domain[0], linear.domain[len(linear.domain) - 1]
        if low > -(2**62):
            lp.add(expr >= low)
        if high < 2**62:
            lp.add(expr <= high)
    objective = proto.objective
    lp.minimize(sum(term(r, c) for r, c in zip(objective.vars, objective.coeffs)) + objective.offset)
    solver = mb.Solver("glop")
    solver.set_time_limit_in_seconds(time_limit)
    status = solver.solve(lp)
    if status != mb.SolveStatus.OPTIMAL:
        return None
    scale = objective.scaling_factor or 1.0
    return solver.objective_value * scale
