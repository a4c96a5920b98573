"""What SendGrid posts: the signed Event Webhook, and Inbound Parse (replies from mail clients).

**Event Webhook** (``messaging.sendgrid.event_webhook.path``, ``/sendgrid/events`` by default), the
same rules as the former stand-alone receiver:

- no ``Content-Length`` (or a chunked body) → 411; a body above ``max_body_bytes`` → 413 (not read);
- a body that is not UTF-8 → 400;
- signature headers missing → 401; a signature that does not match → 403 (SendGrid retries non-2xx
  answers for 24 hours, so a key mix-up loses nothing if fixed within the day);
- a signed body that is not a JSON array → 400;
- otherwise the body and the two signature headers are written as one signed envelope into the spool
  folder (atomically) and the answer is 200 ``{"spooled": n}``. The ``ingest_email_events`` flow (or
  ``clauses events``) stores and applies the spooled batches; the signature is verified again there.
- no verification key configured → 503 (nothing can be trusted; SendGrid retries).

**Inbound Parse** (``/inbound/parse/{secret}``; SendGrid's "POST the raw, full MIME message"
option): unsigned, so the path carries a secret (``CLAUSES_INBOUND_PARSE_SECRET``) and the request
must give HTTP basic auth (user ``web.inbound_parse.user``, password ``CLAUSES_INBOUND_PARSE_PASSWORD``).
Unconfigured, wrong secret → 404; wrong credentials → 401; above ``max_body_bytes`` → 413. The raw
MIME of the ``email`` field goes to ``clauses.inbound.calendar_replies.take_in_raw_email``.

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

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from clauses import settings
from clauses.inbound.email_events import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureError,
    make_envelope,
    verify_signature,
    write_envelope,
)
from clauses.storage.base import utcnow

log = logging.getLogger(__name__)
INBOUND_PARSE_FOLDER = "inbound-parse"


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
            verify_signature(body, signature, timestamp, key)
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


def raw_email_of(body: bytes, content_type: str) -> bytes | None:
    """The raw MIME message SendGrid posts in the ``email`` field of its multipart form."""
    if not content_type.startswith("multipart/form-data"):
        return None
    form = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    if not form.is_multipart():
        return None
    for part in form.iter_parts():
        if part.get_param("name", header="content-disposition") == "email":
            return part.get_payload(decode=True)
    return None


def _take_in(database, raw: bytes) -> str:
    try:
        from clauses.inbound.calendar_replies import take_in_raw_email
    except ImportError:
        # TODO(lead, at merge): ``clauses.inbound.calendar_replies`` comes from the `replies` branch.
        # Until it is there, replies are kept as .eml files in <data>/inbound-parse/ (never dropped),
        # which its drop folder can take in.
        folder = settings.output_dir(INBOUND_PARSE_FOLDER)
        path = folder / f"{utcnow().strftime('%Y%m%dT%H%M%S%f')}-{os.urandom(6).hex()}.eml"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(raw)
        os.replace(tmp, path)
        return "kept"
    with database.transaction() as session:
        take_in_raw_email(session, raw, origin="sendgrid_inbound_parse")
    return "taken"


def inbound_parse_router() -> APIRouter:
    router = APIRouter()

    @router.post("/inbound/parse/{secret}")
    async def inbound_parse(request: Request, secret: str):
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
        raw = raw_email_of(body, request.headers.get("content-type", ""))
        if not raw:
            return _json(400, {"error": "no 'email' field with the raw message"})
        outcome = await run_in_threadpool(_take_in, state.database, raw)
        log.info("inbound parse: one message %s (%d bytes)", outcome, len(raw))
        return _json(200, {"status": outcome})

    return router
