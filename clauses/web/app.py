"""The web service: one FastAPI application for everything that comes in over HTTP.

    GET/POST /r/{token}/oui|non          candidates' answers (clauses.web.answers)
    GET/POST /desinscription/{token}     unsubscribe, RFC 8058 one-click POST included
    GET/POST /entreprise/{token}/oui|non employers' answers to a recruitment event (clauses.web.employers)
    GET/POST /entreprise/desinscription/{token}  an employer's unsubscribe
    GET      /calendrier/{token}.ics     partners' calendar feeds (clauses.web.feeds)
    POST     /sendgrid/events            SendGrid's signed Event Webhook (clauses.web.webhooks)
    POST     /inbound/parse/{secret}     SendGrid Inbound Parse (replies, iTIP REPLY)
    GET      /sante                      health check (no database access)

Run by ``clauses web`` (and ``clauses serve``, ``clauses events serve``) with uvicorn, on loopback
by default, behind a TLS reverse proxy. Links are built on ``links.public_url(config)``.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from clauses.config import Config, load_config
from clauses.errors import ClausesError
from clauses.messages import links
from clauses.messages.compose import contact_of
from clauses.storage.database import Database
from clauses.web import answers, employers, feeds, webhooks
from clauses.web.pages import notice

log = logging.getLogger(__name__)

OFFER_KINDS = ("waitlist_offer", "offer_expired")


class _Counts:
    def __init__(self) -> None:
        self.values = {"spooled": 0, "unsigned": 0, "forged": 0, "stale": 0}
        self._lock = threading.Lock()

    def __call__(self, key: str) -> None:
        with self._lock:
            self.values[key] += 1


def create_app(
    config: Config | None = None,
    database: Database | None = None,
    *,
    transport=None,
    send_offers: bool = True,
    webhook_key=None,
) -> FastAPI:
    """The application. ``database`` defaults to ``CLAUSES_DATABASE_URL`` (migrated on start);
    ``transport`` (default: the configured one) sends waiting-list offers as soon as a place frees
    up, unless ``send_offers`` is False (the follow-ups job then sends them)."""
    from clauses.inbound.email_events import resolve_public_key, spool_dir

    config = config or load_config()
    app = FastAPI(title="clauses", docs_url=None, redoc_url=None, openapi_url=None)
    state = app.state
    state.config = config
    state.database = database or Database()
    state.public_url = links.public_url(config)
    state.contact = contact_of(config)
    state.max_form_bytes = config.messaging.web.max_form_bytes
    state.offer_hold = dt.timedelta(hours=config.outreach.waitlist_offer_hours)
    state.transport_name = transport.name if transport is not None else config.messaging.transport
    hook = config.messaging.sendgrid.event_webhook
    state.webhook_max_body = hook.max_body_bytes
    state.webhook_max_age = hook.max_age_seconds
    state.inbound_parse_max_body = config.messaging.web.inbound_parse.max_body_bytes
    state.spool = spool_dir()
    state.counts = _Counts()
    state.count = state.counts

    resolved: dict[str, object] = {}

    def key():
        if webhook_key is not None:
            return webhook_key
        if "key" not in resolved:
            try:
                resolved["key"] = resolve_public_key(hook)
            except ClausesError:
                log.warning("event webhook: no verification key configured; batches are refused (503)")
                resolved["key"] = None
        return resolved["key"]

    state.webhook_key = key
    state.send_offers = _offer_sender(state, transport) if send_offers else (lambda event_id: None)

    app.include_router(answers.router)
    app.include_router(employers.router)
    app.include_router(feeds.router)
    app.include_router(webhooks.event_webhook_router(hook.path))
    app.include_router(webhooks.inbound_parse_router())

    @app.get("/sante")
    def health():
        return {"ok": True}

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if request.url.path.startswith(("/sendgrid", "/inbound")):
            return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code)
        if exc.status_code == 405:
            return notice(request, "Action impossible", "Cette adresse ne s’utilise pas ainsi.", status_code=405)
        return notice(request, "Page introuvable", "Cette page n’existe pas.", status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> HTMLResponse:
        log.exception("web: unexpected error on %s %s", request.method, request.url.path.split("/")[1])
        return notice(request, "Erreur", "Une erreur est survenue de notre côté : votre réponse n’a peut-être pas été "
                      "enregistrée. Réessayez dans quelques minutes ou contactez-nous.", status_code=500)

    return app


def _offer_sender(state, transport) -> Callable[[int], None]:
    """Send the pending waiting-list messages of an event now (the ledger keeps them exactly once,
    whoever sends them: this, another request, or the follow-ups job)."""

    def send(event_id: int) -> None:
        from sqlalchemy import select

        from clauses.messages.dispatch import send_messages
        from clauses.messages.transports import make_transport
        from clauses.storage.outreach import Message

        nonlocal transport
        try:
            if transport is None:
                transport = make_transport(state.config)
            with state.database.transaction() as session:
                ids = list(session.scalars(select(Message.id).where(
                    Message.event_id == event_id, Message.kind.in_(OFFER_KINDS), Message.state == "pending")))
            send_messages(state.database, state.config, transport, ids, raise_on_stop=False)
        except Exception:  # noqa: BLE001 - the follow-ups job sends whatever is left
            log.exception("web: waiting-list messages of an event not sent now; the follow-ups job will")

    return send
