"""A loopback HTTP server that speaks SendGrid's v3 ``/v3/mail/send`` contract, for tests and the bench.

- 202 with ``X-Message-Id`` (empty body) by default; 200 in sandbox mode.
- Scripted answers, consumed in order: ``Reply(status, body, headers, delay)``; helpers for
  400/401/403 error bodies (``{"errors":[{"message","field","help"}]}``), 429 with
  ``X-RateLimit-Reset``/``-Limit``/``-Remaining``, 500, and slow answers.
- Checks the ``Authorization: Bearer …`` header (401 otherwise) and the JSON body (400 on bad JSON).
- Records every accepted body (``accepted``) once the whole body was read and the 202 decided.

Run standalone (for the kill test's child processes or by hand): ``python tests/sendgrid_server.py``
prints the port.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 202
    body: dict | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def error(status: int, message: str, field_name: str | None = None) -> Reply:
    return Reply(status, {"errors": [{"message": message, "field": field_name, "help": None}]})


def rate_limited(reset_in: float = 0.05) -> Reply:
    return Reply(
        429,
        {"errors": [{"message": "too many requests", "field": None, "help": None}]},
        {
            "X-RateLimit-Limit": "600",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + reset_in:.3f}",
        },
    )


class FakeSendGrid:
    def __init__(self) -> None:
        self.script: deque[Reply] = deque()
        self.accepted: list[dict] = []
        self.requests = 0
        self.in_flight = 0  # POSTs whose answer is not decided yet (slow answers)
        self.lock = threading.Lock()
        self.api_key = "SG.test"
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def _answer(self, status: int, body: dict | None, headers: dict[str, str]) -> None:
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                if data:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Connection", "close")
                self.close_connection = True
                try:
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (a slow answer): the request was still taken

            def do_POST(self) -> None:  # noqa: N802
                with owner.lock:
                    owner.in_flight += 1
                try:
                    self._post()
                finally:
                    with owner.lock:
                        owner.in_flight -= 1

            def _post(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if len(raw) < length:
                    return  # client went away mid-request: nothing accepted
                with owner.lock:
                    owner.requests += 1
                    reply = owner.script.popleft() if owner.script else None
                if reply and reply.delay:
                    time.sleep(reply.delay)
                if self.path.rstrip("/") != "/v3/mail/send":
                    return self._answer(404, {"errors": [{"message": "not found", "field": None, "help": None}]}, {})
                if self.headers.get("Authorization") != f"Bearer {owner.api_key}":
                    return self._answer(
                        401,
                        {"errors": [{"message": "The provided authorization grant is invalid, expired, or revoked", "field": None, "help": None}]},
                        {},
                    )
                try:
                    body = json.loads(raw)
                except ValueError:
                    return self._answer(400, {"errors": [{"message": "Bad Request", "field": None, "help": None}]}, {})
                if reply is not None and reply.status >= 300:
                    return self._answer(reply.status, reply.body, reply.headers)
                sandbox = body.get("mail_settings", {}).get("sandbox_mode", {}).get("enable")
                with owner.lock:
                    if not sandbox:
                        owner.accepted.append(body)
                self._answer(200 if sandbox else 202, None, {"X-Message-Id": uuid.uuid4().hex[:22]})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def host(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "FakeSendGrid":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def push(self, *replies: Reply) -> None:
        with self.lock:
            self.script.extend(replies)

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Wait until every request received so far has been answered (or its client has gone):
        the slow answers a client gave up on are decided, and counted in ``accepted``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if self.in_flight == 0:
                    return
            time.sleep(0.02)
        raise TimeoutError("the fake SendGrid server still has requests in flight")

    def accepted_count(self) -> int:
        with self.lock:
            return len(self.accepted)

    def accepted_ids(self) -> list[str]:
        with self.lock:
            return [b["personalizations"][0]["custom_args"]["clauses_message_id"] for b in self.accepted]

    def __enter__(self) -> "FakeSendGrid":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


if __name__ == "__main__":
    with FakeSendGrid() as fake:
        print(fake.port, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
