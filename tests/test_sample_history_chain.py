"""The demo's past (``clauses.sample.history``, what ``clauses demo`` seeds) holds a façadier chain
from information session to hire, linked as the planner links it, and the outcome report built on
it shows that chain: the path the issue asks the demo to show."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from clauses.inbound.attendance import record_attendance
from clauses.ingest.candidates import import_candidates_file
from clauses.reporting import build_report
from clauses.reporting.html import render_html
from clauses.sample import write_candidates
from clauses.sample.history import seed_history, write_attendance_sheet
from clauses.storage import Event


def test_the_demo_history_holds_a_chain_to_hire_and_the_report_shows_it(db, config, tmp_path):
    today = dt.date(2026, 12, 7)
    import_candidates_file(db, write_candidates(tmp_path), config)
    with db.transaction() as session:
        event_ids = seed_history(session, config, today)
    with db.transaction() as session:
        assert seed_history(session, config, today) == event_ids  # idempotent
        sheet = write_attendance_sheet(session, event_ids, tmp_path / "inputs")
    outcome = record_attendance(db, sheet, now=dt.datetime(2026, 12, 7, 12, tzinfo=dt.timezone.utc))
    assert not outcome.as_dict().get("rejected")
    with db.transaction() as session:
        events = {(e.kind, e.trade_key): e for e in session.scalars(select(Event).where(Event.id.in_(event_ids)))}
        information, discovery = events["information_session", "facadier"], events["discovery", "facadier"]
        poec, recruitment = events["poec", "facadier"], events["recruitment", "facadier"]
        assert information.recruits_for_event_id == discovery.recruits_for_event_id == poec.id
        assert poec.hiring_event_id == recruitment.id and recruitment.employer_capacity == 8
        assert poec.end < recruitment.start < poec.end + dt.timedelta(weeks=4)
        report = build_report(session, config, now=dt.datetime(2026, 12, 7, 12, tzinfo=dt.timezone.utc))
    chain = report.chains[0]
    assert [e.id for e in chain.events] == [information.id, discovery.id, poec.id, recruitment.id]
    steps = {s.stage: s.people for s in chain.steps}
    assert list(steps) == ["invited", "attended", "selected", "poec", "completed", "met_employer", "hired"]
    assert steps["invited"] > steps["attended"] > 0
    assert steps["completed"] >= steps["met_employer"] >= steps["hired"] > 0
    # Hires are written on the recruitment event and on the cohort: each person counts once.
    assert report.totals["hired"] == steps["hired"]
    html = render_html(report).replace("&#39;", "'").replace("\u00a0", " ")  # the wording; no-break spaces are tested apart
    section = html[html.index('<h2 id="chaine">'):html.index('<h2 id="embauches-contrats">')]
    assert "Les événements liés du métier Façadier" in section
    assert f"<strong>Rencontre de recrutement</strong> n° {recruitment.id}, mercredi 23 septembre 2026 (tenue)" in section
    assert f"<strong>Réunion d'information</strong> n° {information.id}, mardi 12 mai 2026 (tenue)" in section
