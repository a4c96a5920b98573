"""Follow-ups driven by participation states and event changes: each once, never to opted-out people."""

from __future__ import annotations

import datetime as dt
from email import policy
from email.parser import BytesParser

import vobject
from sqlalchemy import select

from clauses.messages.dispatch import send_pending
from clauses.messages.transports.file import FileTransport
from clauses.outreach.followups import plan_followups
from clauses.outreach.participation import record_status
from clauses.outreach.selection import select_invitations
from clauses.storage.outreach import Message
from clauses.storage.planning import EventChange
from tests import outreach_data as data

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.timezone.utc)


def _kinds(db):
    with db.transaction() as s:
        return sorted((m.kind, m.candidate_id, m.event_sequence) for m in s.scalars(select(Message).where(Message.kind != "invitation")))


def test_reminder_update_cancellation_each_once(db, config, tmp_path):
    start = dt.datetime(2026, 3, 12, 9, 0, tzinfo=data.PARIS)
    with db.transaction() as s:
        plan = data.reference(s, config)
        moved = data.event(s, plan, start=start, capacity=2, target=3)
        cancelled = data.event(s, plan, start=start, trade="peintre", capacity=2, target=3)
        a = data.candidate(s, 1).id
        b = data.candidate(s, 2).id
        c = data.candidate(s, 3, trades=["peintre"]).id
        d = data.candidate(s, 4, trades=["peintre"]).id
        moved_id, cancelled_id = moved.id, cancelled.id
    with db.transaction() as s:
        select_invitations(s, config, now=T0)
        record_status(s, candidate_id=b, event_id=moved_id, status="declined", origin="import")
    transport = FileTransport(tmp_path / "outbox")
    assert send_pending(db, config, transport).sent == 4
    # The coordinator moves one event by a week and cancels the other.
    new_start = start + dt.timedelta(days=7)
    with db.transaction() as s:
        ev = s.get(data.Event, moved_id)
        before = ev.start.isoformat()
        ev.start, ev.end, ev.sequence, ev.status = new_start.astimezone(dt.timezone.utc), new_start.astimezone(dt.timezone.utc) + dt.timedelta(hours=3), 1, "moved"
        s.add(EventChange(event_id=moved_id, change="moved", sequence=1, before={"start": before}, after={"start": new_start.isoformat()}, origin="coordinator"))
        ev2 = s.get(data.Event, cancelled_id)
        ev2.sequence, ev2.status = 1, "cancelled"
        s.add(EventChange(event_id=cancelled_id, change="cancelled", sequence=1, before={}, after={}, origin="coordinator"))
        # d opts out: never told anything again.
        s.get(data.Candidate, d).opted_out = True
    with db.transaction() as s:
        assert plan_followups(s, config, now=T0 + dt.timedelta(days=1)) == {"update": 1, "cancellation": 1}
    with db.transaction() as s:  # same day again: nothing new
        assert plan_followups(s, config, now=T0 + dt.timedelta(days=1, hours=2)) == {}
    assert _kinds(db) == sorted([("update", a, 1), ("cancellation", c, 1)])
    report = send_pending(db, config, transport)
    assert report.by_kind == {"update": 1, "cancellation": 1}
    for path in (tmp_path / "outbox").glob("*.eml"):
        parsed = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        cal = vobject.readOne(next(p for p in parsed.walk() if p.get_content_type() == "text/calendar").get_content())
        if cal.method.value == "CANCEL":
            assert parsed["To"].addresses[0].addr_spec == "personne3@example.net"
            assert cal.vevent.status.value == "CANCELLED" and int(cal.vevent.sequence.value) == 1
        elif int(cal.vevent.sequence.value) == 1:
            assert "jeudi 19 mars 2026 à 9 h 00" in parsed.get_body(("plain",)).get_content()
            assert "jeudi 12 mars 2026 à 9 h 00" in parsed.get_body(("plain",)).get_content()
    # Two days before the new date: a reminder for a (invited), not for b (declined).
    with db.transaction() as s:
        assert plan_followups(s, config, now=dt.datetime(2026, 3, 17, 7, 0, tzinfo=dt.timezone.utc)) == {"reminder": 1}
        assert plan_followups(s, config, now=dt.datetime(2026, 3, 18, 7, 0, tzinfo=dt.timezone.utc)) == {}
    assert ("reminder", a, 0) in _kinds(db)


def test_after_the_event_thanks_missed_you_poec_offer_outcome(db, config):
    start = dt.datetime(2026, 3, 5, 9, 0, tzinfo=data.PARIS)
    with db.transaction() as s:
        plan = data.reference(s, config)
        discovery = data.event(s, plan, start=start)
        nxt = data.event(s, plan, start=dt.datetime(2026, 4, 2, 9, 0, tzinfo=data.PARIS))
        poec = data.event(s, plan, start=dt.datetime(2026, 4, 20, 9, 0, tzinfo=data.PARIS), kind="poec",
                          partner="btp_cfa_63", venue=None, hours=8)
        past_poec = data.event(s, plan, start=dt.datetime(2025, 9, 1, 9, 0, tzinfo=data.PARIS), kind="poec",
                               partner="btp_cfa_63", venue=None, hours=8)
        past_poec.end = dt.datetime(2025, 11, 14, 16, 0, tzinfo=dt.timezone.utc)
        people = {name: data.candidate(s, n).id for n, name in enumerate(["came", "absent", "keen", "done", "bounced", "hired"], 1)}
        s.get(data.Candidate, people["bounced"]).email_status = "bounced"
        for name, status in [("came", "attended"), ("absent", "no_show"), ("keen", "interested"), ("bounced", "no_show")]:
            record_status(s, candidate_id=people[name], event_id=discovery.id, status=status, origin="import")
        record_status(s, candidate_id=people["done"], event_id=past_poec.id, status="completed", origin="import")
        # Completed the same cohort, then hired at a recruitment event: no need to ask for news.
        meeting = data.event(s, plan, start=dt.datetime(2025, 11, 20, 14, 0, tzinfo=data.PARIS), kind="recruitment", hours=3)
        record_status(s, candidate_id=people["hired"], event_id=past_poec.id, status="completed", origin="import")
        record_status(s, candidate_id=people["hired"], event_id=meeting.id, status="hired", origin="import")
        ids = (discovery.id, nxt.id, poec.id, past_poec.id)
    now = dt.datetime(2026, 3, 6, 8, 0, tzinfo=dt.timezone.utc)
    with db.transaction() as s:
        counts = plan_followups(s, config, now=now)
    assert counts == {"thanks": 2, "missed_you": 1, "poec_offer": 1, "outcome_request": 1}
    with db.transaction() as s:
        assert plan_followups(s, config, now=now + dt.timedelta(hours=5)) == {}
        # Three weeks later the thanks / we-missed-you window has passed: nothing new either.
        assert plan_followups(s, config, now=now + dt.timedelta(days=21)) == {}
    kinds = _kinds(db)
    assert ("missed_you", people["absent"], 0) in kinds
    assert all(c != people["bounced"] for _, c, _ in kinds)
    # The we-missed-you message names the next date of the same trade.
    from clauses.messages.compose import compose
    with db.transaction() as s:
        missed = s.scalar(select(Message).where(Message.kind == "missed_you"))
        offer = s.scalar(select(Message).where(Message.kind == "poec_offer"))
        out = compose(s, config, [missed.id, offer.id], now=now)
    assert "jeudi 2 avril 2026 à 9 h 00" in out[missed.id].text
    assert "lundi 20 avril 2026 à 9 h 00" in out[offer.id].text
    assert out[missed.id].ics is None


def test_weekly_cap_holds_back_followups_but_not_cancellations(db, config):
    cap1 = config.model_copy(update={"outreach": config.outreach.model_copy(update={"max_messages_per_week": 1})})
    start = dt.datetime(2026, 3, 5, 9, 0, tzinfo=data.PARIS)
    with db.transaction() as s:
        plan = data.reference(s, config)
        ev = data.event(s, plan, start=start)
        future = data.event(s, plan, start=start + dt.timedelta(days=20), trade="peintre")
        person = data.candidate(s, 1, trades=["peintre"]).id
        record_status(s, candidate_id=person, event_id=ev.id, status="attended", origin="import")
        record_status(s, candidate_id=person, event_id=future.id, status="invited", origin="system")
        future.status, future.sequence = "cancelled", 1
    now = dt.datetime(2026, 3, 6, 8, 0, tzinfo=dt.timezone.utc)
    with db.transaction() as s:
        s.add(Message(idempotency_key="x", public_id="p" * 32, candidate_id=person, event_id=ev.id, kind="invitation",
                      event_sequence=0, state="sent", transport="file", created_at=now - dt.timedelta(days=2)))
    with db.transaction() as s:
        assert plan_followups(s, cap1, now=now) == {"cancellation": 1, "held_by_cap": 1}
