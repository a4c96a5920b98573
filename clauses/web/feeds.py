"""Partners' calendar feeds: each partner subscribes to its approved events (cancelled ones stay,
marked CANCELLED, so calendars remove them) at a secret address
``{public_url}/calendrier/{token}.ics``, the token derived from the web secret
(``clauses web --feed-urls`` prints them). Stable UIDs, the events' SEQUENCE, and an ETag: a
calendar client asking with ``If-None-Match`` gets 304 while nothing changed."""

from __future__ import annotations

import hashlib
import hmac

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from clauses.planning.exports import to_ics
from clauses.storage.planning import Event
from clauses.web import keys
from clauses.web.pages import unknown_link

router = APIRouter()


def feed_urls(config, public_url: str) -> dict[str, str]:
    """partner key → the address of its feed."""
    return {p.key: f"{public_url}/calendrier/{keys.feed_token(p.key)}.ics" for p in config.partners}


def partner_for(config, token: str):
    found = None
    for partner in config.partners:
        if hmac.compare_digest(keys.feed_token(partner.key), token):
            found = partner
    return found


def feed_bytes(database, config, partner) -> bytes:
    with database.transaction() as session:
        events = list(session.scalars(
            select(Event).options(selectinload(Event.recruits_for))
            .where(Event.partner_key == partner.key, Event.approved_at.is_not(None))))
        return to_ics(config, events, name=f"{partner.name} – événements approuvés")


@router.api_route("/calendrier/{name}", methods=["GET", "HEAD"])
async def partner_feed(request: Request, name: str):
    state = request.app.state
    partner = partner_for(state.config, name.removesuffix(".ics")) if name.endswith(".ics") else None
    if partner is None:
        return unknown_link(request)
    body = await run_in_threadpool(feed_bytes, state.database, state.config, partner)
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {"ETag": etag, "Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"}
    wanted = {t.strip() for t in request.headers.get("if-none-match", "").split(",")}
    if etag in wanted or "*" in wanted:
        return Response(status_code=304, headers=headers)
    return Response(body if request.method == "GET" else b"", media_type="text/calendar; charset=utf-8", headers=headers)
