"""Selection rules, the ledger, and sending through the file outbox and a loopback SendGrid."""

from __future__ import annotations

import datetime as dt
import json
import socket
from email import policy
from email.parser import BytesParser

import pytest
import vobject
from sqlalchemy import select

from clauses.messages import ledger
from clauses.messages.dispatch import send_pending
from clauses.messages.transports.file import FileTransport
from clauses.messages.transports.sendgrid import SendGridRejected, SendGridTransport, SendGridUnavailable
from clauses.outreach.selection import select_invitations
from clauses.storage.outreach import Message, Participation
from tests import outreach_data as data
from tests.sendgrid_server import FakeSendGrid, Reply, error, rate_limited

NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.timezone.utc)
START = dt.datetime(2026, 3, 17, 9, 0, tzinfo=data.PARIS)


@pytest.fixture
def world(db, config):
    """One approved discovery (macon, capacity 4 → 10 invitations at 40 %) and a varied pool."""
    with db.transaction() as s:
        plan = data.reference(s, config)
        event = data.event(s, plan, start=START, capacity=4)
        ids = {}
        ids["qpv"] = data.candidate(s, 1, qpv=True).id
        ids["deld"] = data.candidate(s, 2, eligibility=["DELD"]).id
        ids["plain"] = data.candidate(s, 3).id
        ids["opted_out"] = data.candidate(s, 4, opted_out=True).id
        ids["bounced"] = data.candidate(s, 5, email_status="bounced").id
        ids["no_consent"] = data.candidate(s, 6, consent=False).id
        ids["other_trade"] = data.candidate(s, 7, trades=["peintre"]).id
        ids["far"] = data.candidate(s, 8, commune="Lyon").id
        ids["postal"] = data.candidate(s, 9, commune="63800").id
        ids["evil"] = data.candidate(s, 10, first_name='<b>Jo</b>\r\nBcc: x@example.com').id
        event_id = event.id
    return {"event": event_id, **ids}


def _invited(db, event_id):
    with db.transaction() as s:
        return list(s.scalars(select(Participation.candidate_id).where(Participation.event_id == event_id).order_by(Participation.id)))


def test_selection_follows_the_documented_rules_and_priority(db, config, world):
    with db.transaction() as s:
        [selection] = select_invitations(s, config, now=NOW)
    assert selection.target == 10
    invited = _invited(db, world["event"])
    assert invited[:2] == [world["qpv"], world["deld"]]  # QPV (3) before long-term jobseeker (2)
    assert set(invited) == {world[k] for k in ("qpv", "deld", "plain", "postal", "evil")}
    with db.transaction() as s:
        messages = list(s.scalars(select(Message)))
        assert {m.kind for m in messages} == {"invitation"}
        assert len({m.idempotency_key for m in messages}) == 5
        transitions = s.scalars(select(Participation)).first().transitions
        assert transitions[0].origin == "system" and transitions[0].to_status == "invited"
    # Re-running adds nothing: one invitation per person per event.
    with db.transaction() as s:
        [again] = select_invitations(s, config, now=NOW)
    assert again.invited == [] and again.already == 5
    with db.transaction() as s:
        assert len(list(s.scalars(select(Message)))) == 5


def test_target_and_exclusions_engaged_and_weekly_cap(db, config):
    with db.transaction() as s:
        plan = data.reference(s, config)
        first = data.event(s, plan, start=START, capacity=4, target=2)
        second = data.event(s, plan, start=START + dt.timedelta(days=7), capacity=4, target=50)
        other = data.event(s, plan, start=START, trade="peintre", capacity=4, target=50)
        people = [data.candidate(s, n, trades=["macon", "peintre"]) for n in range(1, 6)]
        # Person 5 already registered for a past macon event: engaged for the trade.
        past = data.event(s, plan, start=dt.datetime(2026, 1, 10, 9, tzinfo=data.PARIS))
        s.add(Participation(candidate_id=people[4].id, event_id=past.id, status="registered"))
        ids = [p.id for p in people]
        first_id, second_id, other_id = first.id, second.id, other.id
    with db.transaction() as s:
        result = {sel.event_id: sel for sel in select_invitations(s, config, now=NOW)}
    assert result[first_id].invited == ids[:2]  # target 2 honoured
    # Open invitation to an upcoming macon event: not invited again for the same trade.
    assert result[second_id].invited == ids[2:4]
    assert ids[4] not in result[second_id].invited
    # Peintre: everyone (person 5 is engaged only for macon); those invited least often come first.
    assert result[other_id].invited == [ids[2], ids[3], ids[0], ids[1], ids[4]]
    # Weekly cap of 1: everyone already has a message planned this week except a newcomer.
    config_cap = config.model_copy(update={"outreach": config.outreach.model_copy(update={"max_messages_per_week": 1})})
    with db.transaction() as s:
        plan = data.reference(s, config)
        extra = data.event(s, plan, start=START, trade="peintre", capacity=4, target=50, partner="btp_cfa_63", venue=None)
        extra_id = extra.id
        s.add(data.candidate(s, 99, trades=["peintre"]))
    with db.transaction() as s:
        [sel] = select_invitations(s, config_cap, now=NOW, event_ids=[extra_id])
    assert len(sel.invited) == 1  # only the newcomer is under the cap (and not open-invited elsewhere)


def test_file_transport_writes_parseable_eml_once_and_never_to_opted_out(db, config, world, tmp_path):
    with db.transaction() as s:
        select_invitations(s, config, now=NOW)
    # Person "plain" unsubscribes after the invitation was queued, before it leaves.
    with db.transaction() as s:
        s.get(data.Candidate, world["plain"]).opted_out = True
    transport = FileTransport(tmp_path / "outbox")
    report = send_pending(db, config, transport)
    assert report.sent == 4 and report.skipped == 1
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 4
    recipients = set()
    for path in files:
        parsed = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        recipients.add(parsed["To"].addresses[0].addr_spec)
        assert parsed["Bcc"] is None
        html = parsed.get_body(("html",)).get_content()
        assert "<b>Jo</b>" not in html
        assert "mardi 17 mars 2026 à 9 h 00" in parsed.get_body(("plain",)).get_content()
        cal_part = next(p for p in parsed.walk() if p.get_content_type() == "text/calendar")
        cal = vobject.readOne(cal_part.get_content())
        assert cal.method.value == "REQUEST"
        assert cal.vevent.attendee.value.lower() == f"mailto:{parsed['To'].addresses[0].addr_spec}"
        assert path.stem == parsed["X-Clauses-Message-Id"]
    assert "personne3@example.net" not in recipients
    with db.transaction() as s:
        states = ledger.counts_by_state(s)
    assert states == {"sent": 4, "failed": 1}
    # A second run sends nothing.
    assert send_pending(db, config, transport).sent == 0
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 4


@pytest.fixture
def fake():
    with FakeSendGrid() as server:
        yield server


def _sendgrid(fake, **kw) -> SendGridTransport:
    options = dict(host=fake.host, timeout=2.0, max_attempts=4, categories=["clauses-insertion"],
                   unsubscribe_group_id=4242, backoff_base=0.01, backoff_max=0.2)
    options.update(kw)
    return SendGridTransport("SG.test", **options)


def test_sendgrid_payload_as_the_api_expects(db, config, world, fake):
    with db.transaction() as s:
        select_invitations(s, config, now=NOW)
    report = send_pending(db, config, _sendgrid(fake))
    assert report.sent == 5
    assert len(fake.accepted) == 5
    body = fake.accepted[0]
    personalization = body["personalizations"][0]
    assert list(personalization["custom_args"]) == ["clauses_message_id"]
    assert len(personalization["custom_args"]["clauses_message_id"]) == 32
    assert [c["type"] for c in body["content"]] == ["text/plain", "text/html", "text/calendar; method=REQUEST"]
    assert body["attachments"][0]["filename"] == "invitation.ics"
    assert body["asm"] == {"group_id": 4242}
    assert set(body["categories"]) == {"clauses-insertion", "invitation"}
    assert body["reply_to"]["email"] == config.messaging.sender.organizer_email
    with db.transaction() as s:
        rows = list(s.scalars(select(Message)))
    assert all(m.state == "sent" and m.provider_message_id and m.attempts == 1 for m in rows)
    assert sorted(fake.accepted_ids()) == sorted(m.public_id for m in rows)


def test_sendgrid_retries_429_and_500_then_succeeds(db, config, world, fake):
    with db.transaction() as s:
        select_invitations(s, config, now=NOW)
    fake.push(rate_limited(0.05), Reply(500, {"errors": [{"message": "boom"}]}))
    transport = _sendgrid(fake, timeout=0.3)
    report = send_pending(db, config, transport)
    assert report.sent == 5
    assert transport.retries == 2
    # Every id reached the server once (slow answers: tests/test_outreach_send_timeouts.py).
    assert sorted(fake.accepted_ids()) == sorted(_public_ids(db))


def _public_ids(db):
    with db.transaction() as s:
        return list(s.scalars(select(Message.public_id)))


@pytest.mark.parametrize("status,text", [(400, "The from address does not match a verified Sender Identity"),
                                         (401, "The provided authorization grant is invalid, expired, or revoked"),
                                         (403, "access forbidden")])
def test_sendgrid_client_errors_stop_at_once_with_sendgrids_message(db, config, world, fake, status, text):
    with db.transaction() as s:
        select_invitations(s, config, now=NOW)
    fake.push(error(status, text, "from"))
    with pytest.raises(SendGridRejected) as raised:
        send_pending(db, config, _sendgrid(fake))
    assert text in str(raised.value)
    assert "SG.test" not in str(raised.value)
    assert fake.requests == 1 and fake.accepted == []
    with db.transaction() as s:
        states = ledger.counts_by_state(s)
    assert states == ({"failed": 1, "pending": 4} if status == 400 else {"pending": 5})


def test_refused_connection_leaves_messages_pending(db, config, world):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with db.transaction() as s:
        select_invitations(s, config, now=NOW)
    transport = SendGridTransport("SG.test", host=f"http://127.0.0.1:{port}", timeout=1, max_attempts=2, backoff_base=0.01)
    with pytest.raises(SendGridUnavailable):
        send_pending(db, config, transport)
    with db.transaction() as s:
        assert ledger.counts_by_state(s) == {"pending": 5}


def test_ambiguity_rule_sending_rows_wait_for_processed_or_release(db, config, world, fake, tmp_path):
    with db.transaction() as s:
        select_invitations(s, config, now=NOW)
        rows = list(s.scalars(select(Message).order_by(Message.id)))
        for m in rows[:3]:  # as if killed after the claim
            ledger.claim(s, m.id, transport="sendgrid")
        ambiguous = [m.public_id for m in rows[:3]]
    report = send_pending(db, config, _sendgrid(fake))
    assert report.sent == 2 and report.recovered == {"sent": 0, "released": 0, "waiting": 3}
    assert set(fake.accepted_ids()).isdisjoint(ambiguous)
    # SendGrid's processed event for one of them arrives: it becomes sent (twice is harmless).
    with db.transaction() as s:
        assert ledger.reconcile_processed(s, [ambiguous[0]]) == 1
        assert ledger.reconcile_processed(s, [ambiguous[0]]) == 0
    # After the configured delay without an event, the others are released and sent once.
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=25)
    with db.transaction() as s:
        assert ledger.recover(s, _sendgrid(fake), now=later, release_after=dt.timedelta(hours=24))["released"] == 2
    assert send_pending(db, config, _sendgrid(fake)).sent == 2
    assert sorted(fake.accepted_ids()) == sorted(set(_public_ids(db)) - {ambiguous[0]})
    with db.transaction() as s:
        assert ledger.counts_by_state(s) == {"sent": 5}


def test_file_transport_existence_decides_after_a_kill(db, config, world, tmp_path):
    transport = FileTransport(tmp_path / "outbox")
    with db.transaction() as s:
        select_invitations(s, config, now=NOW)
        rows = list(s.scalars(select(Message).order_by(Message.id)))
        ledger.claim(s, rows[0].id, transport="file")
        ledger.claim(s, rows[1].id, transport="file")
    # Killed after writing the first file, before recording it.
    from clauses.messages.compose import compose
    with db.transaction() as s:
        ready = compose(s, config, [rows[0].id])
    transport.send(ready[rows[0].id])
    report = send_pending(db, config, transport)
    assert report.recovered == {"sent": 1, "released": 1, "waiting": 0}
    assert report.sent == 4
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 5
