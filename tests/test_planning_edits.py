"""The coordinator's edits of planned events (core, no Prefect): reading dates and times, moves and
cancellations with their checks, the discovery → cohort link, and ``clauses plan move``."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from sqlalchemy import select

from clauses.cli import main
from clauses.errors import ClausesError
from clauses.french import time_of_day
from clauses.planning.approval import approve_plan
from clauses.planning.edits import (
    PARIS,
    EditError,
    EventEdit,
    apply_edits,
    describe_fr,
    edit_event,
    parse_when,
    shifted_to_day,
)
from clauses.exports import read_csv_text
from clauses.planning.exports import to_csv
from clauses.planning.report import markdown
from clauses.planning.service import labels, run_planning, write_plan_outputs
from clauses.planning.store import recruitment_links
from clauses.storage.planning import Event, EventChange, Plan

START = dt.date(2027, 1, 4)
PLANNED_AT = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)  # when the plans are made: well before START


def need(trade="macon", week=dt.date(2027, 8, 2), people=6.0):
    return pd.DataFrame([(trade, week, people)], columns=["trade_key", "week_start", "people"])


@pytest.fixture
def draft(db, config):
    """A stored draft plan (one POEC cohort and its discoveries): (plan id, result)."""
    with db.transaction() as session:
        plan, result = run_planning(session, config, need(), start=START, weeks=52, time_limit=10, now=PLANNED_AT)
        return plan.id, result


def _events(db, plan_id, kind=None):
    with db.transaction() as session:
        query = select(Event).where(Event.plan_id == plan_id).order_by(Event.start, Event.id)
        return [e for e in session.scalars(query) if kind is None or e.kind == kind]


# --- reading what the coordinator typed -----------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2027-03-09T14:00+01:00", dt.datetime(2027, 3, 9, 13, 0, tzinfo=dt.timezone.utc)),
        ("2027-03-09T13:00Z", dt.datetime(2027, 3, 9, 13, 0, tzinfo=dt.timezone.utc)),
        ("2027-03-09 14:00", dt.datetime(2027, 3, 9, 13, 0, tzinfo=dt.timezone.utc)),  # winter: UTC+1
        ("2027-06-09 14:00", dt.datetime(2027, 6, 9, 12, 0, tzinfo=dt.timezone.utc)),  # summer: UTC+2
        ("09/03/2027 14h30", dt.datetime(2027, 3, 9, 13, 30, tzinfo=dt.timezone.utc)),
        ("9/3/2027 à 14 h", dt.datetime(2027, 3, 9, 13, 0, tzinfo=dt.timezone.utc)),
        ("mardi 9 mars 2027 à 14 h 00", dt.datetime(2027, 3, 9, 13, 0, tzinfo=dt.timezone.utc)),
        ("1er juin 2027 9:15", dt.datetime(2027, 6, 1, 7, 15, tzinfo=dt.timezone.utc)),
        ("23 févr. 2027", dt.date(2027, 2, 23)),
        ("2027-03-09", dt.date(2027, 3, 9)),
        ("09/03/2027", dt.date(2027, 3, 9)),
    ],
)
def test_parse_when_reads_iso_and_french_in_paris_time(text, expected):
    value = parse_when(text)
    assert type(value) is type(expected)
    assert value == expected


@pytest.mark.parametrize("text", ["2027-03-28 02:30", "2027-10-31 02:30"])  # skipped, then repeated hour
def test_parse_when_refuses_the_hours_of_a_clock_change(text):
    with pytest.raises(EditError, match="changement d'heure"):
        parse_when(text)


@pytest.mark.parametrize("text", ["demain", "31/02/2027", "2027-13-01", "9 brumaire 2027"])
def test_parse_when_says_what_it_accepts(text):
    with pytest.raises(EditError) as caught:
        parse_when(text)
    assert "formats acceptés" in str(caught.value) or "n'est pas une date et une heure qui existent" in str(caught.value)
    assert caught.value.french == str(caught.value)  # the Prefect UI shows the same French message


def test_shifting_a_cohort_keeps_its_wall_clock_hours_across_a_clock_change():
    # Monday 1 March 9:00 → Friday 9 April 17:00 (the clocks go forward on 28 March 2027)
    start = dt.datetime(2027, 3, 1, 9, 0, tzinfo=PARIS)
    end = dt.datetime(2027, 4, 9, 17, 0, tzinfo=PARIS)
    new_start, new_end = shifted_to_day(start, end, dt.date(2027, 3, 15))
    assert new_start.astimezone(PARIS).replace(tzinfo=None) == dt.datetime(2027, 3, 15, 9, 0)
    assert new_end.astimezone(PARIS).replace(tzinfo=None) == dt.datetime(2027, 4, 23, 17, 0)


# --- moves and cancellations -----------------------------------------------------------------------


def test_move_to_a_day_keeps_the_hours_and_records_the_change(db, config, draft):
    plan_id, _ = draft
    discovery = _events(db, plan_id, "discovery")[0]
    with db.transaction() as session:
        outcome = edit_event(session, config, discovery.id, start=dt.date(2027, 4, 20), capacity=8)
        assert outcome.change.origin == "coordinator" and outcome.change.sequence == 1
    with db.transaction() as session:
        event = session.get(Event, discovery.id)
        local = event.start.astimezone(PARIS)
        assert local.date() == dt.date(2027, 4, 20)
        assert local.time() == discovery.start.astimezone(PARIS).time()
        assert event.end - event.start == discovery.end - discovery.start
        assert event.capacity == 8 and event.status == "moved" and event.sequence == 1
        change = session.scalars(select(EventChange)).one()
        assert change.before["capacity"] == discovery.capacity and change.after["capacity"] == 8


def test_move_refusals_change_nothing(db, config, draft):
    plan_id, _ = draft
    discovery, other = _events(db, plan_id, "discovery")[:2]
    cases = [
        (dict(event_id=999_999, start=dt.date(2027, 4, 20)), "n'existe pas"),
        (dict(event_id=discovery.id, venue_key="salle_des_fetes"), "lieu inconnu : « salle_des_fetes »"),
        (dict(event_id=discovery.id, end=dt.datetime(2027, 1, 1, 9, 0, tzinfo=PARIS)), "doit suivre le début"),
        (dict(event_id=discovery.id, capacity=0), "positif"),
        (dict(event_id=discovery.id, capacity=discovery.capacity), "rien à modifier"),
        (dict(event_id=discovery.id, start=discovery.start), "rien à modifier"),
    ]
    for kwargs, message in cases:
        with pytest.raises(EditError, match=message):
            with db.transaction() as session:
                edit_event(session, config, kwargs.pop("event_id"), **kwargs)
    with db.transaction() as session:
        edit_event(session, config, other.id, start=dt.date(2027, 4, 21))  # allowed
        apply_edits(session, config, plan_id, [EventEdit(event_id=discovery.id, cancel=True)])
    with pytest.raises(EditError, match="est annulé"):
        with db.transaction() as session:
            edit_event(session, config, discovery.id, capacity=3)
    with db.transaction() as session:
        assert [c.event_id for c in session.scalars(select(EventChange).order_by(EventChange.id))] == [
            other.id, discovery.id,
        ]


def test_events_of_a_superseded_plan_cannot_be_edited(db, config, draft):
    plan_id, _ = draft
    event = _events(db, plan_id)[0]
    with db.transaction() as session:
        run_planning(session, config, need(), start=START, weeks=52, time_limit=10, now=PLANNED_AT)  # supersedes the draft
        assert session.get(Plan, plan_id).status == "superseded"
    with pytest.raises(EditError, match="n'est plus en cours"):
        with db.transaction() as session:
            edit_event(session, config, event.id, capacity=5)


def test_venue_of_another_partner_and_too_many_places_are_warnings(db, config, draft):
    plan_id, _ = draft
    discovery = _events(db, plan_id, "discovery")[0]
    partner, venue = next((p, v) for p, v in config.venues() if p.key != discovery.partner_key)
    with db.transaction() as session:
        outcome = edit_event(session, config, discovery.id, venue_key=venue.key, capacity=venue.capacity + 5)
        assert session.get(Event, discovery.id).venue_key == venue.key
    assert any(partner.name in w for w in outcome.warnings)
    assert any(f"the {venue.capacity} of venue {venue.key}" in w for w in outcome.warnings)
    assert len(outcome.warnings_fr) == len(outcome.warnings)


def test_apply_edits_is_all_or_nothing_and_stays_in_the_plan(db, config, draft):
    plan_id, _ = draft
    cohort = _events(db, plan_id, "poec")[0]
    discovery = _events(db, plan_id, "discovery")[0]
    bad_lists = [
        ([EventEdit(event_id=discovery.id, capacity=5), EventEdit(event_id=discovery.id, cancel=True)], "deux fois"),
        ([EventEdit(event_id=discovery.id, capacity=5), EventEdit(event_id=999_999, cancel=True)], "n'existe pas dans le plan"),
        ([EventEdit(event_id=discovery.id, cancel=True, capacity=5)], "pas les deux"),
        ([EventEdit(event_id=discovery.id, venue="nulle_part")], "lieu inconnu"),
    ]
    for edits, message in bad_lists:
        with pytest.raises(EditError, match=message) as caught:
            with db.transaction() as session:
                apply_edits(session, config, plan_id, edits)
        assert caught.value.french
    with db.transaction() as session:
        assert session.scalars(select(EventChange)).all() == []
        assert session.get(Event, discovery.id).capacity != 5
    with db.transaction() as session:
        outcomes = apply_edits(session, config, plan_id, [
            EventEdit(event_id=cohort.id, new_date=cohort.start.date() + dt.timedelta(weeks=2)),
            EventEdit(event_id=discovery.id, venue="  ", capacity=5),  # a blank venue is no change
        ])
    assert [o.change.origin for o in outcomes] == ["prefect-ui", "prefect-ui"]
    lines = [describe_fr(o, {}) for o in outcomes]
    assert lines[0].startswith(f"n° {cohort.id} : déplacé du ") and f" à {time_of_day(cohort.start)} au " in lines[0]
    assert lines[1] == f"n° {discovery.id} : places : {discovery.capacity} → 5"
    with db.transaction() as session:
        assert session.get(Event, discovery.id).venue_key == discovery.venue_key


def test_moving_a_cohort_before_its_discoveries_warns(db, config, draft):
    plan_id, _ = draft
    cohort = _events(db, plan_id, "poec")[0]
    first_discovery = _events(db, plan_id, "discovery")[0]
    with db.transaction() as session:
        outcome = edit_event(session, config, cohort.id, start=first_discovery.start.date() + dt.timedelta(weeks=1))
    assert outcome.warnings and all(f"recruits for cohort {cohort.id}" in w for w in outcome.warnings)
    assert "semaines" in outcome.warnings_fr[0]
    with db.transaction() as session:  # cancelling the cohort names the discoveries left without one
        from clauses.planning.edits import cancel

        outcome = cancel(session, cohort.id)
    assert str(first_discovery.id) in outcome.warnings[0]


# --- the discovery → cohort link -------------------------------------------------------------------


def test_each_discovery_stores_the_cohort_it_recruits_for(db, config, draft):
    plan_id, result = draft
    links = recruitment_links(result)
    assert links and all(result.events[c].kind == "poec" for c in links.values())
    cohorts = {e.id: e for e in _events(db, plan_id, "poec")}
    discoveries = _events(db, plan_id, "discovery")
    assert discoveries and all(d.recruits_for_event_id in cohorts for d in discoveries)
    for d in discoveries:  # held before the cohort, at least its lead time
        lead = config.trade(d.trade_key).poec.lead_weeks_after_discovery
        assert cohorts[d.recruits_for_event_id].start - d.start >= dt.timedelta(weeks=lead)
    with db.transaction() as session:
        plan = session.get(Plan, plan_id)
        cohort = session.get(Event, discoveries[0].recruits_for_event_id)
        # its information session recruits for it too (maçon has one: config/trades.yaml)
        assert {d.id for d in cohort.recruited_by if d.kind == "discovery"} == {d.id for d in discoveries}
        approve_plan(session, plan_id)
        rows = read_csv_text(to_csv(config, list(plan.events))).to_dict("records")
    by_number = {int(r["N° événement"]): r for r in rows}
    assert by_number[discoveries[0].id]["Recrute pour l'événement n°"] == str(cohort.id)
    assert by_number[cohort.id]["Recrute pour l'événement n°"] == ""


def test_a_new_plan_shows_the_cohort_of_each_kept_discovery(db, config, draft, tmp_path):
    plan_id, _ = draft
    discovery = _events(db, plan_id, "discovery")[0]
    with db.transaction() as session:
        approve_plan(session, plan_id)
    with db.transaction() as session:
        # something new (painters) so that a draft is stored beside the kept events
        both = pd.concat([need(), need(trade="peintre")], ignore_index=True)
        plan, result = run_planning(session, config, both, start=START, weeks=52, time_limit=10, now=PLANNED_AT)
        text = write_plan_outputs(config, plan, result, tmp_path)["markdown"].read_text(encoding="utf-8")
        cohort = session.get(Event, discovery.recruits_for_event_id)
    row = next(line for line in text.splitlines() if line.startswith(f"| {discovery.id} | Découverte métiers (maintenu) |"))
    assert f"la POEC n° {cohort.id} du " in row


def test_report_shows_event_numbers_venues_and_the_cohort_recruited_for(config, draft):
    _, result = draft
    trades, partners = labels(config)
    ids = list(range(101, 101 + len(result.events)))
    text = markdown(result, trades, partners, plan_id=7, event_ids=ids,
                    venues={v.key: v.name for _, v in config.venues()})
    cohort_index = next(i for i, e in enumerate(result.events) if e.kind == "poec")
    discovery_row = next(
        line for line in text.splitlines() if line.startswith("| ") and "| Découverte métiers |" in line
    )
    assert f"la POEC n° {ids[cohort_index]} du " in discovery_row
    assert "| Invitations visées | Recrute pour |" in text
    venue_name = next(v.name for _, v in config.venues() if v.key == result.events[-1].venue_key)
    assert venue_name in text


# --- clauses plan move -----------------------------------------------------------------------------


def test_plan_move_command(db, draft, capsys):
    plan_id, _ = draft
    discovery = _events(db, plan_id, "discovery")[0]
    assert main(["plan", "move", str(discovery.id), "--start", "20/04/2027 14h00", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] and data["sequence"] == 1 and data["change"] == "moved"
    with db.transaction() as session:
        event = session.get(Event, discovery.id)
        assert event.start.astimezone(PARIS).replace(tzinfo=None) == dt.datetime(2027, 4, 20, 14, 0)
        assert event.end - event.start == discovery.end - discovery.start
    assert main(["plan", "move", str(discovery.id), "--start", "2027-04-27"]) == 0
    out = capsys.readouterr().out
    assert f"Événement n° {discovery.id} modifié (séquence 2)" in out
    assert "début : mardi 20 avril 2027, 14 h 00 → mardi 27 avril 2027, 14 h 00" in out


@pytest.mark.parametrize(
    "args, message",
    [
        (["999999", "--capacity", "3"], "l'événement n° 999999 n'existe pas"),
        (["{id}", "--venue", "salle_des_fetes"], "lieu inconnu : « salle_des_fetes »"),
        (["{id}", "--start", "2027-04-20 14:00", "--end", "2027-04-20 09:00"], "doit suivre le début"),
        (["{id}", "--start", "the day after"], "date illisible : « the day after »"),
        (["{id}", "--start", "2027-03-28 02:30"], "changement d'heure"),
        (["{id}"], "rien à modifier"),
    ],
)
def test_plan_move_errors_exit_2(db, draft, capsys, args, message):
    plan_id, _ = draft
    event_id = _events(db, plan_id, "discovery")[0].id
    argv = ["plan", "move", *[a.format(id=event_id) for a in args], "--json"]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert message in json.loads(captured.out)["error"] and message in captured.err
    with db.transaction() as session:
        assert session.scalars(select(EventChange)).all() == []


def test_plan_move_refuses_a_cancelled_event(db, draft, capsys):
    plan_id, _ = draft
    event_id = _events(db, plan_id, "discovery")[0].id
    assert main(["plan", "cancel", str(event_id)]) == 0
    capsys.readouterr()
    assert main(["plan", "move", str(event_id), "--capacity", "3"]) == 2
    assert "est annulé" in capsys.readouterr().err


def test_a_recruitment_event_is_cancelled_without_replacement_from_the_form(db, config, draft):
    plan_id, _ = draft
    meeting = _events(db, plan_id, "recruitment")[0]
    discovery = _events(db, plan_id, "discovery")[0]
    with pytest.raises(ClausesError, match="n'est pas une rencontre de recrutement"):
        with db.transaction() as session:
            apply_edits(session, config, plan_id, [EventEdit(event_id=discovery.id, no_replacement=True)])
    with db.transaction() as session:
        [outcome] = apply_edits(session, config, plan_id, [EventEdit(event_id=meeting.id, no_replacement=True)])
        stored = session.get(Event, meeting.id)
        assert (stored.status, stored.no_replacement) == ("cancelled", True)
        assert session.get(Event, discovery.id).status != "cancelled"
    assert describe_fr(outcome, {}) == f"n° {meeting.id} : annulé, sans en proposer d'autre"


def test_plan_cancel_without_replacement_on_the_command_line(db, draft, capsys):
    plan_id, _ = draft
    discovery = _events(db, plan_id, "discovery")[0].id
    meeting = _events(db, plan_id, "recruitment")[0].id
    assert main(["plan", "cancel", str(discovery), "--no-replacement"]) == 2
    assert "n'est pas une rencontre de recrutement" in capsys.readouterr().err
    assert main(["plan", "cancel", str(meeting), "--no-replacement"]) == 0
    assert f"Événement n° {meeting} annulé, sans en proposer d'autre (" in capsys.readouterr().out
    with db.transaction() as session:
        assert session.get(Event, meeting).no_replacement and session.get(Event, discovery).status != "cancelled"
    assert main(["plan", "show", str(plan_id)]) == 0
    assert f"n° {meeting} · " in (shown := capsys.readouterr().out) and "[annulé, sans remplacement]" in shown


def test_a_recruitment_event_cancelled_earlier_can_be_marked_without_replacement(db, draft, capsys):
    """Cancelled before (perhaps in an earlier plan), it is only marked: same SEQUENCE, no new
    change, so invitees get no second cancellation."""
    plan_id, _ = draft
    meeting = _events(db, plan_id, "recruitment")[0].id
    assert main(["plan", "cancel", str(meeting)]) == 0
    with db.transaction() as session:
        changes = session.scalars(select(EventChange)).all()
        sequence = session.get(Event, meeting).sequence
    capsys.readouterr()
    assert main(["plan", "cancel", str(meeting), "--no-replacement"]) == 0
    assert f"Événement n° {meeting} annulé, sans en proposer d'autre (séquence {sequence})" in capsys.readouterr().out
    with db.transaction() as session:
        assert session.get(Event, meeting).no_replacement and session.get(Event, meeting).sequence == sequence
        assert len(session.scalars(select(EventChange)).all()) == len(changes)
    assert main(["plan", "cancel", str(meeting)]) == 2
    assert "est annulé" in capsys.readouterr().err
