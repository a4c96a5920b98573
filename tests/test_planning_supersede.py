"""One current approved plan: approving a draft supersedes earlier approved plans and carries their
events over unchanged; a run with nothing new stores no draft; approved events short of invitees
are flagged."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import select

from clauses.outreach.participation import record_status
from clauses.planning.approval import approve_plan
from clauses.planning.invitees import invitee_flags
from clauses.planning.service import approved_events, nothing_new_fr, run_planning
from clauses.storage import Candidate
from clauses.storage.planning import Event, Plan

START = dt.date(2026, 1, 5)
PLANNED_AT = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def need(trade: str, week: int = 30, people: float = 6.0) -> pd.DataFrame:
    return pd.DataFrame([(trade, START + dt.timedelta(weeks=week), people)], columns=["trade_key", "week_start", "people"])


def _plan(session, config, frame):
    return run_planning(session, config, frame, start=START, weeks=52, time_limit=10, now=PLANNED_AT)


def test_approving_a_plan_supersedes_the_earlier_one_and_carries_its_events_over(db, config):
    with db.transaction() as session:
        first, _ = _plan(session, config, need("macon"))
        approve_plan(session, first.id, now=PLANNED_AT)
        before = {e.id: (e.uid, e.sequence, e.approved_at) for e in first.events}
        first_id = first.id
    with db.transaction() as session:
        second, result = _plan(session, config, pd.concat([need("macon"), need("plaquiste")]))
        assert second is not None and {e.trade_key for e in second.events} == {"plaquiste"}
        assert sorted(e.fixed_event_id for e in result.events if e.fixed_event_id) == sorted(before)
        approve_plan(session, second.id, now=PLANNED_AT)
        second_id = second.id
    with db.transaction() as session:
        plans = {p.id: p.status for p in session.scalars(select(Plan))}
        assert plans == {first_id: "superseded", second_id: "approved"}
        events = approved_events(session)
        assert len({e.uid for e in events}) == len(events) == len(session.get(Plan, second_id).events)
        carried = {e.id: (e.uid, e.sequence, e.approved_at) for e in events if e.id in before}
        assert carried == before  # the same rows: same UID, SEQUENCE and approval, nobody invited twice
        assert all(e.plan_id == second_id for e in events)


def test_a_run_with_nothing_new_stores_no_draft(db, config):
    with db.transaction() as session:
        plan, _ = _plan(session, config, need("macon"))
        approve_plan(session, plan.id)
    with db.transaction() as session:
        again, result = _plan(session, config, need("macon"))
        assert again is None
        assert session.scalars(select(Plan.id)).all() == [plan.id]
        message = nothing_new_fr(result)
        assert message.startswith("Rien de nouveau à planifier") and "Aucun brouillon enregistré." in message


def test_approved_events_short_of_invitees_are_flagged(db, config):
    with db.transaction() as session:
        plan, _ = _plan(session, config, need("macon"))
        assert invitee_flags(session, config, now=PLANNED_AT, plan_id=plan.id) == []  # a draft: not flagged
        approve_plan(session, plan.id)
        discovery = min((e for e in plan.events if e.kind == "discovery"), key=lambda e: e.start)
        start = discovery.start if discovery.start.tzinfo else discovery.start.replace(tzinfo=dt.timezone.utc)
        flags = {f.event_id: f for f in invitee_flags(session, config, now=PLANNED_AT, plan_id=plan.id)}
        assert flags[discovery.id].invited == 0 and flags[discovery.id].can_still_invite
        assert "aucune personne invitée ; les invitations peuvent partir jusqu'au" in flags[discovery.id].message_fr
        candidate = Candidate(first_name="A", last_name="B", email="ab@example.net", commune="Clermont-Ferrand",
                              trades=["macon"], consent_date=dt.date(2025, 12, 1))
        session.add(candidate)
        session.flush()
        record_status(session, candidate_id=candidate.id, event_id=discovery.id, status="invited", origin="import",
                      at=PLANNED_AT)
        late = invitee_flags(session, config, now=start - dt.timedelta(days=1), event_ids=[discovery.id])
        assert len(late) == 1 and late[0].invited == 1 and not late[0].can_still_invite
        assert f"trop peu de personnes invitées : 1 sur {late[0].target} visées ; trop tard pour inviter " \
            "(moins de 3 jours avant)." in late[0].message_fr
        assert f"n° {discovery.id} (Maçon, " in late[0].message_fr
        session.get(Event, discovery.id).target_invitations = 1
        assert invitee_flags(session, config, now=PLANNED_AT, event_ids=[discovery.id]) == []


def test_plan_show_flags_approved_events_without_invitees(db, config, capsys):
    import json

    from clauses.cli import main

    today = dt.date.today()
    start = today + dt.timedelta(days=21 - today.weekday())
    frame = pd.DataFrame([("macon", start + dt.timedelta(weeks=35), 6.0)], columns=["trade_key", "week_start", "people"])
    with db.transaction() as session:
        plan, _ = run_planning(session, config, frame, start=start, weeks=52, time_limit=10)
        # maçon's information session needs invitees too
        discoveries = sorted(e.id for e in plan.events if e.kind in ("discovery", "information_session"))
    assert main(["plan", "approve", str(plan.id)]) == 0
    capsys.readouterr()
    assert main(["plan", "show", str(plan.id), "--json"]) == 0
    flags = json.loads(capsys.readouterr().out)["invitee_flags"]
    assert sorted(f["event_id"] for f in flags) == discoveries
    assert all(f["invited"] == 0 and f["can_still_invite"] for f in flags)
    assert main(["plan", "show", str(plan.id)]) == 0
    text = capsys.readouterr().out
    assert "Invitations à surveiller :" in text and f"n° {discoveries[0]} (Maçon, " in text
    assert "aucune personne invitée" in text
