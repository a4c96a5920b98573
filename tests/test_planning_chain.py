"""The chain to a job (information session → discovery → POEC → recruitment event): each new
constraint on a small instance where it changes the plan, for the solver and the greedy baseline."""

from __future__ import annotations

import dataclasses
import datetime as dt
from types import SimpleNamespace

import pandas as pd
import pytest

from clauses.config.trades import Trade
from clauses.planning.greedy import plan_greedy
from clauses.planning.horizon import Rolling, plan_rolling
from clauses.planning.kept_recruitment import plan_kept_recruitment
from clauses.planning.model import solve
from clauses.planning.problem import FixedEvent, Options
from clauses.planning.report import markdown
from clauses.planning.result import PARIS
from tests.test_planning_model import kinds, partner, problem, settings, trade  # noqa: F401  (fixture)

GEIQ_CLOSED = {"start": dt.date(2026, 2, 23), "end": dt.date(2026, 3, 8)}  # weeks 7 and 8


def chained(**fields) -> Trade:
    """The tests' trade with other chain settings (``recruitment``, ``information_session``, ``poec``)."""
    return Trade(**{**trade().model_dump(), **fields})


def geiq(blackouts=(), kinds_=("recruitment",)):
    return partner("geiq", capacity=1, kinds=kinds_, blackouts=blackouts)


def both(instance):
    """The solver's plan and the greedy one, on the same options."""
    options = Options(instance)
    return solve(instance, options, time_limit=10), plan_greedy(instance, options)


def linked(result, event):
    return result.events[event.hiring]


def test_recruitment_event_follows_the_cohort_and_hires_count_from_it(settings):
    instance = problem(settings, [("macon", 20, 3)], partners=[partner(), geiq()])
    for result in both(instance):
        assert result.on_time == 3
        [cohort] = kinds(result, "poec")
        [meeting] = kinds(result, "recruitment")
        assert linked(result, cohort) is meeting
        assert meeting.week == cohort.week + 4  # the week after its last week
        assert meeting.partner_key == "geiq" and meeting.capacity == 20 and meeting.employer_capacity == 8
        assert meeting.target_invitations == 20  # up to its candidate capacity, completers first
        assert meeting.start.astimezone(PARIS).hour == 14
        assert meeting.start > cohort.end


def test_recruitment_window_pushes_hires_later_so_a_need_is_late(settings):
    # Discovery week 0 → cohort weeks 3-6 → recruitment week 7 → hires from week 8: in time for week 9.
    need = [("macon", 9, 3)]
    free = problem(settings, need, partners=[partner(), geiq()])
    assert all(r.on_time == 3 for r in both(free))
    # The GEIQ is closed in weeks 7-8: the recruitment event moves to week 9, the hires come too late.
    closed = problem(settings, need, partners=[partner(), geiq(blackouts=[GEIQ_CLOSED])])
    best, greedy = both(closed)
    assert best.on_time == greedy.on_time == 0
    assert best.late == 3 and {e.week for e in kinds(best, "recruitment")} == {9}  # trained, hired late
    # With no week of margin after the cohort (window 0), a cohort ending in week 6 cannot be placed.
    strict = [chained(recruitment={"window_weeks_after_cohort": 0})]
    options = Options(problem(settings, need, trades=strict, partners=[partner(), geiq(blackouts=[GEIQ_CLOSED])]))
    assert not [o for o in options.cohorts["macon"] if o.week == 3]


def test_recruitment_candidate_capacity_needs_a_second_event(settings):
    # A cohort of 8 completers (all complete here) and events of 5 candidates: two events.
    trades = [chained(recruitment={"candidate_capacity": 5})]
    for result in both(problem(settings, [("macon", 20, 4)], trades=trades, partners=[partner(), geiq()])):
        assert result.on_time == 4
        assert [c.capacity for c in kinds(result, "poec")] == [8]
        assert len(kinds(result, "recruitment")) == 2


def test_venue_occupied_by_a_cohort_blocks_a_discovery(settings):
    # The only discovery venue hosts a kept cohort for ten weeks; the new cohort runs elsewhere.
    federation = partner("ffb", kinds=("poec",), venues=0)
    kept = FixedEvent("poec", "macon", "cfa", "cfa_salle", dt.date(2026, 1, 5), dt.date(2026, 3, 13), 8, event_id=3)
    elsewhere = FixedEvent("poec", "macon", "cfa", None, dt.date(2026, 1, 5), dt.date(2026, 3, 13), 8, event_id=3)
    trades = [trade(), trade("peintre")]
    partners = [partner(kinds=("poec", "discovery")), federation]
    for fixed, expected in ((elsewhere, 3), (kept, 0)):
        instance = problem(settings, [("peintre", 10, 3)], trades=trades, partners=partners, fixed=[fixed])
        for result in both(instance):
            assert result.on_time == expected
            assert all(d.start.date() > dt.date(2026, 3, 13) for d in kinds(result, "discovery")) or expected


@pytest.mark.parametrize("capacity, expected", [(1, 4), (2, 8)])
def test_two_cohorts_same_partner_and_week_when_capacity_allows(settings, capacity, expected):
    # 8 hires at week 7: only cohorts starting in week 3 are in time, at most 4 hires each.
    federation = partner("ffb", capacity=capacity, kinds=("poec",), venues=0)
    instance = problem(settings, [("macon", 7, 8)], partners=[partner(kinds=("discovery",)), federation])
    for result in both(instance):
        assert result.on_time == expected
        in_time = [c for c in kinds(result, "poec") if c.week == 3]
        assert len(in_time) == capacity and {c.partner_key for c in in_time} == {"ffb"}



def test_cohorts_started_together_deliver_the_hires_the_model_promises(settings):
    # 7 hires at week 7, cohorts of at most 7 (yield 0.5), two may start in week 3: 14 trainees. Their
    # hires are rounded down once, together (7), in the model and in the plan alike.
    federation = partner("ffb", capacity=2, kinds=("poec",), venues=0)
    instance = problem(settings, [("macon", 7, 7)], trades=[trade(max_size=7)], partners=[partner(kinds=("discovery",)), federation])
    best, greedy = both(instance)
    assert best.on_time == 7 and best.objective == 7
    assert [c.capacity for c in kinds(best, "poec")] == [7, 7]
    assert greedy.on_time <= 7


def test_kept_discovery_recruits_for_a_new_cohort(settings):
    # No new discovery before week 3 (invitations could not leave in time): only the kept discovery
    # of week 0 can recruit the week-3 cohort a need at week 7 requires.
    kept = FixedEvent("discovery", "macon", "cfa", "cfa_salle", dt.date(2026, 1, 6), dt.date(2026, 1, 6), 12, event_id=9)
    need = [("macon", 7, 3)]
    without = problem(settings, need)
    without.earliest_day = dt.date(2026, 1, 26)
    assert all(r.on_time == 0 for r in both(without))
    instance = problem(settings, need, fixed=[kept])
    instance.earliest_day = dt.date(2026, 1, 26)
    for result in both(instance):
        assert result.on_time == 3
        assert kinds(result, "discovery") == []
        [cohort] = kinds(result, "poec")
        [old] = [e for e in result.events if e.fixed_event_id == 9]
        assert result.events[old.cohort] is cohort
    # A kept discovery that already recruits for a kept cohort does not count twice.
    busy = FixedEvent("discovery", "macon", "cfa", "cfa_salle", dt.date(2026, 1, 6), dt.date(2026, 1, 6), 12,
                      event_id=9, recruits_for_event_id=10)
    cohort = FixedEvent("poec", "macon", "cfa", None, dt.date(2026, 6, 1), dt.date(2026, 6, 26), 8, event_id=10)
    taken = problem(settings, need, fixed=[busy, cohort])
    taken.earliest_day = dt.date(2026, 1, 26)
    assert solve(taken, time_limit=10).on_time == 0



def waiting_cohort(**fields) -> FixedEvent:
    """A kept cohort of 8 in weeks 0-1 with no recruitment event (cancelled): 8 completers, 4 hires."""
    return FixedEvent("poec", "macon", "cfa", None, dt.date(2026, 1, 5), dt.date(2026, 1, 16), 8, event_id=10, **fields)


def planned_for_kept(result):
    [kept] = [e for e in result.events if e.fixed_event_id == 10]
    return kept, kinds(result, "recruitment")


def test_a_kept_cohort_without_recruitment_event_gets_one_and_hires_count_after_it(settings):
    from ortools.sat.python import cp_model

    from clauses.planning.model import coverage_model

    # Its completers meet employers in week 2, the first of its window: hired from week 3, so a need
    # of week 2 is late (counted from the end of the cohort, it was on time).
    before = problem(settings, [("macon", 2, 4)], partners=[partner(), geiq()], fixed=[waiting_cohort()])
    assert Options(before).kept_recruitment == [] and solve(before, time_limit=10).on_time == 4
    options = plan_kept_recruitment(Options(before))
    instance = options.problem
    [fixed] = instance.fixed
    assert fixed.recruitment_day == dt.date(2026, 1, 19) and fixed.hires_from_day == dt.date(2026, 1, 26)
    for result in (solve(instance, options, time_limit=10), plan_greedy(instance, options)):
        kept, [meeting] = planned_for_kept(result)
        assert result.events[kept.hiring] is meeting and meeting.week == 2 and meeting.partner_key == "geiq"
        assert result.on_time == 0 and result.late == 4
    solver = cp_model.CpSolver()  # the greedy plan, kept cohort's event included, is a solution of the model
    solver.parameters.fix_variables_to_their_hinted_value = True
    assert solver.solve(coverage_model(instance, options, plan_greedy(instance, options))) == cp_model.OPTIMAL
    # Planned window by window: held once, by the first window, and linked in the whole plan.
    rolled = plan_rolling(instance, options, rolling=Rolling(window_weeks=20, step_weeks=10, firm_weeks=10, window_time_limit=2))
    kept, meetings = planned_for_kept(rolled)
    assert rolled.events[kept.hiring].week == 2 and [m.week for m in meetings].count(2) == 1
    # Not again in the week of the one the coordinator cancelled: the next week of the window.
    again = plan_kept_recruitment(Options(problem(settings, [("macon", 2, 4)], partners=[partner(), geiq()],
                                                  fixed=[waiting_cohort(cancelled_recruitment_day=dt.date(2026, 1, 21))])))
    assert again.problem.fixed[0].recruitment_day == dt.date(2026, 1, 26)
    assert [e.week for e in planned_for_kept(plan_greedy(again.problem, again))[1]] == [3]
    # A stored cohort with its recruitment event (hires_from_day known) waits for nothing.
    served = problem(settings, [("macon", 2, 4)], partners=[partner(), geiq()],
                     fixed=[waiting_cohort(hires_from_day=dt.date(2026, 1, 19))])
    assert plan_kept_recruitment(Options(served)).problem is served


def test_a_kept_cohort_recruitment_event_takes_the_first_week_with_room(settings):
    # One event a week at most, and a discovery kept in week 2: the recruitment event goes to week 3.
    busy = FixedEvent("discovery", "macon", "cfa", "cfa_salle", dt.date(2026, 1, 20), dt.date(2026, 1, 20), 12, event_id=11)
    instance = problem(settings, [("macon", 12, 4)], partners=[partner(), geiq()], fixed=[waiting_cohort(), busy],
                       max_events_per_week=1)
    options = plan_kept_recruitment(Options(instance))
    assert options.problem.fixed[0].recruitment_day == dt.date(2026, 1, 26)
    for result in (solve(options.problem, options, time_limit=10), plan_greedy(options.problem, options)):
        assert [e.week for e in planned_for_kept(result)[1]] == [3]
        assert result.on_time == 4
    # The GEIQ closed for the whole window (weeks 2 to 6): no event, hires from the end of the
    # cohort as before, and the plan says why.
    closed = problem(settings, [("macon", 12, 4)], partners=[partner(), geiq(blackouts=[{"start": dt.date(2026, 1, 19), "end": dt.date(2026, 2, 22)}])],
                     fixed=[waiting_cohort()])
    options = plan_kept_recruitment(Options(closed))
    assert options.problem.fixed[0].recruitment_day is None and options.kept_recruitment == []
    result = solve(options.problem, options, time_limit=10)
    assert planned_for_kept(result)[1] == [] and result.on_time == 4
    assert any("POEC de macon terminée le 16 janvier 2026" in w and "dès la fin de la POEC" in w for w in result.warnings)

def test_information_session_placed_at_its_lead(settings):
    informed = [chained(information_session={"weeks_before_selection": 3, "duration_hours": 2, "capacity": 25})]
    agency = partner("ft", capacity=1, kinds=("information_session",))
    instance = problem(settings, [("macon", 20, 3)], trades=informed, partners=[partner(), agency])
    for result in both(instance):
        assert result.on_time == 3
        [cohort] = kinds(result, "poec")
        [session] = kinds(result, "information_session")
        [discovery] = kinds(result, "discovery")
        # selection 2 weeks (the lead) before the cohort, the session 3 weeks before the selection
        assert session.week == cohort.week - 5 < discovery.week
        assert result.events[session.cohort] is cohort and session.partner_key == "ft"
        assert session.capacity == 20 and session.start.astimezone(PARIS).strftime("%H:%M") == "09:30"
    # A need at week 8 leaves no room for the session before the selection: nothing is in time.
    assert solve(problem(settings, [("macon", 8, 3)], trades=informed, partners=[partner(), agency]),
                 time_limit=10).on_time == 0
    assert solve(problem(settings, [("macon", 8, 3)], partners=[partner(), agency]), time_limit=10).on_time == 3


def test_trade_without_poec_goes_from_discovery_to_recruitment(settings):
    direct = chained(poec=None)
    instance = problem(settings, [("macon", 6, 2)], trades=[direct], partners=[partner(), geiq()])
    for result in both(instance):
        assert result.on_time == 2
        assert kinds(result, "poec") == []
        [discovery] = kinds(result, "discovery")
        meeting = linked(result, discovery)
        assert meeting.kind == "recruitment" and meeting.week == discovery.week + 1 and discovery.week <= 4
        assert discovery.cohort is None
    text = markdown(solve(instance, time_limit=10), {"macon": "Maçon"}, {"cfa": "CFA", "geiq": "GEIQ"})
    assert "Rencontre de recrutement" in text and "POEC" not in text.split("Événements proposés :")[1].splitlines()[0]
    assert "- Événements proposés : 1 découverte métiers, 1 rencontre de recrutement" in text  # singular (« 1 réunions »)
    # A year planned near term first (as production plans it) keeps them too.
    year = problem(settings, [("macon", 6, 2), ("macon", 40, 2)], trades=[direct], partners=[partner(), geiq()], weeks=52)
    planned = plan_rolling(year, rolling=Rolling(window_weeks=52, step_weeks=26, firm_weeks=26), time_limit=10)
    assert planned.stats["method"] == "rolling" and planned.on_time == 4
    assert len(kinds(planned, "discovery")) == 2
    assert all(linked(planned, d).kind == "recruitment" for d in kinds(planned, "discovery"))
    # And over several windows: the discoveries kept by each window bring their hires to the next.
    long = problem(settings, [("macon", 6, 2), ("macon", 25, 2), ("macon", 38, 2)], trades=[direct],
                   partners=[partner(), geiq()], weeks=40)
    rolled = plan_rolling(long, rolling=Rolling(window_weeks=20, step_weeks=10, firm_weeks=10, window_time_limit=5))
    assert rolled.stats["method"] == "rolling" and len(rolled.stats["windows"]) > 2 and rolled.on_time == 6
    assert kinds(rolled, "discovery")
    assert all(linked(rolled, d).kind == "recruitment" for d in kinds(rolled, "discovery"))


CHAIN_START = dt.date(2026, 1, 5)


def stored_chain_plan(session, config):
    """A stored one-year plan for 6 maçons needed in week 40: one whole chain."""
    from clauses.planning.service import run_planning

    frame = pd.DataFrame([("macon", CHAIN_START + dt.timedelta(weeks=40), 6.0)], columns=["trade_key", "week_start", "people"])
    plan, _ = run_planning(session, config, frame, start=CHAIN_START, weeks=52, time_limit=10,
                           now=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
    return plan


def test_chain_stored_with_its_links(db, config):
    from clauses.storage.planning import Event

    with db.transaction() as session:
        plan = stored_chain_plan(session, config)
        events = {e.kind: [x for x in plan.events if x.kind == e.kind] for e in plan.events}
        assert set(events) == {"information_session", "discovery", "poec", "recruitment"}
        for cohort in events["poec"]:
            assert cohort.hiring_event is not None and cohort.hiring_event.kind == "recruitment"
            assert cohort.hiring_event.employer_capacity == config.trade("macon").recruitment.employer_capacity
        for step in events["information_session"] + events["discovery"]:
            assert step.recruits_for is not None and step.recruits_for.kind == "poec"
        assert session.get(Event, events["recruitment"][0].id).capacity == config.trade("macon").recruitment.candidate_capacity


def test_a_kept_cohort_hires_count_from_the_week_after_its_recruitment_event(db, config):
    from clauses.planning.result import _fixed_arrival
    from clauses.planning.store import as_fixed

    start = CHAIN_START
    with db.transaction() as session:
        cohort = next(e for e in stored_chain_plan(session, config).events if e.kind == "poec")
        meeting = cohort.hiring_event.start.replace(tzinfo=dt.timezone.utc).astimezone(PARIS).date()
        fixed = as_fixed(cohort)
        assert fixed.hires_from_day.weekday() == 0 and 0 < (fixed.hires_from_day - meeting).days <= 7
        instance = SimpleNamespace(start=start)  # a plan starting on ``start``
        assert _fixed_arrival(instance, fixed) == (fixed.hires_from_day - start).days // 7
        assert _fixed_arrival(instance, fixed) > _fixed_arrival(instance, dataclasses.replace(fixed, hires_from_day=None))
        cohort.hiring_event.status = "cancelled"  # no recruitment event: from the week after the cohort
        assert as_fixed(cohort).hires_from_day is None



def test_a_cancelled_recruitment_event_is_planned_again_and_linked_on_approval(db, config):
    """The coordinator cancels the recruitment event of an approved cohort: the next plan holds one
    for its completers, says so, and links the cohort to it once approved."""
    from clauses.planning.approval import approve_plan, cancel_event
    from clauses.planning.service import run_planning
    from clauses.planning.store import as_fixed
    from clauses.storage.planning import Event

    with db.transaction() as session:
        first = stored_chain_plan(session, config)
        approve_plan(session, first.id)
        cohort = next(e for e in first.events if e.kind == "poec")
        cancelled = cohort.hiring_event
        cancel_event(session, cancelled.id)
        assert as_fixed(cohort).hires_from_day is None
        frame = pd.DataFrame([("macon", CHAIN_START + dt.timedelta(weeks=40), 6.0)], columns=["trade_key", "week_start", "people"])
        plan, result = run_planning(session, config, frame, start=CHAIN_START, weeks=52, time_limit=10,
                                    now=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
        [kept] = [e for e in result.events if e.fixed_event_id == cohort.id]
        meeting = result.events[kept.hiring]
        assert meeting.kind == "recruitment" and meeting.fixed_event_id is None and meeting.start > kept.end
        was = cancelled.start.replace(tzinfo=dt.timezone.utc).astimezone(PARIS).date()
        assert meeting.start.astimezone(PARIS).date() - was >= dt.timedelta(days=7 - was.weekday())  # not that week again
        new_id = plan.parameters["kept_hiring_links"][str(cohort.id)]
        assert session.get(Event, new_id).kind == "recruitment" and session.get(Event, new_id).plan_id == plan.id
        approve_plan(session, plan.id)
        assert cohort.hiring_event.id == new_id
        assert as_fixed(cohort).hires_from_day.weekday() == 0

def test_a_recruitment_event_cancelled_without_replacement_is_not_proposed_again(db, config):
    """The coordinator cancels a cohort's recruitment event and wants no other (the completers meet
    employers outside the tool): the next plan proposes none, warns of nothing, and counts the
    cohort's hires from the week after it ends. Only a recruitment event can be cancelled so."""
    from clauses.errors import ClausesError
    from clauses.planning.approval import approve_plan, cancel_event
    from clauses.planning.service import run_planning
    from clauses.planning.store import as_fixed

    with db.transaction() as session:
        first = stored_chain_plan(session, config)
        approve_plan(session, first.id)
        cohort = next(e for e in first.events if e.kind == "poec")
        discovery = next(e for e in first.events if e.kind == "discovery")
        with pytest.raises(ClausesError, match="rencontre de recrutement"):
            cancel_event(session, discovery.id, no_replacement=True)
        assert discovery.status != "cancelled"
        change = cancel_event(session, cohort.hiring_event.id, no_replacement=True)
        assert change.after["no_replacement"] is True
        fixed = as_fixed(cohort)
        ended = cohort.end.replace(tzinfo=dt.timezone.utc).astimezone(PARIS).date()
        assert fixed.hires_from_day.weekday() == 0 and 0 < (fixed.hires_from_day - ended).days <= 7
        assert fixed.cancelled_recruitment_day is None
        frame = pd.DataFrame([("macon", CHAIN_START + dt.timedelta(weeks=40), 6.0)], columns=["trade_key", "week_start", "people"])
        plan, result = run_planning(session, config, frame, start=CHAIN_START, weeks=52, time_limit=10,
                                    now=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
        [kept] = [e for e in result.events if e.fixed_event_id == cohort.id]
        assert kept.hiring is None
        assert not [e for e in result.events if e.kind == "recruitment" and e.fixed_event_id is None]
        assert plan is None or not plan.parameters.get("kept_hiring_links")
        assert not [w for w in result.warnings if "rencontre de recrutement" in w]


def test_a_proposed_recruitment_event_cancelled_without_replacement_stops_the_proposals(db, config):
    """The usual way: the draft proposes a recruitment event for a kept cohort whose own was
    cancelled; the coordinator cancels the proposal without replacement and approves. The cohort
    is linked to it, so the next plans propose none."""
    from clauses.planning.approval import approve_plan, cancel_event
    from clauses.planning.service import run_planning
    from clauses.planning.store import as_fixed

    frame = pd.DataFrame([("macon", CHAIN_START + dt.timedelta(weeks=40), 6.0)], columns=["trade_key", "week_start", "people"])
    planned_at = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    with db.transaction() as session:
        first = stored_chain_plan(session, config)
        approve_plan(session, first.id)
        cohort = next(e for e in first.events if e.kind == "poec")
        cancel_event(session, cohort.hiring_event.id)
        plan, _ = run_planning(session, config, frame, start=CHAIN_START, weeks=52, time_limit=10, now=planned_at)
        proposed = plan.parameters["kept_hiring_links"][str(cohort.id)]
        cancel_event(session, proposed, no_replacement=True)
        approve_plan(session, plan.id)
        assert cohort.hiring_event.id == proposed
        assert as_fixed(cohort).hires_from_day.weekday() == 0
        again, result = run_planning(session, config, frame, start=CHAIN_START, weeks=52, time_limit=10, now=planned_at)
        assert not [e for e in result.events if e.kind == "recruitment" and e.fixed_event_id is None]


def test_the_greedy_plan_is_a_solution_of_the_model(settings):
    # A venue of three rooms, open on Wednesdays only: greedy may not hold two discoveries there the
    # same day for one cohort (the model holds one a day), or its plan is no hint for the solver.
    from ortools.sat.python import cp_model

    from clauses.planning.model import coverage_model

    workshops = partner(capacity=3, venue_weekdays=["wed"])
    workshops = workshops.model_copy(update={"venues": [workshops.venues[0].model_copy(update={"rooms": 3})]})
    instance = problem(settings, [("macon", 20, 6)], trades=[trade(max_size=12)], partners=[workshops, geiq()],
                       discovery_window_weeks=2)
    options = Options(instance)
    greedy = plan_greedy(instance, options)
    held = [(d.venue_key, d.start) for d in kinds(greedy, "discovery")]
    assert held and len(held) == len(set(held))
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    assert solver.solve(coverage_model(instance, options, greedy)) == cp_model.OPTIMAL
