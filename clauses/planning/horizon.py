"""Plans over several years: a rolling horizon of whole-model solves.

The need far away is uncertain and replanned every week, and CP-SAT's search on a whole 3- or
5-year model stalls (at 5 years the tight bench instance came back as the greedy plan it was
given). So a long plan is built window by window, through the planner's public interface only
(``PlanningProblem``, ``Options``, ``solve``, ``plan_greedy``, ``materialise``):

0. the need of the first ``firm_weeks`` weeks alone is solved whole: the near term is planned
   first, as well as it can be;
1. the first ``window_weeks`` weeks are solved with the full model, starting from the near-term
   plan and bound to train at least as many of the near need on time (a floor on the model's
   people served in those weeks, rather than the near plan's events kept as they are, which
   trained 2 to 7 % fewer people in the year on the 1-year bench);
2. every chain that has started before the next window's first week — a cohort of a trade and
   the discoveries recruiting it (all the cohorts of one trade starting in one week, with their
   discoveries) — is kept as it is: it becomes a ``FixedEvent`` for the later windows (it uses
   their capacity, its recruitment events included; a cohort's hires count in their need);
3. the window moves on by ``step_weeks`` weeks; the need it sees is what is left once the kept
   cohorts that arrived before it have served the need before it (served in arrival order, as
   ``evaluate`` does, so the windows' coverage adds up to the whole plan's);
4. the last window keeps everything it plans;
5. the first ``improve_windows`` windows are then solved again on the whole model, every other
   decision kept (``model.improve_by_windows``): a window there sees what its choices do to the
   need after it. 3-year bench, medium / tight, at 2.4 det s a window then 3 windows of 1 det s:
   227 / 262 → 243 / 273 people on time (the rolling pass alone at 3.2 det s a window: 227 / 275);
   5 years, medium: 412 → 455 (423 at 3.2 det s), in 52.5 s of wall time instead of 44.5 s on the
   machine measured (106 s on one twice as slow: the limits are deterministic). Each of those
   windows is a solve of the whole model: its cost grows with the horizon, their number does not.

The near term is planned firm (the first window is the 1-year model) and the far term is planned
well enough to warn early, with a cost that grows linearly with the horizon (one window solve per
``step_weeks``). Every window is deterministic (one worker, deterministic limits), so the same
input gives the same plan. The result is never worse than the greedy baseline on the whole
horizon: if greedy covers more people on time, the greedy plan is returned (never seen on the
bench). A plan of one window (a year) is planned in the same two stages, its window solved twice
with half the whole plan's limit each: freely, then under the floor from the free plan (solved
whole at once, the 1-year bench instances trained 5 of 8, 10 of 14 and 0 of 25 people of their
first 26 weeks' need on time). Plans no longer than ``firm_weeks`` are solved whole.

Windows starting ``far_weeks`` or more after the plan's start are solved for ``far_time_limit``
deterministic seconds instead of ``window_time_limit``: replanned every week long before they come
near, they only need to warn early. 5-year bench, loose / medium / tight, windows from the third
year on at 1 det s instead of 2.4: 245 / 455 / 515 people on time in 42.1 / 68.9 / 61.0 s of wall
time → 247 / 451 / 544 in 34.8 / 56.7 / 54.2 s (at 1.2 det s: 246 / 443 / 544; from week 78 at
1 det s: 246 / 438 / 497); 3 years (its last window only): 146 / 243 / 273 → 146 / 243 / 279.

A window of which only the first ``step_weeks`` are kept gives most of its time to coverage
(``window_coverage_share``) and searches with the linear relaxation only: the search without it
(``model._coverage_search``), which helps whole solves, costs about twice the wall time per
deterministic second there, for no more people on time (3-year bench at 4 det s a window, medium /
tight: 240 / 288 with it, 238 / 289 without). The second level then gets 0.4 det s a window: the
5-year bench went from 440 / 528 people on time in 61.5 / 67.9 s to 428 / 525 in 44.8 / 46.5 s.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import time
from collections import defaultdict
from fractions import Fraction

from clauses.planning.greedy import plan_greedy
from clauses.planning.model import improve_by_windows, solve
from clauses.planning.problem import (
    CohortOption,
    DiscoveryOption,
    FixedEvent,
    Options,
    PlanningProblem,
    Slot,
    cohort_arrivals,
    completers,
    direct_hires,
    evaluate,
    fixed_hires,
    ready_rate,
    recruitment_events_needed,
)
from clauses.planning.result import PARIS, PlannedEvent, PlanResult, _fixed_arrival, materialise


@dataclasses.dataclass(frozen=True)
class Rolling:
    """How a long plan is cut: windows of ``window_weeks`` moving by ``step_weeks``, each solved
    for at most ``window_time_limit`` deterministic seconds (None: the solver's configured limit)."""

    window_weeks: int = 52
    step_weeks: int = 26
    window_time_limit: float | None = None
    firm_weeks: int = 26  # the need of these first weeks is planned first, alone (0: no such stage)
    # Share of a window's time for coverage when only its first step is kept (not the last window):
    # its second level (lateness, events) hardly moves from its start there (0.02 % in 1.2 det s on
    # the 2-year tight bench) and took 45 % of the 5-year plan's wall time.
    window_coverage_share: float = 0.875
    # Then the first ``improve_windows`` windows are solved again on the whole model, every other
    # decision kept, for ``improve_time_limit`` deterministic seconds each (``model.improve_by_windows``).
    improve_windows: int = 0
    improve_time_limit: float = 1.0
    # Windows starting at or after week ``far_weeks`` (None: none) get ``far_time_limit``
    # deterministic seconds instead of ``window_time_limit``: the far plan only warns early.
    far_weeks: int | None = None
    far_time_limit: float | None = None

    def __post_init__(self) -> None:
        if not 0 < self.step_weeks <= self.window_weeks:
            raise ValueError("step_weeks must be in 1..window_weeks")
        if not 0 <= self.firm_weeks <= self.window_weeks:
            raise ValueError("firm_weeks must be in 0..window_weeks")
        if self.far_weeks is not None and self.far_time_limit is None:
            raise ValueError("far_weeks needs far_time_limit")

    @classmethod
    def from_settings(cls, settings) -> "Rolling":
        """The rolling horizon configured in ``settings`` (``config.planning.rolling``)."""
        return cls(
            window_weeks=settings.window_weeks, step_weeks=settings.step_weeks,
            window_time_limit=settings.window_time_limit_seconds, firm_weeks=settings.firm_weeks,
            window_coverage_share=settings.window_coverage_share, improve_windows=settings.improve_windows,
            improve_time_limit=settings.improve_time_limit_seconds, far_weeks=settings.far_weeks,
            far_time_limit=settings.far_window_time_limit_seconds,
        )

    def window_limit(self, first_week: int) -> float | None:
        """Deterministic seconds for the window starting at week ``first_week``."""
        if self.far_weeks is not None and first_week >= self.far_weeks:
            return self.far_time_limit
        return self.window_time_limit


@dataclasses.dataclass
class _Chain:
    """One trade's cohorts starting in one week and the discoveries recruiting them, in the whole
    problem's weeks and options; for a trade without POEC, its discoveries of one week, whose
    candidates go straight to a recruitment event (no cohorts; ``cohort_week`` is their week)."""

    trade_key: str
    cohort_week: int
    cohorts: list[tuple[CohortOption, int]]  # (option, trainees)
    discoveries: list[tuple[DiscoveryOption, list[dt.date]]]  # (option, days held)

    @property
    def direct(self) -> bool:
        return not self.cohorts

    def arrivals(self, rates, offset: int = 0) -> list[tuple[int, int]]:
        """(week - ``offset``, hires) of its cohorts, or of its discoveries for a trade without POEC."""
        if self.direct:
            return [(o.arrival_week - offset, direct_hires(o.seats * len(days), rates)) for o, days in self.discoveries]
        return [(week - offset, hires) for week, hires in cohort_arrivals(self.cohorts, rates).items()]

    @property
    def first_week(self) -> int:
        return min([o.week for o, _ in self.cohorts] + [o.week for o, _ in self.discoveries])

    def as_fixed(self, first_id: int, start: dt.date) -> list[FixedEvent]:
        """The chain as events kept as they are (ids ``first_id``, ``first_id`` - 1, …: negative,
        so that no stored event is mistaken for them), in a plan starting on ``start``. A cohort's
        hires count from its option's arrival week (after its recruitment event)."""
        cohorts = [FixedEvent("poec", o.trade_key, o.partner_key, o.venue_key, o.first_day, o.last_day, size,
                              event_id=first_id - i, hires_from_day=start + dt.timedelta(weeks=o.arrival_week))
                   for i, (o, size) in enumerate(self.cohorts)]
        # The discoveries recruit for the chain's first cohort: kept, their seats are not offered
        # again to the next windows' cohorts.
        recruits_for = cohorts[0].event_id if cohorts else None
        discoveries = [FixedEvent("discovery", o.trade_key, o.partner_key, o.venue_key, day, day, o.seats,
                                  recruits_for_event_id=recruits_for,
                                  hires_from_day=None if cohorts else start + dt.timedelta(weeks=o.arrival_week))
                       for o, days in self.discoveries for day in days]
        return cohorts + [dataclasses.replace(e, event_id=first_id - len(cohorts) - i) for i, e in enumerate(discoveries)]


def _recruitment_events(problem: PlanningProblem, chains: list[_Chain], first_id: int) -> list[FixedEvent]:
    """The recruitment events ``chains`` send their candidates to, as events kept as they are (ids
    ``first_id``, ``first_id`` - 1, …): as many at each slot as the candidates of all of them need,
    as the plan holds them (``materialise``). Kept, they take their week's team, host day and room
    from the next windows, whose own events would otherwise exceed them (the 3-year medium bench
    plan broke 11 of the model's capacity rows so)."""
    sent: dict[Slot, Fraction] = defaultdict(Fraction)
    for chain in chains:
        for option, size in chain.cohorts:
            if option.recruitment is not None:
                sent[option.recruitment] += completers(size, problem.rates)
        for option, days in chain.discoveries if chain.direct else []:
            if option.recruitment is not None:
                sent[option.recruitment] += option.seats * len(days) * ready_rate(problem.rates)
    events: list[FixedEvent] = []
    for slot in sorted(sent, key=lambda s: (s.week, s.trade_key)):
        capacity = problem.trade(slot.trade_key).recruitment.candidate_capacity
        for _ in range(recruitment_events_needed(sent[slot], capacity)):
            events.append(FixedEvent("recruitment", slot.trade_key, slot.partner_key, slot.venue_key, slot.days[0],
                                     slot.days[0], capacity, event_id=first_id - len(events)))
    return events


class _Index:
    """An ``Options``' cohorts by (trade, partner, venue, week) and discoveries by (trade, venue,
    week)."""

    def __init__(self, options: Options) -> None:
        self.cohort = {(o.trade_key, o.partner_key, o.venue_key, o.week): o
                       for opts in options.cohorts.values() for o in opts}
        self.discovery = {
            (o.trade_key, o.venue_key, o.week): o
            for by_week in options.discoveries.values() for found in by_week.values() for o in found
        }


def plan_rolling(
    problem: PlanningProblem,
    options: Options | None = None,
    *,
    rolling: Rolling = Rolling(),
    greedy: PlanResult | None = None,
    time_limit: float | None = None,
) -> PlanResult:
    """The plan of ``problem`` built window by window (see the module's docstring).

    ``greedy``: the greedy plan of the whole problem, if already computed (the floor);
    ``time_limit``: used for a plan short enough to be solved whole."""
    began = time.perf_counter()
    options = options or Options(problem)
    greedy = greedy or plan_greedy(problem, options)
    if problem.weeks <= rolling.firm_weeks:
        result = solve(problem, options, time_limit=time_limit, hint=greedy)
        result.stats = {**result.stats, "method": "whole"}
        return result

    index = _Index(options)
    kept: list[_Chain] = []
    kept_fixed: list[FixedEvent] = []  # the kept chains, as events kept for the next windows
    carried: list[_Chain] = []  # planned by the last window but not kept: the next one starts from them
    windows: list[dict] = []
    deterministic = 0.0
    near_floor = None
    one_window = problem.weeks <= rolling.window_weeks  # its plan is that window's, as solved
    if rolling.firm_weeks:
        # The near term first: the need of the first weeks alone, solved whole (a small model, solved
        # to its optimum). A window otherwise trades near people for more far ones.
        near = _window_problem(problem, 0, rolling.firm_weeks, [])
        near_options = Options(near)
        result = solve(near, near_options, time_limit=rolling.window_time_limit, hint=plan_greedy(near, near_options))
        deterministic += result.stats.get("deterministic_seconds", 0.0)
        windows.append({"first_week": 0, "weeks": near.weeks, "status": result.status, "on_time": result.on_time,
                        "gap": None if result.gap is None else round(result.gap, 4),
                        "deterministic_seconds": result.stats.get("deterministic_seconds", 0.0)})
        # The first window starts from those chains and must train as many of the near need on time.
        carried = _on_time_only(problem, near, _chains(result, _Index(near_options), index, 0), near.weeks)
        near_floor = (near.weeks, result.on_time)
    first = 0
    while True:
        end = min(first + rolling.window_weeks, problem.weeks)
        last = end >= problem.weeks
        window = _window_problem(problem, first, end, kept_fixed + _recruitment_events(problem, kept, -10**7))
        window_options = Options(window)
        window_index = _Index(window_options)
        floor = near_floor if first == 0 else None
        hint = _warm_start(window, window_options, window_index, carried, first, from_carried=floor is not None)
        limit = time_limit if one_window else rolling.window_limit(first)
        free = None
        if one_window and floor is not None:
            # A plan of one window: the year first, freely (half the limit), then the year again
            # under the near floor, from that plan. Started from the near-term plan instead, the
            # search kept its shape: 1-year bench 36 / 57 / 66 people on time against 40 / 61 / 66.
            limit = (limit or problem.settings.solver_time_limit_seconds) / 2
            free = solve(window, window_options, time_limit=limit, hint=hint)
            deterministic += free.stats.get("deterministic_seconds", 0.0)
            hint = free if free.on_time > hint.on_time else hint
        # A window whose plan is kept only in part: most of its time for coverage (see ``Rolling``).
        share = {} if one_window or last else {"coverage_share": rolling.window_coverage_share, "search_share": 0.0}
        result = solve(window, window_options, time_limit=limit, hint=hint, near_floor=floor, **share)
        if floor is not None and result.objective is None:  # no plan found within the floor: none then
            result = free if free is not None else solve(window, window_options, time_limit=limit, hint=hint, **share)
        if result is not free:  # (the free plan's time is counted already)
            deterministic += result.stats.get("deterministic_seconds", 0.0)
        windows.append({
            "first_week": first, "weeks": end - first, "status": result.status, "on_time": result.on_time,
            "hint_on_time": hint.on_time, "gap": None if result.gap is None else round(result.gap, 4),
            "time_limit": limit, "deterministic_seconds": result.stats.get("deterministic_seconds", 0.0),
        })
        if one_window:
            break
        carried = []
        chains = _chains(result, window_index, index, first)
        if not last:
            chains = _on_time_only(problem, window, chains, first + rolling.step_weeks)
        for chain in chains:
            if last or chain.first_week < first + rolling.step_weeks:
                kept.append(chain)
                kept_fixed += chain.as_fixed(-1 - len(kept_fixed), problem.start)
            else:
                carried.append(chain)
        if last:
            break
        first += rolling.step_weeks

    improved = None
    if not one_window:
        result = _plan_of(problem, options, kept, status="FEASIBLE")
        result.objective = float(result.on_time)
        if rolling.improve_windows:
            improved = improve_by_windows(
                problem, options, result, window_weeks=rolling.window_weeks, step_weeks=rolling.step_weeks,
                time_limit=rolling.improve_time_limit, near_weeks=rolling.firm_weeks, most_windows=rolling.improve_windows,
            )
            deterministic += improved.stats["deterministic_seconds"]
            if improved.on_time >= result.on_time:  # (the model keeps its people: a safeguard)
                result = improved
    result.solve_seconds = time.perf_counter() - began
    stats = {
        "method": "rolling", "window_weeks": rolling.window_weeks, "step_weeks": rolling.step_weeks,
        "deterministic_seconds": round(deterministic, 3), "windows": windows, "greedy_on_time": greedy.on_time,
        **({"improved_windows": improved.stats["windows"]} if improved is not None else {}),
    }
    if greedy.on_time > result.on_time:
        greedy.stats = {**stats, "method": "greedy"}
        greedy.solve_seconds = time.perf_counter() - began
        return greedy
    result.stats = {**result.stats, **stats} if one_window else stats
    return result


def _on_time_only(problem: PlanningProblem, window: PlanningProblem, chains: list[_Chain], step: int) -> list[_Chain]:
    """``chains`` without those starting before week ``step`` that train nobody on time in the
    window: the window's second level plans cohorts that only shorten lateness, and kept, they
    would take capacity the next windows need to train people on time (latest chains first)."""
    first = window.start
    offset = (first - problem.start).days // 7
    arrivals: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for event in window.fixed:
        if hires := fixed_hires(event, problem.rates):
            arrivals[event.trade_key][_fixed_arrival(window, event)] += hires
    for chain in chains:
        for week, hires in chain.arrivals(problem.rates, offset):
            arrivals[chain.trade_key][week] += hires
    dropped: set[int] = set()
    for i in sorted(range(len(chains)), key=lambda i: -chains[i].cohort_week):
        chain = chains[i]
        if chain.first_week >= step:
            continue
        series = window.need.get(chain.trade_key, [])
        trade = arrivals[chain.trade_key]
        before = evaluate(series, trade).on_time
        for week, hires in chain.arrivals(problem.rates, offset):
            trade[week] -= hires
        if evaluate(series, trade).on_time == before:
            dropped.add(i)
        else:
            for week, hires in chain.arrivals(problem.rates, offset):
                trade[week] += hires
    return [chain for i, chain in enumerate(chains) if i not in dropped]


def _window_problem(problem: PlanningProblem, first: int, end: int, kept: list[FixedEvent]) -> PlanningProblem:
    """Weeks ``first`` to ``end`` (excluded) of ``problem``, with the kept events fixed and the need
    left once the cohorts arrived before ``first`` have served the need before ``first``."""
    fixed = [f if f.event_id is not None else dataclasses.replace(f, event_id=-10**9 - i)
             for i, f in enumerate(problem.fixed)] + kept
    arrivals: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for event in fixed:
        if hires := fixed_hires(event, problem.rates):
            arrivals[event.trade_key][_fixed_arrival(problem, event)] += hires
    need = {}
    for trade_key, series in problem.need.items():
        before = {w: n for w, n in arrivals.get(trade_key, {}).items() if 0 <= w < first}
        stock = sum(before.values()) - evaluate(series[:first], before).on_time if first else 0
        rest = list(series[first:end])
        for week, people in enumerate(rest):
            served = min(stock, people)
            rest[week] -= served
            stock -= served
        need[trade_key] = rest
    return dataclasses.replace(
        problem, start=problem.start + dt.timedelta(weeks=first), weeks=end - first, need=need, fixed=fixed,
    )


def _warm_start(
    window: PlanningProblem, options: Options, index: _Index, carried: list[_Chain], first: int, *, from_carried: bool = False
) -> PlanResult:
    """Where the window's search starts: the chains the previous window planned and did not keep,
    completed by the greedy plan around them, or the greedy plan alone if that covers more (unless
    ``from_carried``: the near-term plan's chains meet the window's floor, the greedy plan may not)."""
    alone = plan_greedy(window, options)
    local = [c for c in (_localize(chain, index, first) for chain in carried) if c is not None]
    if not local:
        return alone
    around = copy.copy(options)  # the same options, with the carried chains taking their capacity
    held: list[FixedEvent] = []
    for chain in local:
        held += chain.as_fixed(-10**8 - len(held), window.start)
    around.problem = dataclasses.replace(window, fixed=window.fixed + held)
    filler = _chains(plan_greedy(around.problem, around), index, index, 0)
    combined = _plan_of(window, options, local + filler, status="GREEDY")
    return combined if from_carried or combined.on_time >= alone.on_time else alone


def _plan_of(problem: PlanningProblem, options: Options, chains: list[_Chain], *, status: str) -> PlanResult:
    """The plan made of ``chains`` (events dated and linked by ``materialise``)."""
    return materialise(
        problem, options,
        [c for chain in chains for c in chain.cohorts],
        [(o, len(days), None if chain.direct else chain.cohort_week) for chain in chains for o, days in chain.discoveries],
        status=status, objective=None, bound=None, gap=None, solve_seconds=0.0,
    )


def _localize(chain: _Chain, index: _Index, first: int) -> _Chain | None:
    """``chain`` in the window starting at week ``first`` (None if the window cannot hold it)."""
    cohorts = [(index.cohort.get((o.trade_key, o.partner_key, o.venue_key, o.week - first)), size)
               for o, size in chain.cohorts]
    discoveries = [(index.discovery.get((o.trade_key, o.venue_key, o.week - first)), days)
                   for o, days in chain.discoveries]
    if any(o is None for o, _ in cohorts + discoveries):
        return None
    return _Chain(chain.trade_key, chain.cohort_week - first, cohorts, discoveries)


def _chains(result: PlanResult, local: _Index, whole: _Index, first: int) -> list[_Chain]:
    """The new events of a window's plan (``local`` options, the window starting at week ``first``)
    as chains in the whole problem's options (``whole``). A discovery recruiting for no cohort and
    sending no one to a recruitment event is left out."""
    new: list[PlannedEvent] = [e for e in result.events if e.fixed_event_id is None]
    chains: dict[tuple[str, int], _Chain] = {}
    for event in new:
        if event.kind == "poec":
            option = _moved(local.cohort[(event.trade_key, event.partner_key, event.venue_key, event.week)], whole, first)
            chain = chains.setdefault((event.trade_key, event.week), _Chain(event.trade_key, event.week + first, [], []))
            chain.cohorts.append((option, event.capacity))
    days: dict[tuple[str, int], dict[DiscoveryOption, list[dt.date]]] = defaultdict(lambda: defaultdict(list))
    for event in new:
        if event.kind != "discovery":
            continue
        if event.cohort is not None:
            key = (event.trade_key, result.events[event.cohort].week)
            if key not in chains:
                continue
        elif event.hiring is not None:  # a trade without POEC: its candidates go to a recruitment event
            key = (event.trade_key, event.week)
            chains.setdefault(key, _Chain(event.trade_key, event.week + first, [], []))
        else:
            continue
        option = local.discovery[(event.trade_key, event.venue_key, event.week)]
        days[key][option].append(event.start.astimezone(PARIS).date())
    for key, by_option in days.items():
        chains[key].discoveries += [(_moved(o, whole, first), sorted(d)) for o, d in by_option.items()]
    return [chains[key] for key in sorted(chains, key=lambda k: (k[1], k[0]))]


def _moved(option, whole: _Index, first: int):
    """A window's option as the whole problem's option (the same partner, venue and days)."""
    if isinstance(option, CohortOption):
        found = whole.cohort.get((option.trade_key, option.partner_key, option.venue_key, option.week + first))
        return found or dataclasses.replace(option, week=option.week + first, arrival_week=option.arrival_week + first)
    found = whole.discovery.get((option.trade_key, option.venue_key, option.week + first))
    return found or dataclasses.replace(option, week=option.week + first)


def overruns(options: Options, result: PlanResult) -> dict[tuple, tuple[int, int]]:
    """The shared capacity rows (``resources.shared_resources``) that ``result``'s new events
    exceed: row -> (used, capacity). Empty for a feasible plan; a check for tests and benches."""
    from clauses.planning.resources import shared_resources

    shared = shared_resources(options)
    index = _Index(options)
    used: dict[tuple, int] = defaultdict(int)
    for event in result.events:
        if event.fixed_event_id is not None:
            continue
        if event.kind == "poec":  # its information session included
            usage = shared.cohort_usage[index.cohort[(event.trade_key, event.partner_key, event.venue_key, event.week)]]
        elif event.kind == "discovery":
            usage = shared.discovery_usage[index.discovery[(event.trade_key, event.venue_key, event.week)]]
        elif event.kind == "recruitment":
            usage = shared.slot_usage[options.slot("recruitment", event.trade_key, event.week)]
        else:
            continue
        for row, units in usage:
            used[row] += units
    return {row: (n, shared.capacity[row]) for row, n in sorted(used.items()) if n > shared.capacity[row]}
