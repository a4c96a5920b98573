"""For the demo: a few fictitious candidates answer their invitations through the web service, over
real HTTP on loopback, as a phone's browser would: open the link from the email (GET), press the
button (POST). Enough say yes to fill an upcoming event and put one on the waiting list, one says
no (their place is offered to the first in line), one unsubscribes in one click (RFC 8058).

The links in the emails point at the public address (``web.public_url``); here the web service
runs on a free loopback port and each link is sent there, as the reverse proxy would."""

from __future__ import annotations

import email
import email.policy
import re
import urllib.parse
import urllib.request
from pathlib import Path

from sqlalchemy import func, select

from clauses.messages import links
from clauses.messages.transports.file import FileTransport
from clauses.storage.outreach import Message, Participation
from clauses.storage.planning import Event
from clauses.storage.base import utcnow

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _links(path: Path) -> dict[str, str]:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    text = message.get_body(("plain",)).get_content()
    found = {"unsubscribe": message["List-Unsubscribe"].strip("<>")}
    for label, key in (("Je viens", "yes"), ("Je ne peux pas venir", "no")):
        match = re.search(rf"^{label} : (\S+?)\r?$", text, re.M)
        if match:
            found[key] = match.group(1)
    return found


def _call(url: str, data: bytes | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, response.read().decode("utf-8")


def press(url: str) -> str:
    """GET the page, then POST its form (its CSRF token): the candidate's one tap."""
    _, page = _call(url)
    token = _CSRF.search(page)
    if token is None:
        return page
    return _call(url, urllib.parse.urlencode({"csrf": token.group(1)}).encode())[1]


def demo_answers(database, config, outbox: Path) -> dict:
    """Start the web service on loopback, answer, stop it. Returns counts (no names)."""
    from clauses.web import WebServer, create_app

    now = utcnow()
    with database.transaction() as session:
        row = session.execute(
            select(Event.id, Event.capacity, func.count(Message.id))
            .join(Message, (Message.event_id == Event.id) & (Message.kind == "invitation") & (Message.state == "sent"))
            .where(Event.start > now, Event.status.in_(("scheduled", "moved")))
            .group_by(Event.id, Event.capacity, Event.start).order_by(Event.start, Event.id)
        ).first()
        if row is None:
            return {"event_id": None, "answers": 0}
        event_id, capacity, _ = row
        held = session.scalar(select(func.count()).select_from(Participation).where(
            Participation.event_id == event_id, Participation.status.in_(("registered", "offered")))) or 0
        invitations = list(session.execute(
            select(Message.public_id).where(Message.event_id == event_id, Message.kind == "invitation",
                                            Message.state == "sent").order_by(Message.id)).scalars())
    people = [_links(outbox / f"{p}.eml") for p in invitations if (outbox / f"{p}.eml").exists()]
    people = [p for p in people if "yes" in p]
    free = max(capacity - held, 0)
    if len(people) < free + 3:
        return {"event_id": event_id, "answers": 0}
    server = WebServer(create_app(config, database, transport=FileTransport(outbox)), port=0).start()
    base = links.public_url(config)
    local = lambda url: server.url + url[len(base):] if url.startswith(base) else url  # noqa: E731
    counts = {"event_id": event_id, "capacity": capacity, "yes": 0, "no": 0, "waitlisted": 0, "unsubscribed": 0,
              "prefetch_gets": 0}
    try:
        _call(local(people[0]["yes"]))  # a mail gateway opening the link first changes nothing
        counts["prefetch_gets"] += 1
        for person in people[: free + 1]:  # fill the event, and one more: the waiting list
            page = press(local(person["yes"]))
            counts["yes"] += 1
            counts["waitlisted"] += "liste d’attente" in page
        press(local(people[0]["no"]))  # the first changes their mind: the first in line is offered the place
        counts["no"] += 1
        press(local(people[free + 1]["no"]))  # an invitee who cannot come
        counts["no"] += 1
        status, _ = _call(local(people[free + 2]["unsubscribe"]), b"List-Unsubscribe=One-Click")
        counts["unsubscribed"] += status == 200
    finally:
        server.stop()
    with database.transaction() as session:
        counts["statuses"] = dict(session.execute(
            select(Participation.status, func.count()).where(Participation.event_id == event_id)
            .group_by(Participation.status)).all())
        counts["offers"] = session.scalar(select(func.count()).select_from(Message).where(
            Message.event_id == event_id, Message.kind == "waitlist_offer")) or 0
    counts["answers"] = counts["yes"] + counts["no"]
    return counts
