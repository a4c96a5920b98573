"""Calendar replies (iTIP REPLY, RFC 5546) and plain-text answers taken in by email.

The samples in tests/data/replies/ are written as Outlook, Gmail and Thunderbird write them (see
the README there); the variants below are built with icalendar for the rules (SEQUENCE, cancelled
and past events, order of answers).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import func, select

from clauses.inbound import calendar_replies as cr
from clauses.storage import Event, InboundReply, Participation
from inbound_helpers import seed

SAMPLES = Path(__file__).parent / "data" / "replies"
UTC = dt.timezone.utc
START = dt.datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


@pytest.fixture
def ids(db, config):
    with db.transaction() as session:
        return seed(session, config, start=START)


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def take(db, raw: bytes, *, now: dt.datetime = NOW, origin: str = "inbound_parse") -> cr.ReplyOutcome:
    with db.transaction() as session:
        return cr.take_in_raw_email(session, raw, origin=origin, now=now)


def status(db, candidate_id: int, event_id: int) -> str | None:
    with db.transaction() as session:
        return session.scalar(select(Participation.status).where(
            Participation.candidate_id == candidate_id, Participation.event_id == event_id))


def reply_eml(uid: str, attendee: str, partstat: str, *, sequence: int = 0, stamp: str = "20261202T080000Z",
              message_id: str | None = None, method: str = "REPLY") -> bytes:
    ics = "\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//replies//FR", f"METHOD:{method}", "BEGIN:VEVENT",
        f"UID:{uid}", f"SEQUENCE:{sequence}", f"DTSTAMP:{stamp}", "DTSTART:20270301T080000Z",
        f"ATTENDEE;PARTSTAT={partstat}:mailto:{attendee}", "END:VEVENT", "END:VCALENDAR", "",
    ])
    message = EmailMessage()
    message["From"] = attendee
    message["To"] = "facilitateurs@plie-clermont.example.org"
    message["Subject"] = "Réponse"
    key = hashlib.sha256(f"{uid} {attendee} {partstat} {sequence} {stamp} {method}".encode()).hexdigest()[:24]
    message["Message-ID"] = message_id or f"<{key}@test.example>"
    message.set_content("Réponse à l'invitation")
    message.add_alternative(ics.encode("utf-8"), maintype="text", subtype="calendar", params={"method": method})
    return message.as_bytes()


# --- the vendors' shapes -------------------------------------------------------------------------------


def test_outlook_acceptance_registers_the_candidate(db, ids):
    outcome = take(db, sample("outlook-accepted.eml"))
    assert (outcome.outcome, outcome.needs_review, outcome.changed) == ("registered", False, True)
    assert outcome.candidate_id == ids["alice"]  # "alice@example.org" matches "Alice@Example.org"
    assert status(db, ids["alice"], ids["event"]) == "registered"
    with db.transaction() as session:
        participation = session.scalar(select(Participation).where(Participation.candidate_id == ids["alice"]))
        assert [(t.to_status, t.origin) for t in participation.transitions] == [("registered", "calendar_reply")]
        row = session.get(InboundReply, outcome.reply_id)
        assert (row.partstat, row.sequence, row.origin) == ("ACCEPTED", 0, "inbound_parse")
        assert row.sender is None and row.subject is None  # nothing personal kept on an applied reply


def test_gmail_decline_with_inline_part_and_invite_ics(db, ids):
    outcome = take(db, sample("gmail-declined.eml"))
    assert outcome.outcome == "declined" and outcome.candidate_id == ids["bruno"]
    assert status(db, ids["bruno"], ids["event"]) == "declined"


def test_thunderbird_tentative_is_kept_as_such_without_moving_the_participation(db, ids):
    outcome = take(db, sample("thunderbird-tentative.eml"))
    assert (outcome.outcome, outcome.needs_review, outcome.changed) == ("tentative", False, False)
    assert status(db, ids["alice"], ids["event"]) is None  # still "not answered" for the reminders
    with db.transaction() as session:
        [item] = cr.review_list(session)  # shown to the coordinator, who may call
        assert item.outcome == "tentative" and item.candidate_name == "Alice Martin"
        assert cr.review_list(session, include_tentative=False) == []


def test_same_message_twice_changes_nothing(db, ids):
    first = take(db, sample("outlook-accepted.eml"))
    second = take(db, sample("outlook-accepted.eml"), origin="drop_folder")
    assert second.duplicate and second.reply_id == first.reply_id and not second.changed
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(InboundReply)) == 1
        participation = session.scalar(select(Participation).where(Participation.candidate_id == ids["alice"]))
        assert len(participation.transitions) == 1
    # A message without Message-ID is recognised by its bytes.
    raw = b"From: someone@example.net\r\nSubject: hello\r\n\r\nbonjour\r\n"
    assert not take(db, raw).duplicate and take(db, raw).duplicate


# --- what goes to the coordinators' list -----------------------------------------------------------


def test_forged_unmatched_and_plain_text_go_to_the_coordinators_list(db, ids):
    forged = take(db, sample("forged-not-invited.eml"))
    unknown = take(db, sample("outlook-unknown-event.eml"))
    plain = take(db, sample("plain-text-answer.eml"))
    assert (forged.outcome, unknown.outcome, plain.outcome) == ("not_invited", "unknown_event", "no_calendar")
    assert all(o.needs_review for o in (forged, unknown, plain))
    assert status(db, ids["chloe"], ids["event"]) is None  # the forged acceptance registered nobody
    with db.transaction() as session:
        items = {i.outcome: i for i in cr.review_list(session)}
    assert items["not_invited"].candidate_name == "Chloé Petit" and items["not_invited"].event_id == ids["event"]
    assert items["unknown_event"].event_id is None
    assert items["no_calendar"].candidate_name == "Alice Martin"
    assert items["no_calendar"].excerpt.startswith("Bonjour,\nje viendrai mais avec 15 minutes de retard")
    assert "a écrit" not in items["no_calendar"].excerpt and ">" not in items["no_calendar"].excerpt
    assert items["no_calendar"].subject.startswith("Re: Invitation : Découverte")


def test_an_unknown_sender_is_kept_for_the_coordinator_until_settled(db, ids):
    raw = (b"Message-ID: <x1@example.net>\r\nFrom: Inconnu <inconnu@example.net>\r\nSubject: question\r\n"
           b"Content-Type: text/plain; charset=utf-8\r\n\r\nC'est pour quel chantier ?\r\n")
    outcome = take(db, raw)
    with db.transaction() as session:
        [item] = cr.review_list(session)
        assert (item.sender, item.candidate_id, item.excerpt) == ("inconnu@example.net", None, "C'est pour quel chantier ?")
        assert cr.settle(session, [outcome.reply_id]) == [outcome.reply_id]
        row = session.get(InboundReply, outcome.reply_id)
        assert row.sender is None and row.excerpt is None and row.subject is None
        assert cr.review_list(session) == [] and cr.settle(session, [outcome.reply_id]) == []


@pytest.mark.parametrize("change, reason", [
    ({"sequence": 1}, "stale_sequence"),  # the event moved after the invitation that was answered
    ({"status": "cancelled"}, "event_cancelled"),
    ({"end": dt.datetime(2026, 12, 1, 12, 0, tzinfo=UTC)}, "event_over"),
])
def test_replies_that_no_longer_hold_are_listed_not_applied(db, ids, change, reason):
    with db.transaction() as session:
        event = session.get(Event, ids["event"])
        for key, value in change.items():
            setattr(event, key, value)
    outcome = take(db, sample("outlook-accepted.eml"))
    assert outcome.outcome == reason and outcome.needs_review and not outcome.changed
    assert status(db, ids["alice"], ids["event"]) is None


def test_other_methods_and_answers_are_listed(db, ids):
    counter = take(db, reply_eml(ids["event_uid"], "alice@example.org", "ACCEPTED", method="COUNTER"))
    delegated = take(db, reply_eml(ids["event_uid"], "alice@example.org", "DELEGATED"))
    assert (counter.outcome, delegated.outcome) == ("not_a_reply", "unsupported_partstat")
    # Bytes that are no message at all: listed, with NUL and undecodable bytes left out (PostgreSQL
    # refuses NUL in text).
    garbage = take(db, b"\x00\xff not a message")
    assert garbage.needs_review
    with db.transaction() as session:
        assert session.get(InboundReply, garbage.reply_id).excerpt == "\ufffd not a message"


def test_the_later_answer_wins_whatever_the_order_they_come_in(db, ids):
    uid = ids["event_uid"]
    declined = reply_eml(uid, "bruno@example.org", "DECLINED", stamp="20261203T080000Z")
    accepted = reply_eml(uid, "bruno@example.org", "ACCEPTED", stamp="20261202T080000Z")
    assert take(db, declined).outcome == "declined"
    assert take(db, accepted).outcome == "superseded"  # older: exported mailboxes come in any order
    assert status(db, ids["bruno"], ids["event"]) == "declined"
    again = reply_eml(uid, "bruno@example.org", "ACCEPTED", stamp="20261204T080000Z")
    assert take(db, again).outcome == "registered"
    assert status(db, ids["bruno"], ids["event"]) == "registered"


def test_a_move_the_rules_refuse_is_listed(db, ids):
    with db.transaction() as session:
        session.add(Participation(candidate_id=ids["bruno"], event_id=ids["event"], status="attended"))
    outcome = take(db, sample("gmail-declined.eml"))
    assert outcome.outcome == "refused_transition" and outcome.needs_review
    assert status(db, ids["bruno"], ids["event"]) == "attended"


def test_an_accept_on_a_full_event_waitlists_and_a_decline_frees_the_place(db, ids):
    """Calendar answers count places as the web page's do (``places.answer``)."""
    with db.transaction() as session:
        session.get(Event, ids["event"]).capacity = 1
        session.add(Participation(candidate_id=ids["bruno"], event_id=ids["event"], status="registered"))
    outcome = take(db, sample("outlook-accepted.eml"))  # Alice: the event is full
    assert (outcome.outcome, outcome.needs_review, outcome.changed) == ("waitlisted", False, True)
    assert status(db, ids["alice"], ids["event"]) == "waitlisted"
    with db.transaction() as session:
        participation = session.scalar(select(Participation).where(Participation.candidate_id == ids["alice"]))
        assert [(t.to_status, t.origin) for t in participation.transitions] == [("waitlisted", "calendar_reply")]
    assert take(db, sample("outlook-accepted.eml")).duplicate  # taken in twice: nothing more
    declined = take(db, sample("gmail-declined.eml"))  # Bruno's place goes to Alice
    assert (declined.outcome, declined.offers) == ("declined", 1)
    assert status(db, ids["bruno"], ids["event"]) == "declined"
    assert status(db, ids["alice"], ids["event"]) == "offered"


# --- Inbound Parse form and drop folder ----------------------------------------------------------------


def test_inbound_parse_form_in_raw_mode():
    raw = sample("thunderbird-tentative.eml")
    fields = {"email": raw.decode("utf-8"), "to": "x", "from": "y", "charsets": '{"to":"UTF-8","email":"UTF-8"}'}
    assert cr.parse_inbound_form(fields) == raw
    assert cr.parse_inbound_form({"email": raw}) == raw
    with pytest.raises(cr.InboundFormError, match="raw, full MIME"):
        cr.parse_inbound_form({"text": "bonjour", "from": "y"})  # the parsed (non-raw) mode
    with pytest.raises(cr.InboundFormError, match="above"):
        cr.parse_inbound_form({"email": raw}, max_bytes=100)


def test_drop_folder_takes_every_file_once_and_deletes_them(db, ids, tmp_path):
    folder = tmp_path / "replies"
    folder.mkdir()
    for path in SAMPLES.glob("*.eml"):
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "notes.txt").write_text("pas un message")
    results = cr.take_in_files(db, [folder, tmp_path / "absent.eml"], delete_after=True, now=NOW)
    assert [r.file for r in results if r.problem] == ["absent.eml"]
    outcomes = {r.file: r.outcome.outcome for r in results if r.outcome}
    assert outcomes == {
        "forged-not-invited.eml": "not_invited", "gmail-declined.eml": "declined",
        "outlook-accepted.eml": "registered", "outlook-unknown-event.eml": "unknown_event",
        "plain-text-answer.eml": "no_calendar", "thunderbird-tentative.eml": "tentative",
    }
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]
    summary = cr.counts([r.outcome for r in results if r.outcome])
    assert summary["to_review"] == 3 and summary["participations_changed"] == 2


def test_message_ids_are_compared_as_written(db, ids):
    """The email parser shortens a Message-ID with two "@" ("<a@b-c@d>" → "<a@b-c>"): two different
    answers must not be taken for the same message."""
    first = b"Message-ID: <reply@host-alice@example.org>\r\nFrom: a@example.net\r\n\r\noui\r\n"
    second = b"Message-ID: <reply@host-bruno@example.org>\r\nFrom: a@example.net\r\n\r\nnon\r\n"
    assert not take(db, first).duplicate and not take(db, second).duplicate


def test_a_spoofed_sender_is_not_applied(db, ids):
    """A REPLY written in Bruno's name from elsewhere: the receiving server found no SPF or DKIM pass."""
    raw = sample("gmail-declined.eml")
    spoofed = (b"Authentication-Results: mx.plie-clermont.example.org; spf=fail smtp.mailfrom=example.org; "
               b"dkim=none; dmarc=fail header.from=example.org\r\n") + raw
    outcome = take(db, spoofed)
    assert outcome.outcome == "unauthenticated" and outcome.needs_review
    assert status(db, ids["bruno"], ids["event"]) is None
    # Another one as SendGrid's Inbound Parse reports it (no Authentication-Results in the message).
    other = raw.replace(b"calendar-5f1c2b7e", b"calendar-11111111")
    fields = {"email": other.decode(), "SPF": "softfail", "dkim": "{@example.org : fail (body hash did not verify)}"}
    assert cr.inbound_authentication(fields) is False
    assert cr.inbound_authentication({"SPF": "pass", "dkim": "none"}) is True
    assert cr.inbound_authentication({"SPF": "neutral", "dkim": "{@example.org : pass}"}) is True
    assert cr.inbound_authentication({"email": "x"}) is None
    with db.transaction() as session:
        second = cr.take_in_raw_email(session, cr.parse_inbound_form(fields), origin="inbound_parse", now=NOW,
                                      authenticated=cr.inbound_authentication(fields))
    assert (second.duplicate, second.outcome) == (False, "unauthenticated")
    assert status(db, ids["bruno"], ids["event"]) is None
    # Authenticated: applied.
    passed = b"Authentication-Results: mx.example; spf=pass smtp.mailfrom=example.org; dkim=pass\r\n" + raw.replace(
        b"calendar-5f1c2b7e", b"calendar-22222222")
    assert take(db, passed).outcome == "declined"
