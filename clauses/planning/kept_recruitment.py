"""Kept cohorts whose completers would meet no employer get a recruitment event in the new plan.

A cohort kept as it is (approved, announced) comes with its recruitment event, unless that event was
cancelled or the cohort was planned without one: its completers would then go to no employer. The
new plan holds one for them, in the first week of the trade's window after the cohort ends (as for
a new cohort) where the events already kept leave room (the team's weekly limit, a day of the host,
a room), and not in the week of the one the coordinator cancelled. Their hires then count from the
week after it, as a new cohort's do. When no week of the window is left, they count from the week
after the cohort ends, as before, and the plan says why.

It is decided once, on the whole problem (``FixedEvent.recruitment_day``), before any planner runs:
the greedy baseline, the model and every window of a rolling horizon then see the same event, and
count the cohort's hires from the same week.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt

from clauses.french import day_long, de
from clauses.planning.problem import FixedEvent, Options, Slot, completers, recruitment_events_needed
from clauses.planning.resources import shared_resources


def waiting_for_recruitment(options: Options) -> list[int]:
    """Positions in ``problem.fixed`` of the kept cohorts of a trade with a POEC and a need whose
    completers go to no recruitment event."""
    problem = options.problem
    with_poec = {t.key for t in problem.trades if t.poec is not None and t.key in problem.need}
    return [
        position for position, fixed in enumerate(problem.fixed)
        if fixed.kind == "poec" and fixed.hires_from_day is None and fixed.recruitment_day is None
        and fixed.trade_key in with_poec
    ]


def _weeks_to_try(options: Options, cohort: FixedEvent) -> list[Slot]:
    """The recruitment events the cohort's completers may go to, in order: its window's weeks with a
    host day, but the week of the one the coordinator cancelled."""
    cal = options.calendar
    cancelled = None if cohort.cancelled_recruitment_day is None else cal.week_of(cohort.cancelled_recruitment_day)
    return [slot for slot in options.recruitment_slots(cohort.trade_key, cal.week_of(cohort.last_day)) if slot.week != cancelled]


def plan_kept_recruitment(options: Options) -> Options:
    """``options`` over a problem whose waiting kept cohorts have their recruitment event's week
    (``recruitment_day``) and hires counted from the week after it, when a week has room; the
    same ``options`` when no kept cohort waits."""
    waiting = waiting_for_recruitment(options)
    if not waiting:
        return options
    problem = options.problem
    cal = options.calendar
    tried = {position: _weeks_to_try(options, problem.fixed[position]) for position in waiting}
    probe = copy.copy(options)
    probe.kept_recruitment = [(position, slot) for position, slots in tried.items() for slot in slots]
    shared = shared_resources(probe)  # the capacity kept events leave, with every tried week's rows
    left = dict(shared.capacity)
    fixed = list(problem.fixed)
    warnings = []
    for position in sorted(waiting, key=lambda p: (problem.fixed[p].last_day, p)):
        cohort = problem.fixed[position]
        recruitment = problem.trade(cohort.trade_key).recruitment
        events = recruitment_events_needed(completers(cohort.capacity, problem.rates), recruitment.candidate_capacity)
        for slot in tried[position]:
            usage = [(row, units * events) for row, units in shared.slot_usage[slot]]
            if all(left[row] >= units for row, units in usage):
                for row, units in usage:
                    left[row] -= units
                fixed[position] = dataclasses.replace(
                    cohort, recruitment_day=slot.days[0], hires_from_day=problem.start + dt.timedelta(weeks=slot.week + 1)
                )
                break
        else:
            window_end = cal.week_of(cohort.last_day) + 1 + recruitment.window_weeks_after_cohort
            if not options.hosts("recruitment", cohort.trade_key) or window_end < 0:
                continue  # no host at all (the plan says so already), or the window is over
            warnings.append(
                f"POEC {de(problem.trade(cohort.trade_key).label)} terminée le {day_long(cohort.last_day)} : "
                "aucune semaine de son délai de rencontre de recrutement n'a de jour libre, "
                "embauches comptées dès la fin de la POEC"
            )
    planned = copy.copy(options)
    planned.problem = dataclasses.replace(problem, fixed=fixed)
    planned.kept_recruitment = planned.find_kept_recruitment()
    planned.warnings = options.warnings + warnings
    return planned
