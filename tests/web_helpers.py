"""The web service for tests: real uvicorn on a free loopback port, invitations really sent through
the file transport, their links read back from the .eml files."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import html.parser
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from clauses.messages import ledger
from clauses.messages.dispatch import send_messages
from clauses.messages.transports.file import FileTransport
from clauses.outreach.participation import record_invitations
from clauses.storage.outreach import Message
from clauses.web import WebServer, create_app
from outreach_data import candidate, event, reference


@dataclass
class Invited:
    candidate_id: int
    yes_url: str
    no_url: str
    unsubscribe_url: str
    eml: Path


def start_web(config, db, outbox: Path, monkeypatch, **options) -> WebServer:
    app = create_app(config, db, transport=FileTransport(outbox), **options)
    server = WebServer(app, port=0)
    monkeypatch.setenv("CLAUSES_PUBLIC_URL", server.url)
    app.state.public_url = server.url
    return server.start()


def seed_event(db, config, *, people: int, capacity: int, days_ahead: int = 10, trade: str = "macon") -> tuple[int, list[int]]:
    start = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(days=days_ahead)
    with db.transaction() as session:
        plan = reference(session, config)
        row = event(session, plan, start=start, capacity=capacity, trade=trade)
        ids = [candidate(session, 1000 + i, trades=(trade,)).id for i in range(people)]
        record_invitations(session, event_id=row.id, candidate_ids=ids)
        return row.id, ids


def send_invitations(db, config, outbox: Path, event_id: int, candidate_ids: list[int], kind: str = "invitation") -> dict[int, Invited]:
    with db.transaction() as session:
        ledger.enqueue(session, [ledger.Planned(candidate_id=c, event_id=event_id, kind=kind) for c in candidate_ids],
                       transport="file")
        rows = {m.id: (m.candidate_id, m.public_id) for m in session.query(Message).filter(
            Message.event_id == event_id, Message.kind == kind, Message.state == "pending")}
    report = send_messages(db, config, FileTransport(outbox), list(rows))
    assert report.sent == len(rows)
    found = {}
    for candidate_id, public_id in rows.values():
        path = outbox / f"{public_id}.eml"
        found[candidate_id] = links_of(path)
        found[candidate_id].candidate_id = candidate_id
    return found


def links_of(path: Path) -> Invited:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    text = message.get_body(("plain",)).get_content()
    yes = re.search(r"^Je viens : (\S+)\r?$", text, re.M)
    no = re.search(r"^Je ne peux pas venir : (\S+)\r?$", text, re.M)
    unsubscribe = message["List-Unsubscribe"].strip("<>")
    return Invited(0, yes.group(1) if yes else "", no.group(1) if no else "", unsubscribe, path)


class _FormReader(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.buttons: list[str] = []
        self._in_button = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") == "hidden":
            self.fields[attrs["name"]] = attrs.get("value", "")
        if tag == "button":
            self._in_button = True
            self.buttons.append("")

    def handle_endtag(self, tag):
        if tag == "button":
            self._in_button = False

    def handle_data(self, data):
        if self._in_button:
            self.buttons[-1] += data


def request(url: str, data: dict | bytes | None = None, headers: dict | None = None, method: str | None = None) -> tuple[int, str, object]:
    body = urllib.parse.urlencode(data).encode() if isinstance(data, dict) else data
    req = urllib.request.Request(url, data=body, method=method or ("POST" if body is not None else "GET"),
                                 headers={"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            return response.status, response.read().decode("utf-8"), response.headers
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8"), exc.headers


def form_of(page: str) -> _FormReader:
    reader = _FormReader()
    reader.feed(page)
    return reader


def press(url: str) -> tuple[int, str]:
    """Open the page (GET) and press its one button (POST with the page's hidden fields)."""
    status, page, _ = request(url)
    assert status == 200, page
    form = form_of(page)
    assert len(form.buttons) == 1, form.buttons
    status, page, _ = request(url, form.fields)
    return status, page
