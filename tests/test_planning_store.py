"""Draft plans in the database, the coordinator's decisions, re-planning and the exports."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from icalendar import Calendar
from sqlalchemy import select

from clauses.errors import ClausesError
from clauses.planning.approval import approve_plan, cancel_event, move_event, reject_plan, usable_for_invitations
from clauses.planning.demand import hires_by_week, need_from_snapshot
from clauses import french
from clauses.planning.exports import _aware, to_csv, to_ics
from clauses.planning.service import approved_events, nothing_new_fr, run_planning
from clauses.storage.planning import Event, EventChange, Plan

START = dt.date(2026, 1, 5)
PLANNED_AT = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)  # when the plans are made: before START


def need(weeks=(30,), people=6.0, trade="macon"):
    return pd.DataFrame(
        [(trade, START + dt.timedelta(weeks=w), people) for w in weeks], columns=["trade_key", "week_start", "people"]
    )


def test_need_rounds_on_the_running_total():
    frame = pd.DataFrame(
        [("peintre", START + dt.timedelta(weeks=w), 0.4) for w in range(5)], columns=["trade_key", "week_start", "people"]
    )
    series = hires_by_week(frame, START, 10)["peintre"]
    assert series == [1, 0, 1, 0, 0, 0, 0, 0, 0, 0]  # 0.4, 0.8 → 1; 1.2 → 2; 2.0 → 2
    assert hires_by_week(frame, START + dt.timedelta(weeks=3), 10)["peintre"] == [1, 0] + [0] * 8


def test_need_from_snapshot_picks_the_quantile():
    snap = pd.DataFrame({"trade_key": ["macon"], "period_start": [START], "people_p50": [2.0], "people_p90": [5.0]})
    assert need_from_snapshot(snap, "p90")["people"].tolist() == [5.0]
    with pytest.raises(ClausesError, match="p50, p90"):
        need_from_snapshot(snap, "p75")


def test_draft_approve_move_cancel_and_replan(db, config):
    with db.transaction() as session:
        plan, result = run_planning(session, config, need(), start=START, weeks=52, time_limit=10, now=PLANNED_AT)
        assert plan.status == "draft" and result.on_time == 6
        events = list(plan.events)
        assert events and all(e.sequence == 0 and e.uid.endswith("@clauses.clermont-metropole") for e in events)
        assert all(e.approved_at is None and not usable_for_invitations(e) for e in events)
        assert {e.kind for e in events} == {"information_session", "discovery", "poec", "recruitment"}  # maçon: the whole chain
        plan_id = plan.id
    with db.transaction() as session:
        approve_plan(session, plan_id, by="coordinatrice")
    with db.transaction() as session:
        plan = session.get(Plan, plan_id)
        assert plan.status == "approved" and all(usable_for_invitations(e) for e in plan.events)
        with pytest.raises(ClausesError, match="seul un brouillon"):
            reject_plan(session, plan_id)
        cohort = next(e for e in plan.events if e.kind == "poec")
        discovery = next(e for e in plan.events if e.kind == "discovery")
        uid = discovery.uid
        change = move_event(session, discovery.id, start=_aware(discovery.start) + dt.timedelta(days=1))
        assert change.sequence == 1 and discovery.sequence == 1 and discovery.status == "moved"
        assert change.before["start"] != change.after["start"]
        ics = Calendar.from_ical(to_ics(config, [discovery]))
        vevent = ics.walk("VEVENT")[0]
        assert str(vevent["UID"]) == uid and int(vevent["SEQUENCE"]) == 1
        assert "Découverte métier" in str(vevent["SUMMARY"])
        # Its text, for partners: the partner with its article, one day said once, the cohort it recruits for.
        partner = next(p for p in config.partners if p.key == discovery.partner_key)
        lines = str(vevent["DESCRIPTION"]).splitlines()
        assert lines[0] == f"Découverte métiers « Maçon » organisée par {partner.in_sentence}."
        assert lines[1] == (f"Le {french.date_long(discovery.start)}, de {french.time_of_day(discovery.start)} "
                            f"à {french.time_of_day(discovery.end)}.")
        assert lines[3] == f"Recrute pour la POEC « Maçon » qui commence le {french.date_long(cohort.start)}."
        cohort_id = cohort.id
    # Re-planning keeps the approved events and plans nothing new for the covered need.
    with db.transaction() as session:
        plan2, result2 = run_planning(session, config, need(), start=START, weeks=52, time_limit=10, now=PLANNED_AT)
        assert result2.on_time == 6
        assert plan2 is None  # nothing new: no empty draft
        assert sorted(e.fixed_event_id for e in result2.events) == sorted(e.id for e in approved_events(session))
        assert session.scalars(select(Plan.id)).all() == [plan_id]
    # Cancelling the cohort frees the need: the next plan schedules a new cohort.
    with db.transaction() as session:
        change = cancel_event(session, cohort_id)
        assert change.change == "cancelled" and change.sequence == 1
        with pytest.raises(ClausesError):
            cancel_event(session, cohort_id)
    with db.transaction() as session:
        plan3, result3 = run_planning(session, config, need(), start=START, weeks=52, time_limit=10, now=PLANNED_AT)
        assert any(e.kind == "poec" for e in plan3.events)
        changes = session.scalars(select(EventChange).order_by(EventChange.id)).all()
        assert [c.change for c in changes] == ["moved", "cancelled"]
        cancelled = session.get(Event, cohort_id)
        text = to_csv(config, approved_events(session))
        assert "annulé" in text and cancelled.uid in text
        vevent = Calendar.from_ical(to_ics(config, [cancelled])).walk("VEVENT")[0]
        assert str(vevent["STATUS"]) == "CANCELLED"


def test_ics_is_reproducible(db, config):
    with db.transaction() as session:
        plan, _ = run_planning(session, config, need(), start=START, weeks=52, time_limit=10, now=PLANNED_AT)
        assert to_ics(config, plan.events) == to_ics(config, plan.events)


def test_unknown_trade_and_empty_need(db, config):
    with db.transaction() as session:
        with pytest.raises(ClausesError, match="métiers inconnus"):
            run_planning(session, config, need(trade="astronaute"), start=START, weeks=52, time_limit=5, now=PLANNED_AT)
    with db.transaction() as session:
        plan, result = run_planning(session, config, need().iloc[0:0], start=START, weeks=52, time_limit=5, now=PLANNED_AT)
        assert plan is None and result.need == 0  # nothing to plan: no empty draft
        assert nothing_new_fr(result).startswith("Rien à planifier")
