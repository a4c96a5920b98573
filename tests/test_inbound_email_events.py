"""SendGrid Event Webhook: signatures, parsing, effects on candidates, deduplication, spool files."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
from sqlalchemy import func, select

from clauses.config.messaging import EventWebhookSettings
from clauses.errors import ClausesError
from clauses.inbound import email_events as ee
from clauses.storage import Candidate, EmailEvent, Message
from inbound_helpers import UTC, Signer, seed, sg_event

T0 = 1795597200  # 2026-11-25 09:00 UTC


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer()


@pytest.fixture
def ids(db, config):
    with db.transaction() as session:
        return seed(session, config)


def ingest(db, signer, tmp_path, events, name="batch.json", **kwargs):
    path = signer.write(tmp_path / name, events)
    return ee.ingest_envelope_file(db, path, signer.public_key, **kwargs)


def candidate(db, candidate_id) -> Candidate:
    with db.transaction() as session:
        return session.get(Candidate, candidate_id)


# --- signature --------------------------------------------------------------------------------------


def test_valid_signature_passes_and_matches_sendgrid_helper(signer):
    from sendgrid.helpers.eventwebhook import EventWebhook

    body = json.dumps([sg_event("delivered", "e1")])
    signature = signer.sign(body, "123")
    ee.verify_signature(body, signature, "123", signer.public_key, max_age_seconds=None)
    # The same key, read as SendGrid shows it, verifies with SendGrid's own helper.
    helper = EventWebhook(signer.public_key_b64)
    assert helper.verify_signature(body, signature, "123") is True
    assert helper.verify_signature(body + " ", signature, "123") is False


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"signature": None}, "non signé"),
        ({"timestamp": None}, "non signé"),
        ({"body": '[{"event": "bounce"}]'}, "ne correspond pas"),  # tampered body
        ({"timestamp": "124"}, "ne correspond pas"),  # replayed with another timestamp
        ({"signature": "not base64 !!"}, "base64"),
        ({"signature": "AAAA"}, "ne correspond pas"),  # base64 but not a DER signature
    ],
)
def test_unsigned_forged_and_tampered_payloads_are_rejected(signer, change, reason):
    body = json.dumps([sg_event("delivered", "e1")])
    args = {"body": body, "signature": signer.sign(body, "123"), "timestamp": "123"}
    args.update(change)
    with pytest.raises(ee.SignatureError, match=reason):
        ee.verify_signature(args["body"], args["signature"], args["timestamp"], signer.public_key)


def test_signature_of_another_key_is_rejected(signer):
    body = json.dumps([sg_event("delivered", "e1")])
    forger = Signer()
    with pytest.raises(ee.SignatureError, match="ne correspond pas"):
        ee.verify_signature(body, forger.sign(body, "1"), "1", signer.public_key)


def test_public_key_from_environment_overrides_config_and_pem_is_accepted(signer):
    other = Signer()
    settings = EventWebhookSettings(public_key=other.public_key_b64)
    key = ee.resolve_public_key(settings, {"SENDGRID_WEBHOOK_PUBLIC_KEY": signer.public_key_b64})
    assert key.public_numbers() == signer.public_key.public_numbers()
    assert ee.resolve_public_key(settings, {}).public_numbers() == other.public_key.public_numbers()
    from cryptography.hazmat.primitives import serialization

    pem = signer.public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert ee.load_public_key(pem.decode()).public_numbers() == signer.public_key.public_numbers()


def test_missing_or_broken_public_key_is_a_clear_error():
    with pytest.raises(ClausesError, match="SENDGRID_WEBHOOK_PUBLIC_KEY"):
        ee.resolve_public_key(EventWebhookSettings(), {})
    with pytest.raises(ClausesError, match="est illisible"):
        ee.load_public_key("bm90IGEga2V5")


# --- parsing ----------------------------------------------------------------------------------------


def test_parse_keeps_no_address_in_details_and_reports_bad_events():
    body = json.dumps([
        sg_event("bounce", "e1", message="m1", type="bounce", status="5.1.1", bounce_classification="Invalid Address",
                 reason="550 5.1.1 <alice@example.org>: Recipient address rejected", ip="1.2.3.4",
                 useragent="Mozilla", url="https://x.example/?email=alice@example.org"),
        {"event": "open", "timestamp": T0},
        "not an object",
        sg_event("open", "e4", at="yesterday"),
    ])
    events, problems = ee.parse_events(body, "f.json")
    assert [e.sg_event_id for e in events] == ["e1"]
    details = events[0].details
    assert "alice@example.org" not in json.dumps(details)
    assert details["reason"] == "550 5.1.1 <[adresse]>: Recipient address rejected"
    assert details["bounce_type"] == "bounce" and details["status"] == "5.1.1"
    assert not {"ip", "useragent", "url", "email"} & set(details)
    assert events[0].email == "alice@example.org"  # kept only for matching
    assert "alice" not in repr(events[0])
    assert [(p.row, p.column) for p in problems] == [("event 2", "sg_event_id"), ("event 3", None), ("event 4", "timestamp")]


def test_body_not_a_json_array_is_one_problem():
    assert ee.parse_events("{}", "f.json")[1][0].reason.startswith("le contenu n'est pas une liste JSON")
    assert ee.parse_events("[{", "f.json")[1][0].reason.startswith("le contenu n'est pas du JSON")


# --- effects ----------------------------------------------------------------------------------------


def test_bounce_and_unsubscribe_through_message_ids(db, signer, tmp_path, ids):
    outcome = ingest(db, signer, tmp_path, [
        sg_event("bounce", "e1", message="m-alice", type="bounce", at=T0),
        sg_event("unsubscribe", "e2", message="m-bruno", email="bruno@example.org", at=T0 + 60),
        sg_event("delivered", "e3", message="m-bruno", email="bruno@example.org", at=T0),
    ])
    assert outcome.accepted and outcome.counts.stored == 3
    assert outcome.counts.effects == {"email_bounced": 1, "opted_out": 1, "stored": 1}
    alice, bruno = candidate(db, ids["alice"]), candidate(db, ids["bruno"])
    assert alice.email_status == "bounced" and not alice.opted_out
    assert bruno.opted_out and bruno.email_status == "valid"
    assert ee._utc(bruno.opted_out_at) == dt.datetime.fromtimestamp(T0 + 60, UTC)
    with db.transaction() as session:
        stored = {e.provider_event_id: e for e in session.scalars(select(EmailEvent))}
    assert stored["e1"].message_id == ids["m_alice"] and stored["e1"].candidate_id == ids["alice"]
    assert stored["e1"].details["matched_by"] == "message"


def test_email_is_used_only_when_the_message_id_is_missing(db, signer, tmp_path, ids):
    outcome = ingest(db, signer, tmp_path, [
        sg_event("spamreport", "e1", email="CHLOE@example.org"),  # no message id: match by address
        sg_event("group_unsubscribe", "e2", email="nobody@example.org", asm_group_id=42),
    ])
    assert outcome.counts.effects == {"opted_out": 1, "no_candidate": 1}
    assert candidate(db, ids["chloe"]).opted_out
    with db.transaction() as session:
        e1 = session.scalar(select(EmailEvent).where(EmailEvent.provider_event_id == "e1"))
        e2 = session.scalar(select(EmailEvent).where(EmailEvent.provider_event_id == "e2"))
    assert (e1.candidate_id, e1.message_id, e1.details["matched_by"]) == (ids["chloe"], None, "email")
    assert e2.candidate_id is None and e2.details["asm_group_id"] == 42


def test_message_id_wins_over_the_address(db, signer, tmp_path, ids):
    # The event says Alice's message but carries Chloé's address: the message decides.
    ingest(db, signer, tmp_path, [sg_event("unsubscribe", "e1", message="m-alice", email="chloe@example.org")])
    assert candidate(db, ids["alice"]).opted_out
    assert not candidate(db, ids["chloe"]).opted_out


def test_bounce_of_an_old_address_does_not_invalidate_the_new_one(db, signer, tmp_path, ids):
    outcome = ingest(db, signer, tmp_path, [sg_event("bounce", "e1", message="m-alice", email="old@example.org")])
    assert outcome.counts.effects == {"stale_address": 1}
    assert candidate(db, ids["alice"]).email_status == "valid"


def test_blocked_bounce_is_stored_but_dropped_invalidates_or_opts_out(db, signer, tmp_path, ids):
    outcome = ingest(db, signer, tmp_path, [
        sg_event("bounce", "e1", message="m-alice", type="blocked", reason="IP blocklisted"),
        sg_event("dropped", "e2", message="m-bruno", email="bruno@example.org", reason="Unsubscribed Address"),
        sg_event("dropped", "e3", email="chloe@example.org", reason="Bounced Address"),
    ])
    assert outcome.counts.effects == {"stored": 1, "opted_out": 1, "email_bounced": 1}
    assert candidate(db, ids["alice"]).email_status == "valid"
    assert candidate(db, ids["bruno"]).opted_out and candidate(db, ids["bruno"]).email_status == "valid"
    assert candidate(db, ids["chloe"]).email_status == "bounced"


def test_group_resubscribe_undoes_only_a_group_unsubscribe(db, signer, tmp_path, ids):
    ingest(db, signer, tmp_path, [
        sg_event("group_unsubscribe", "e1", message="m-alice", at=T0),
        sg_event("group_resubscribe", "e2", message="m-alice", at=T0 + 10),
        # Bruno unsubscribed globally, then resubscribed to a group: still opted out.
        sg_event("unsubscribe", "e3", message="m-bruno", email="bruno@example.org", at=T0),
        sg_event("group_unsubscribe", "e4", message="m-bruno", email="bruno@example.org", at=T0 + 5),
        sg_event("group_resubscribe", "e5", message="m-bruno", email="bruno@example.org", at=T0 + 10),
    ], name="a.json")
    alice = candidate(db, ids["alice"])
    assert not alice.opted_out and alice.opted_out_at is None
    assert candidate(db, ids["bruno"]).opted_out
    # Alice unsubscribes from the group again later: a toggle, not a duplicate.
    ingest(db, signer, tmp_path, [sg_event("group_unsubscribe", "e6", message="m-alice", at=T0 + 20)], name="b.json")
    assert candidate(db, ids["alice"]).opted_out


def test_an_opt_out_recorded_elsewhere_is_not_undone(db, signer, tmp_path, ids):
    with db.transaction() as session:
        chloe = session.get(Candidate, ids["chloe"])
        chloe.opted_out, chloe.opted_out_at = True, dt.datetime(2026, 1, 1, tzinfo=UTC)
    ingest(db, signer, tmp_path, [sg_event("group_resubscribe", "e1", email="chloe@example.org")])
    assert candidate(db, ids["chloe"]).opted_out


def test_events_of_a_batch_are_applied_in_time_order(db, signer, tmp_path, ids):
    ingest(db, signer, tmp_path, [
        sg_event("group_resubscribe", "e2", message="m-alice", at=T0 + 10),
        sg_event("group_unsubscribe", "e1", message="m-alice", at=T0),
    ])
    assert not candidate(db, ids["alice"]).opted_out


def test_open_and_click_move_last_activity_forward_only(db, signer, tmp_path, ids):
    with db.transaction() as session:
        session.get(Candidate, ids["alice"]).last_activity_at = dt.datetime(2026, 1, 1, tzinfo=UTC)
        session.get(Candidate, ids["bruno"]).last_activity_at = dt.datetime(2027, 1, 1, tzinfo=UTC)
    ingest(db, signer, tmp_path, [
        sg_event("open", "e1", message="m-alice", at=T0),
        sg_event("click", "e2", message="m-bruno", email="bruno@example.org", at=T0),
    ])
    assert ee._utc(candidate(db, ids["alice"]).last_activity_at) == dt.datetime.fromtimestamp(T0, UTC)
    assert ee._utc(candidate(db, ids["bruno"]).last_activity_at) == dt.datetime(2027, 1, 1, tzinfo=UTC)


def test_processed_marks_a_sending_message_sent(db, signer, tmp_path, ids):
    outcome = ingest(db, signer, tmp_path, [
        sg_event("processed", "e1", message="m-alice"),
        sg_event("processed", "e2", message="m-unknown", email=None),
    ])
    assert outcome.counts.messages_reconciled == 1
    with db.transaction() as session:
        assert session.get(Message, ids["m_alice"]).state == "sent"
        unknown = session.scalar(select(EmailEvent).where(EmailEvent.provider_event_id == "e2"))
        assert unknown.message_id is None and unknown.details["clauses_message_id"] == "m-unknown"


def test_anonymised_candidates_are_not_changed(db, signer, tmp_path, ids):
    with db.transaction() as session:
        session.get(Candidate, ids["alice"]).anonymised_at = dt.datetime(2026, 1, 1, tzinfo=UTC)
    outcome = ingest(db, signer, tmp_path, [sg_event("bounce", "e1", message="m-alice")])
    assert outcome.counts.effects == {"anonymised": 1}
    assert candidate(db, ids["alice"]).email_status == "valid"


# --- deduplication and idempotence ------------------------------------------------------------------


def test_reingesting_the_same_file_changes_nothing(db, signer, tmp_path, ids):
    events = [sg_event("bounce", "e1", message="m-alice"), sg_event("open", "e2", message="m-bruno", email=None)]
    path = signer.write(tmp_path / "same.json", events)
    first = ee.ingest_envelope_file(db, path, signer.public_key)
    second = ee.ingest_envelope_file(db, path, signer.public_key)
    assert (first.counts.stored, second.counts.stored, second.counts.duplicates) == (2, 0, 2)
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(EmailEvent)) == 2


def test_duplicates_by_event_id_within_a_batch_and_by_message_and_type(db, signer, tmp_path, ids):
    outcome = ingest(db, signer, tmp_path, [
        sg_event("delivered", "e1", message="m-alice"),
        sg_event("delivered", "e1", message="m-alice"),  # same sg_event_id
        sg_event("delivered", "e2", message="m-alice"),  # same message and once-per-message type
        sg_event("open", "e3", message="m-alice"),
        sg_event("open", "e4", message="m-alice"),  # opens repeat: both kept
    ])
    assert (outcome.counts.stored, outcome.counts.duplicates) == (3, 2)
    assert outcome.counts.types == {"delivered": 1, "open": 2}


# --- files and spool --------------------------------------------------------------------------------


def test_a_file_is_checked_against_the_time_its_batch_was_received(db, signer, tmp_path, ids):
    """``clauses events FILE`` replays a stored batch: its signed timestamp must be within the window
    of the ``received_at`` the receiver wrote, so a batch stale when it came in (a 2020 one) is refused."""
    events = [sg_event("unsubscribe", "e1", message="m-alice")]
    stale = signer.envelope(events, timestamp="1592000000")  # signed June 2020…
    stale["received_at"] = "2026-11-25T09:00:00+00:00"  # …received in 2026
    path = tmp_path / "stale.json"
    path.write_text(json.dumps(stale))
    outcome = ee.ingest_envelope_file(db, path, signer.public_key)
    assert not outcome.accepted and "refusé comme rejeu" in outcome.problems[0].reason
    undated = {k: v for k, v in signer.envelope(events).items() if k != "received_at"}
    path.write_text(json.dumps(undated))
    assert "received_at" in ee.ingest_envelope_file(db, path, signer.public_key).problems[0].reason
    with db.transaction() as session:
        assert session.get(Candidate, ids["alice"]).opted_out is False
    # An old file whose batch was fresh when received is a legitimate replay: accepted.
    assert ee.ingest_envelope_file(db, signer.write(tmp_path / "old.json", events), signer.public_key).accepted


def test_forged_file_is_rejected_whole_and_nothing_changes(db, signer, tmp_path, ids):
    envelope = signer.envelope([sg_event("bounce", "e1", message="m-alice")])
    envelope["body"] = envelope["body"].replace("bounce", "unsubscribe")
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(envelope))
    outcome = ee.ingest_envelope_file(db, path, signer.public_key)
    assert not outcome.accepted and "falsifié ou modifié" in outcome.problems[0].reason
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps([sg_event("bounce", "e1", message="m-alice")]))
    assert "non signé" in ee.ingest_envelope_file(db, bare, signer.public_key).problems[0].reason
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(EmailEvent)) == 0
    assert not candidate(db, ids["alice"]).opted_out


def test_malformed_events_reject_the_file_unless_skip_invalid(db, signer, tmp_path, ids):
    events = [sg_event("bounce", "e1", message="m-alice"), {"event": "open", "timestamp": T0}]
    rejected = ingest(db, signer, tmp_path, events, name="x.json")
    assert not rejected.accepted and rejected.problems[0].row == "event 2"
    assert candidate(db, ids["alice"]).email_status == "valid"
    loaded = ingest(db, signer, tmp_path, events, name="y.json", skip_invalid=True)
    assert loaded.accepted and loaded.counts.stored == 1 and loaded.rejected_events == 1
    assert candidate(db, ids["alice"]).email_status == "bounced"
    rejects = ee.write_event_rejects([loaded])
    text = rejects.read_text(encoding="utf-8-sig")
    assert "event 2" in text and "sg_event_id" in text


def test_spooled_files_are_deleted_once_stored_and_parked_when_rejected(db, signer, tmp_path, ids):
    spool = tmp_path / "spool"
    good = ee.write_envelope(spool, signer.envelope([sg_event("delivered", "e1", message="m-alice")]))
    bad = ee.write_envelope(spool, {**signer.envelope([]), "body": "[]  "})
    assert ee.spooled_files(spool) == sorted([good, bad])
    for path in ee.spooled_files(spool):
        ee.finish_spooled(path, ee.ingest_envelope_file(db, path, signer.public_key))
    assert ee.spooled_files(spool) == []
    assert [p.name for p in (spool / "rejected").iterdir()] == [bad.name]


def test_no_address_reaches_the_logs_or_the_database(db, signer, tmp_path, ids, caplog):
    caplog.set_level(logging.DEBUG, logger="clauses")
    ingest(db, signer, tmp_path, [
        sg_event("bounce", "e1", email="chloe@example.org", reason="550 chloe@example.org unknown"),
        sg_event("open", "e2", message="m-alice"),
    ])
    assert "example.org" not in caplog.text
    with db.transaction() as session:
        details = [e.details for e in session.scalars(select(EmailEvent))]
    assert details and "example.org" not in json.dumps(details)
