"""A small HTTP receiver for SendGrid's Event Webhook: verify, spool, answer. Nothing else.

``clauses events serve`` runs it. It listens on loopback by default (put a TLS reverse proxy in
front of it for SendGrid to reach it) and accepts only ``POST`` on the configured path:

- no ``Content-Length`` → 411; a body above ``max_body_bytes`` → 413 (not read);
- a body that is not UTF-8 → 400;
- signature headers missing → 401; a signature that does not match → 403 (SendGrid retries non-2xx
  answers for 24 hours, so a key mix-up loses nothing if fixed within the day); a signed timestamp
  more than ``max_age_seconds`` (10 minutes) away from now → 403 (a replayed batch);
- a signed body that is not a JSON array → 400;
- otherwise the body and the two signature headers are written as one signed envelope into the spool
  folder (atomically) and the answer is 200. The ``ingest_email_events`` flow (or ``clauses events``)
  stores and applies the spooled batches; the signature is verified again there.

The timestamp's age is checked (``email_events.verify_signature``): a batch captured once and posted
again later is refused, even when its events were never stored (a 2020 batch opted a candidate out).

The receiver never logs a body, a header value or an address: only the status and the size.
"""

from __future__ import annotations

import json
import logging
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec

from clauses.inbound.email_events import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    DEFAULT_MAX_AGE_SECONDS,
    SignatureError,
    StaleSignatureError,
    make_envelope,
    verify_signature,
    write_envelope,
)

log = logging.getLogger(__name__)


class _Handler(BaseHTTPRequestHandler):
    server: "WebhookServer"
    protocol_version = "HTTP/1.1"
    timeout = 30  # seconds a client may take to send its request

    def _answer(self, status: int, payload: dict | None = None, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(payload or {"status": status}).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if status >= 400:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        receiver = self.server
        if self.path.split("?", 1)[0] != receiver.path:
            return self._answer(HTTPStatus.NOT_FOUND, {"error": "not found"})
        if self.headers.get("Transfer-Encoding") or self.headers.get("Content-Length") is None:
            return self._answer(HTTPStatus.LENGTH_REQUIRED, {"error": "Content-Length required"})
        try:
            length = int(self.headers["Content-Length"])
        except ValueError:
            return self._answer(HTTPStatus.BAD_REQUEST, {"error": "bad Content-Length"})
        if length < 0 or length > receiver.max_body_bytes:
            return self._answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": f"body above {receiver.max_body_bytes} bytes"})
        raw = self.rfile.read(length)
        if len(raw) != length:
            return self._answer(HTTPStatus.BAD_REQUEST, {"error": "body shorter than Content-Length"})
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            return self._answer(HTTPStatus.BAD_REQUEST, {"error": "body is not UTF-8"})
        signature, timestamp = self.headers.get(SIGNATURE_HEADER), self.headers.get(TIMESTAMP_HEADER)
        if not signature or not timestamp:
            receiver.count("unsigned")
            return self._answer(HTTPStatus.UNAUTHORIZED, {"error": "signature headers required"})
        try:
            verify_signature(body, signature, timestamp, receiver.public_key, max_age_seconds=receiver.max_age_seconds)
        except StaleSignatureError:
            receiver.count("stale")
            return self._answer(HTTPStatus.FORBIDDEN, {"error": "timestamp outside the accepted window"})
        except SignatureError:
            receiver.count("forged")
            return self._answer(HTTPStatus.FORBIDDEN, {"error": "signature does not match"})
        try:
            events = json.loads(body)
        except json.JSONDecodeError:
            events = None
        if not isinstance(events, list):
            return self._answer(HTTPStatus.BAD_REQUEST, {"error": "body is not a JSON array"})
        write_envelope(receiver.spool, make_envelope(body, signature, timestamp))
        receiver.count("spooled")
        return self._answer(HTTPStatus.OK, {"spooled": len(events)})

    def _not_allowed(self) -> None:
        self._answer(HTTPStatus.METHOD_NOT_ALLOWED, {"error": "POST only"}, {"Allow": "POST"})

    do_GET = do_PUT = do_DELETE = do_PATCH = do_HEAD = _not_allowed  # noqa: N815

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        log.debug("webhook receiver: " + format, *args)

    def log_request(self, code="-", size="-") -> None:
        log.info("webhook receiver: %s %s", self.command, code)


class WebhookServer(ThreadingHTTPServer):
    """``ThreadingHTTPServer`` with the receiver's settings; ``start()`` runs it in a thread."""

    daemon_threads = True

    def __init__(self, public_key: ec.EllipticCurvePublicKey, spool: Path, *, host: str = "127.0.0.1",
                 port: int = 0, path: str = "/sendgrid/events", max_body_bytes: int = 5_000_000,
                 max_age_seconds: float = DEFAULT_MAX_AGE_SECONDS) -> None:
        self.public_key = public_key
        self.max_age_seconds = max_age_seconds
        self.spool = Path(spool)
        self.path = path
        self.max_body_bytes = max_body_bytes
        self.counts: dict[str, int] = {"spooled": 0, "unsigned": 0, "forged": 0, "stale": 0}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        super().__init__((host, port), _Handler)

    def count(self, key: str) -> None:
        with self._lock:
            self.counts[key] += 1

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}{self.path}"

    def start(self) -> "WebhookServer":
        self._thread = threading.Thread(target=self.serve_forever, name="webhook-receiver", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
