"""What SendGrid posts: the signed Event Webhook, and Inbound Parse (replies from mail clients).

**Event Webhook** (``messaging.sendgrid.event_webhook.path``, ``/sendgrid/events`` by default), the
same rules as the former stand-alone receiver:

- no ``Content-Length`` (or a chunked body) → 411; a body above ``max_body_bytes`` → 413 (not read);
- a body that is not UTF-8 → 400;
- signature headers missing → 401; a signature that does not match → 403 (SendGrid retries non-2xx
  answers for 24 hours, so a key mix-up loses nothing if fixed within the day); a signed timestamp
  more than ``max_age_seconds`` (10 minutes) away from now → 403 (a replayed batch, counted "stale");
- a signed body that is not a JSON array → 400;
- otherwise the body and the two signature headers are written as one signed envelope into the spool
  folder (atomically) and the answer is 200 ``{"spooled": n}``. The ``ingest_email_events`` flow (or
  ``clauses events``) stores and applies the spooled batches; the signature is verified again there.
- no verification key configured → 503 (nothing can be trusted; SendGrid retries).

**Inbound Parse** (``/inbound/parse/{secret}``; SendGrid's "POST the raw, full MIME message"
option): unsigned, so the path carries a secret (``CLAUSES_INBOUND_PARSE_SECRET``) and the request
must give HTTP basic auth (user ``web.inbound_parse.user``, password ``CLAUSES_INBOUND_PARSE_PASSWORD``).
Unconfigured, wrong secret → 404; wrong credentials → 401; above ``max_body_bytes`` → 413; no raw
``email`` field → 400. The raw MIME (``calendar_replies.parse_inbound_form``) and what SendGrid
found of the sender (``SPF``, ``dkim``: ``calendar_replies.inbound_authentication``) go to
``calendar_replies.take_in_raw_email`` (origin ``inbound_parse``); the transaction is committed
before the 200, so a database failure answers 5xx and SendGrid retries (for 3 days).

Nothing here logs a body, a header value or an address: only statuses and sizes.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
import os
from email.parser import BytesParser
from email.policy import HTTP

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from clauses.inbound.calendar_replies import (
    InboundFormError,
    ReplyOutcome,
    inbound_authentication,
    parse_inbound_form,
    take_in_raw_email,
)
from clauses.inbound.email_events import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureError,
    StaleSignatureError,
    make_envelope,
    verify_signature,
    write_envelope,
)

log = logging.getLogger(__name__)


def _json(status: int, payload: dict, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(payload, status_code=status, headers=headers)


async def _read_body(request: Request, limit: int, *, length_required: bool) -> bytes | JSONResponse:
    length = request.headers.get("content-length")
    if length_required and (request.headers.get("transfer-encoding") or length is None):
        return _json(411, {"error": "Content-Length required"})
    if length is not None:
        if not length.isdigit():
            return _json(400, {"error": "bad Content-Length"})
        if int(length) > limit:
            return _json(413, {"error": f"body above {limit} bytes"})
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return _json(413, {"error": f"body above {limit} bytes"})
    if length is not None and len(body) != int(length):
        return _json(400, {"error": "body shorter than Content-Length"})
    return bytes(body)


def event_webhook_router(path: str) -> APIRouter:
    router = APIRouter()

    @router.post(path)
    async def sendgrid_events(request: Request):
        state = request.app.state
        raw = await _read_body(request, state.webhook_max_body, length_required=True)
        if isinstance(raw, JSONResponse):
            return raw
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            return _json(400, {"error": "body is not UTF-8"})
        signature, timestamp = request.headers.get(SIGNATURE_HEADER), request.headers.get(TIMESTAMP_HEADER)
        if not signature or not timestamp:
            state.count("unsigned")
            return _json(401, {"error": "signature headers required"})
        key = state.webhook_key()
        if key is None:
            return _json(503, {"error": "no verification key configured"})
        try:
            verify_signature(body, signature, timestamp, key, max_age_seconds=state.webhook_max_age)
        except StaleSignatureError:
            state.count("stale")
            return _json(403, {"error": "timestamp outside the accepted window"})
        except SignatureError:
            state.count("forged")
            return _json(403, {"error": "signature does not match"})
        try:
            events = json.loads(body)
        except json.JSONDecodeError:
            events = None
        if not isinstance(events, list):
            return _json(400, {"error": "body is not a JSON array"})
        await run_in_threadpool(write_envelope, state.spool, make_envelope(body, signature, timestamp))
        state.count("spooled")
        log.info("event webhook: batch of %d events spooled (%d bytes)", len(events), len(raw))
        return _json(200, {"spooled": len(events)})

    @router.api_route(path, methods=["GET", "PUT", "DELETE", "PATCH"])
    async def not_allowed():
        return _json(405, {"error": "POST only"}, {"Allow": "POST"})

    return router


# --------------------------------------------------------------------------------------------------
# Inbound Parse


def _basic_auth_ok(header: str | None, user: str, password: str) -> bool:
    if not header or not header.lower().startswith("basic "):
        return False
    try:
        given_user, _, given_password = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return False
    return hmac.compare_digest(given_user.encode(), user.encode()) & hmac.compare_digest(given_password.encode(), password.encode())


def form_fields(body: bytes, content_type: str) -> dict[str, bytes] | None:
    """The fields of SendGrid's multipart form (``email``, ``SPF``, ``dkim``, ``charsets``…), as
    bytes; None when the body is not ``multipart/form-data``."""
    if not content_type.startswith("multipart/form-data"):
        return None
    form = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    if not form.is_multipart():
        return None
    fields: dict[str, bytes] = {}
    for part in form.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name and name not in fields:
            fields[name] = part.get_payload(decode=True) or b""
    return fields


def _take_in(state, fields: dict[str, bytes]) -> ReplyOutcome:
    raw = parse_inbound_form(fields, max_bytes=state.inbound_parse_max_body)
    with state.database.transaction() as session:  # committed before the 2xx
        outcome = take_in_raw_email(session, raw, origin="inbound_parse",
                                    authenticated=inbound_authentication(fields),
                                    hold=state.offer_hold, transport=state.transport_name)
    log.info("inbound parse: one message, %s (%d bytes)", outcome.outcome, len(raw))
    return outcome


def inbound_parse_router() -> APIRouter:
    router = APIRouter()

    @router.post("/inbound/parse/{secret}")
    async def inbound_parse(request: Request, secret: str, background: BackgroundTasks):
        state = request.app.state
        settings_ = state.config.messaging.web.inbound_parse
        expected, password = os.environ.get(settings_.secret_env), os.environ.get(settings_.password_env)
        if not expected or not password or not hmac.compare_digest(secret.encode(), expected.encode()):
            return _json(404, {"error": "not found"})
        if not _basic_auth_ok(request.headers.get("authorization"), settings_.user, password):
            return _json(401, {"error": "authentication required"}, {"WWW-Authenticate": 'Basic realm="clauses"'})
        body = await _read_body(request, state.inbound_parse_max_body, length_required=False)
        if isinstance(body, JSONResponse):
            return body
        fields = form_fields(body, request.headers.get("content-type", ""))
        if fields is None:
            return _json(400, {"error": "no 'email' field with the raw message"})
        try:
            outcome = await run_in_threadpool(_take_in, state, fields)
        except InboundFormError as exc:  # no raw 'email' field, or one above the limit
            return _json(413 if "above" in str(exc) else 400, {"error": str(exc)})
        if outcome.offers and outcome.event_id is not None:
            background.add_task(state.send_offers, outcome.event_id)  # a decline freed a place
        return _json(200, {"status": "duplicate" if outcome.duplicate else "taken"})

    return router
