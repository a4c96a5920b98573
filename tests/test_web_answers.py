"""Candidates answer through the web service (real uvicorn on loopback, real HTTP, links read from
the .eml files the file transport wrote): GET shows, POST acts, places are counted, the waiting
list moves, unsubscribing is one click. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import threading

import pytest
from sqlalchemy import func, select

from clauses.messages import ledger
from clauses.messages.dispatch import send_messages
from clauses.messages.links import token_hash
from clauses.messages.transports.file import FileTransport
from clauses.outreach import places
from clauses.storage import Candidate, Event, Message, MessageToken, Participation, ParticipationTransition, TradeOptOut
from clauses.web import keys
from web_helpers import form_of, links_of, press, request, seed_event, send_invitations, start_web


@pytest.fixture
def outbox(tmp_path):
    return tmp_path / "outbox"


@pytest.fixture
def web(config, db, outbox, monkeypatch):
    server = start_web(config, db, outbox, monkeypatch)
    yield server
    server.stop()


def status_of(db, event_id: int, candidate_id: int) -> str:
    with db.transaction() as session:
        return session.scalar(select(Participation.status).where(
            Participation.event_id == event_id, Participation.candidate_id == candidate_id))


def transitions(db, event_id: int, candidate_id: int) -> list[tuple[str | None, str, str]]:
    with db.transaction() as session:
        return [tuple(r) for r in session.execute(
            select(ParticipationTransition.from_status, ParticipationTransition.to_status, ParticipationTransition.origin)
            .join(Participation).where(Participation.event_id == event_id, Participation.candidate_id == candidate_id)
            .order_by(ParticipationTransition.id))]


def test_invitation_links_headers_and_tokens(web, db, config, outbox):
    event_id, [alice] = seed_event(db, config, people=1, capacity=5)
    invited = send_invitations(db, config, outbox, event_id, [alice])[alice]
    raw = invited.eml.read_bytes()
    # The text part ends with the two answer lines.
    text = email.message_from_bytes(raw, policy=email.policy.default).get_body(("plain",)).get_content()
    assert text.rstrip("\n").splitlines()[-2:] == [f"Je viens : {invited.yes_url}", f"Je ne peux pas venir : {invited.no_url}"]
    # RFC 8058 headers, plain ASCII on one line (no encoded word).
    header_lines = raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    assert f"List-Unsubscribe: <{invited.unsubscribe_url}>".encode() in header_lines
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in header_lines
    assert b"=?utf-8?q?=3Chttp" not in raw
    # One opaque token of >= 128 bits, stored only as its hash; no id, no address in the links.
    token = invited.yes_url.split("/r/")[1].split("/")[0]
    assert len(token) >= 22 and invited.unsubscribe_url.endswith(f"/desinscription/{token}")
    assert "personne1000" not in invited.yes_url and f"/{alice}/" not in invited.yes_url
    with db.transaction() as session:
        stored = list(session.scalars(select(MessageToken.token_hash)))
    assert stored == [token_hash(token)] and token not in stored


def test_get_changes_nothing_and_the_post_registers_once(web, db, config, outbox):
    event_id, [alice] = seed_event(db, config, people=1, capacity=5)
    invited = send_invitations(db, config, outbox, event_id, [alice])[alice]
    for _ in range(3):  # a mail gateway and a preview open the link
        status, page, headers = request(invited.yes_url)
        assert status == 200 and 'lang="fr"' in page and "Je viens" in page
        assert "facilitateurs@plie-clermont.example.org" in page and headers["Cache-Control"] == "no-store"
        # French spacing: on a phone the colon and question mark never start a line of their own.
        assert "question\u00a0? Contactez les facilitateurs\u00a0:" in page
    request(invited.no_url)
    assert status_of(db, event_id, alice) == "invited" and len(transitions(db, event_id, alice)) == 1
    # A POST without the page's token (cross-site) is refused and changes nothing.
    status, page, _ = request(invited.yes_url, {"csrf": "forged"})
    assert status == 403 and status_of(db, event_id, alice) == "invited"
    status, page = press(invited.yes_url)
    assert status == 200 and "C’est noté\u00a0: vous êtes inscrit·e" in page
    # The same POST again (double tap, back button) is idempotent.
    fields = {"csrf": keys.csrf_token(invited.yes_url.split("/")[-2], "oui")}
    assert request(invited.yes_url, fields)[0] == 200
    assert transitions(db, event_id, alice) == [(None, "invited", "system"), ("invited", "registered", "web")]
    # Changing one's mind until the event: cancel from the "no" link.
    status, page = press(invited.no_url)
    assert "vous ne venez pas" in page and status_of(db, event_id, alice) == "declined"


def test_full_event_waitlists_and_a_freed_place_is_offered_then_lapses(web, db, config, outbox):
    event_id, people = seed_event(db, config, people=3, capacity=1)
    alice, bruno, chloe = people
    invited = send_invitations(db, config, outbox, event_id, people)
    assert "inscrit·e" in press(invited[alice].yes_url)[1]
    page = press(invited[bruno].yes_url)[1]
    assert "liste d’attente, en position 1" in page and status_of(db, event_id, bruno) == "waitlisted"
    assert "en position 2" in press(invited[chloe].yes_url)[1]
    # Alice cancels: Bruno is offered her place, by an email of the ledger, sent once.
    press(invited[alice].no_url)
    assert status_of(db, event_id, bruno) == "offered" and status_of(db, event_id, chloe) == "waitlisted"
    with db.transaction() as session:
        offer = session.scalar(select(Message).where(Message.kind == "waitlist_offer"))
        assert offer.candidate_id == bruno
    deadline = dt.datetime.now() + dt.timedelta(seconds=30)
    while not (outbox / f"{offer.public_id}.eml").exists() and dt.datetime.now() < deadline:
        threading.Event().wait(0.1)
    offered = (outbox / f"{offer.public_id}.eml")
    assert offered.exists(), "the offer was not sent at once"
    offer_links = links_of(offered)
    page = request(offer_links.yes_url)[1]
    assert "Je prends la place" in page and "réservée jusqu’au" in page
    # Bruno does not answer in time: the offer lapses, Chloé gets the place's offer.
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=config.outreach.waitlist_offer_hours, minutes=1)
    with db.transaction() as session:
        counts = places.refresh_waiting_lists(session, now=later, transport="file")
    assert counts == {"offers": 1, "expired": 1}
    assert status_of(db, event_id, bruno) == "declined" and status_of(db, event_id, chloe) == "offered"
    with db.transaction() as session:
        kinds = sorted((m.kind, m.candidate_id) for m in session.scalars(select(Message).where(Message.kind != "invitation")))
        again = places.refresh_waiting_lists(session, now=later, transport="file")
    assert kinds == sorted([("waitlist_offer", bruno), ("offer_expired", bruno), ("waitlist_offer", chloe)])
    assert again == {"offers": 0, "expired": 0}


def test_a_link_cut_before_its_answer_offers_both_answers(web, db, config, outbox):
    event_id, [alice] = seed_event(db, config, people=1, capacity=5)
    invited = send_invitations(db, config, outbox, event_id, [alice])[alice]
    cut = invited.yes_url.rsplit("/", 1)[0]
    status, page, _ = request(cut)
    assert status == 200 and "Je viens</button>" in page
    assert f'href="{invited.no_url}">Je ne peux pas venir</a>' in page
    assert status_of(db, event_id, alice) == "invited"
    press(invited.yes_url)
    status, page, _ = request(cut)  # once answered, the page says so and offers to cancel
    assert status == 200 and "Je viens</button>" not in page and "Je ne peux plus venir" in page
    assert request(cut.replace("/r/", "/r/x"))[0] == 404


def test_links_stop_working_after_the_event(web, db, config, outbox):
    event_id, [alice] = seed_event(db, config, people=1, capacity=5)
    invited = send_invitations(db, config, outbox, event_id, [alice])[alice]
    with db.transaction() as session:
        row = session.get(Event, event_id)
        row.start = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)
    status, page, _ = request(invited.yes_url)
    # The phone number, kept on one line, and a link that dials it.
    assert status == 410 and "n’est plus valable" in page and "04\u00a073\u00a000\u00a000\u00a000" in page
    assert 'href="tel:0473000000"' in page
    fields = {"csrf": keys.csrf_token(invited.yes_url.split("/")[-2], "oui")}
    assert request(invited.yes_url, fields)[0] == 410
    assert status_of(db, event_id, alice) == "invited"
    assert request(invited.yes_url.replace("/r/", "/r/x"))[0] == 404


def test_one_click_unsubscribe_and_trade_only(web, db, config, outbox):
    event_id, [alice, bruno] = seed_event(db, config, people=2, capacity=5)
    invited = send_invitations(db, config, outbox, event_id, [alice, bruno])
    # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click", no page, no token of ours.
    status, page, _ = request(invited[alice].unsubscribe_url, b"List-Unsubscribe=One-Click")
    assert status == 200 and "plus aucun message" in page
    # Bruno opens the page (GET: nothing changes) and chooses this trade only.
    status, page, _ = request(invited[bruno].unsubscribe_url)
    form = form_of(page)
    assert status == 200 and 'for="scope-trade"' in page and form.buttons == ["Confirmer ma désinscription"]
    assert "Ne plus recevoir\u00a0:" in page and "«\u00a0Maçon\u00a0» seulement" in page
    with db.transaction() as session:
        assert not session.get(Candidate, bruno).opted_out and session.scalar(select(func.count()).select_from(TradeOptOut)) == 0
    status, page, _ = request(invited[bruno].unsubscribe_url, {**form.fields, "scope": "trade"})
    assert status == 200 and "«\u00a0Maçon\u00a0»" in page
    with db.transaction() as session:
        assert session.get(Candidate, alice).opted_out
        assert not session.get(Candidate, bruno).opted_out
        assert [(o.candidate_id, o.trade_key) for o in session.scalars(select(TradeOptOut))] == [(bruno, "macon")]
    # No job emails them again about it: the reminders are refused by the ledger.
    with db.transaction() as session:
        ledger.enqueue(session, [ledger.Planned(candidate_id=c, event_id=event_id, kind="reminder") for c in (alice, bruno)],
                       transport="file")
        ids = list(session.scalars(select(Message.id).where(Message.kind == "reminder")))
    report = send_messages(db, config, FileTransport(outbox), ids)
    assert report.sent == 0 and report.skipped == 2


def test_last_place_race_exactly_one_gets_it(web, db, config, outbox):
    event_id, people = seed_event(db, config, people=8, capacity=1)
    invited = send_invitations(db, config, outbox, event_id, people)
    prepared = []
    for candidate_id in people:
        url = invited[candidate_id].yes_url
        prepared.append((url, form_of(request(url)[1]).fields))
    barrier = threading.Barrier(len(prepared))
    results: list[int] = []

    def answer(url, fields):
        barrier.wait()
        results.append(request(url, fields)[0])

    threads = [threading.Thread(target=answer, args=item) for item in prepared]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert results == [200] * len(people)
    with db.transaction() as session:
        statuses = sorted(session.scalars(select(Participation.status).where(Participation.event_id == event_id)))
        positions = sorted(places.waitlist_position(session, p) for p in session.scalars(
            select(Participation).where(Participation.event_id == event_id, Participation.status == "waitlisted")))
    assert statuses == ["registered"] + ["waitlisted"] * 7
    assert positions == list(range(1, 8))


def test_partner_feed_with_etag(web, db, config, outbox):
    from clauses.web.feeds import feed_urls

    event_id, _ = seed_event(db, config, people=1, capacity=5)
    url = feed_urls(config, web.url)["geiq_btp_63"]
    status, body, headers = request(url)
    assert status == 200 and headers["content-type"].startswith("text/calendar")
    with db.transaction() as session:
        uid = session.get(Event, event_id).uid
    assert f"UID:{uid}" in body and "SEQUENCE:0" in body
    assert request(url, headers={"If-None-Match": headers["etag"]})[0] == 304
    with db.transaction() as session:
        session.get(Event, event_id).sequence = 1
    status, body, again = request(url, headers={"If-None-Match": headers["etag"]})
    assert status == 200 and "SEQUENCE:1" in body and again["etag"] != headers["etag"]
    assert request(url.replace("/calendrier/", "/calendrier/x"))[0] == 404


def test_sendgrid_payload_has_one_click_headers_and_no_click_tracking():
    from clauses.messages.mime import Outgoing
    from clauses.messages.transports.sendgrid import build_payload

    url = "https://clauses.example.org/desinscription/" + "A" * 24
    message = Outgoing(public_id="p1", kind="invitation", to_email="a@example.net", to_name="Zoé", from_email="c@example.org",
                       from_name="Cellule", reply_to_email="f@example.org", reply_to_name="F", subject="Invitation",
                       text="t", html="<a href='x' clicktracking='off'>x</a>", unsubscribe_url=url)
    payload = build_payload(message)
    assert payload["headers"] == {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    assert payload["tracking_settings"]["click_tracking"] == {"enable": False, "enable_text": False}
    with pytest.raises(ValueError):
        build_payload(Outgoing(**{**message.__dict__, "unsubscribe_url": "https://e.org/d/x\r\nBcc: x@y"}))


def test_report_counts_answers_and_their_channels(web, db, config, outbox):
    from clauses.outreach.participation import record_status
    from clauses.reporting.answers import answer_counts

    event_id, people = seed_event(db, config, people=5, capacity=1)
    alice, bruno, chloe, david, emma = people
    invited = send_invitations(db, config, outbox, event_id, [alice, bruno])
    press(invited[alice].yes_url)
    press(invited[bruno].yes_url)  # full: waiting list
    with db.transaction() as session:
        record_status(session, candidate_id=chloe, event_id=event_id, status="declined", origin="import")
        record_status(session, candidate_id=david, event_id=event_id, status="declined", origin="calendar_reply")
        counts = answer_counts(session)
    assert {k: counts[k] for k in ("invited", "answered", "registered", "declined", "waitlisted")} == {
        "invited": 5, "answered": 4, "registered": 1, "declined": 2, "waitlisted": 1}
    assert counts["channels"] == {"web": 2, "calendar_reply": 1, "partner_sheet": 1, "coordinator": 0}
    assert counts["shares"]["web"] == 0.5


def test_inbound_parse_needs_the_secret_path_and_basic_auth(web, db, config, monkeypatch, tmp_path):
    import base64

    raw = (b"From: a@example.net\r\nTo: facilitateurs@plie-clermont.example.org\r\nSubject: Accepted\r\n"
           b"Content-Type: text/plain; charset=utf-8\r\n\r\nJe viens.\r\n")
    boundary = "xYzZY"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"to\"\r\n\r\nfacilitateurs@plie-clermont.example.org\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\n").encode() + raw + f"\r\n--{boundary}--\r\n".encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    auth = {"Authorization": "Basic " + base64.b64encode(b"sendgrid:s3cret-password").decode()}
    url = f"{web.url}/inbound/parse/the-secret-path"
    assert request(url, body, {**headers, **auth})[0] == 404  # not configured: nothing is served
    monkeypatch.setenv("CLAUSES_INBOUND_PARSE_SECRET", "the-secret-path")
    monkeypatch.setenv("CLAUSES_INBOUND_PARSE_PASSWORD", "s3cret-password")
    assert request(url.replace("the-secret-path", "guess"), body, {**headers, **auth})[0] == 404
    status, _, answer_headers = request(url, body, headers)
    assert status == 401 and answer_headers["WWW-Authenticate"].startswith("Basic")
    bad = {"Authorization": "Basic " + base64.b64encode(b"sendgrid:wrong").decode()}
    assert request(url, body, {**headers, **bad})[0] == 401
    state = web.server.config.app.state
    state.inbound_parse_max_body, limit = 100, state.inbound_parse_max_body
    assert request(url, body, {**headers, **auth})[0] == 413
    state.inbound_parse_max_body = limit
    status, page, _ = request(url, body, {**headers, **auth})
    assert status == 200
    import json

    from clauses.storage.replies import InboundReply

    assert json.loads(page)["status"] == "taken"
    with db.transaction() as session:  # committed before the answer
        [row] = session.scalars(select(InboundReply)).all()
        assert (row.origin, row.outcome, row.needs_review) == ("inbound_parse", "no_calendar", True)
    assert json.loads(request(url, body, {**headers, **auth})[1])["status"] == "duplicate"  # SendGrid's retry
    no_email = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"to\"\r\n\r\nx\r\n--{boundary}--\r\n").encode()
    assert request(url, no_email, {**headers, **auth})[0] == 400


def test_a_place_freed_by_a_coordinator_is_offered_by_the_followups_job(db, config):
    from clauses.outreach.followups import plan_followups
    from clauses.outreach.participation import record_status

    event_id, [alice, bruno] = seed_event(db, config, people=2, capacity=1)
    for person in (alice, bruno):
        with db.transaction() as session:
            places.answer(session, candidate_id=person, event_id=event_id, action="yes", origin="calendar_reply")
    assert (status_of(db, event_id, alice), status_of(db, event_id, bruno)) == ("registered", "waitlisted")
    with db.transaction() as session:
        record_status(session, candidate_id=alice, event_id=event_id, status="declined", origin="coordinator")
    with db.transaction() as session:
        planned = plan_followups(session, config)
    assert planned.get("waitlist_offer") == 1 and status_of(db, event_id, bruno) == "offered"
    with db.transaction() as session:
        assert plan_followups(session, config).get("waitlist_offer") is None  # once
        assert session.scalar(select(func.count()).select_from(Message).where(Message.kind == "waitlist_offer")) == 1
