"""SendGrid v3 ``/v3/mail/send``, one request per message (the ledger's unit: a message is accepted
or not, never half a batch).

- The API key comes from the environment variable (``messaging.sendgrid.api_key_env``) or, failing
  that, from the Prefect Secret block ``messaging.sendgrid.api_key_block``. It is never logged, never
  put in an error message.
- Every request has a timeout. 429 (waiting until ``X-RateLimit-Reset``), 5xx and requests that
  never left (refused connection, connect timeout: urllib raises ``URLError`` while sending) are
  retried with exponential backoff up to ``max_attempts``; then ``SendGridUnavailable`` stops the run
  (the message goes back to pending for the next run: SendGrid certainly did not take it).
- A request that was sent but got no answer (read timeout, connection cut while waiting) may have
  been accepted: ``SendGridOutcomeUnknown`` at once, never retried. The ledger keeps the message
  "sending" until SendGrid's ``processed`` event or a coordinator settles it.
- 400, 401, 403 (and other 4xx) stop at once with ``SendGridRejected`` quoting SendGrid's error
  messages. A 400 is the message's own fault: the ledger marks it failed.
- Payload: text/plain, text/html and (invitation, update, cancellation) ``text/calendar;
  method=…`` contents, the .ics as a base64 attachment, categories, the unsubscribe group,
  ``custom_args = {"clauses_message_id": public_id}`` and nothing else, optional sandbox mode;
  ``List-Unsubscribe`` / ``List-Unsubscribe-Post`` headers (RFC 8058) and click tracking off (links
  carry the message's token, which must not travel through SendGrid's redirect).

Note on timeouts: SendGrid has no idempotency key, so a *read* timeout after the request was sent is
never retried: a retry could deliver the message twice (a fault-injection run with 5 % slow answers
delivered 29 of 465 invitations twice when it was).
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
import os
import socket
import time
import urllib.error
from collections.abc import Callable

from python_http_client.exceptions import HTTPError
from sendgrid import SendGridAPIClient

from clauses.messages.mime import ONE_CLICK, Outgoing, list_unsubscribe
from clauses.messages.render import one_line
from clauses.messages.transports import TransportError

log = logging.getLogger(__name__)

CUSTOM_ARG = "clauses_message_id"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class SendGridRejected(TransportError):
    def __init__(self, status: int, messages: list[str]) -> None:
        self.status = status
        self.messages = messages
        self.message_rejected = status == 400 or status == 413
        hint = {
            400: "the request was refused as malformed: fix the message or the configuration",
            401: "the API key is missing or invalid: check the Secret block / environment variable",
            403: "the API key lacks the 'Mail Send' permission or the sender is not verified",
        }.get(status, "SendGrid refused the request")
        detail = "; ".join(messages) if messages else "no error message"
        super().__init__(f"SendGrid answered {status}: {detail} ({hint})")


class SendGridUnavailable(TransportError):
    pass


class SendGridOutcomeUnknown(TransportError):
    """The request was sent and no answer came: SendGrid may have accepted the message."""

    outcome_unknown = True


def resolve_api_key(settings) -> str:
    """The key from the environment, or else from the Prefect Secret block. Raises if neither."""
    key = os.environ.get(settings.api_key_env)
    if key:
        return key
    try:
        from prefect.blocks.system import Secret

        return Secret.load(settings.api_key_block).get()
    except Exception as exc:  # noqa: BLE001 - any failure means: no key available
        raise TransportError(
            f"no SendGrid API key: set the environment variable {settings.api_key_env} or create the "
            f"Prefect Secret block {settings.api_key_block!r} ({type(exc).__name__})"
        ) from None


def _error_messages(body: bytes | str | None) -> list[str]:
    if not body:
        return []
    try:
        data = json.loads(body)
        return [one_line(e.get("message", "")) for e in data.get("errors", []) if isinstance(e, dict)]
    except (ValueError, AttributeError):
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
        return [one_line(text)[:300]]


def build_payload(
    message: Outgoing,
    *,
    categories: list[str] | tuple[str, ...] = (),
    unsubscribe_group_id: int | None = None,
    sandbox_mode: bool = False,
) -> dict:
    content = [
        {"type": "text/plain", "value": message.text},
        {"type": "text/html", "value": message.html},
    ]
    payload: dict = {
        "personalizations": [
            {
                "to": [{"email": message.to_email, "name": one_line(message.to_name)}],
                "custom_args": {CUSTOM_ARG: message.public_id},
            }
        ],
        "from": {"email": message.from_email, "name": one_line(message.from_name)},
        "reply_to": {"email": message.reply_to_email, "name": one_line(message.reply_to_name)},
        "subject": one_line(message.subject),
        "content": content,
        "headers": {"List-Unsubscribe": list_unsubscribe(message.unsubscribe_url), "List-Unsubscribe-Post": ONE_CLICK},
        # Answer and unsubscribe links carry the message's token: never through SendGrid's redirect.
        "tracking_settings": {"click_tracking": {"enable": False, "enable_text": False}},
        "categories": list(dict.fromkeys([*categories, *message.categories]))[:10],
    }
    if message.ics is not None:
        method = message.ics_method or "REQUEST"
        content.append({"type": f"text/calendar; method={method}", "value": message.ics.decode("utf-8")})
        payload["attachments"] = [
            {
                "content": base64.b64encode(message.ics).decode("ascii"),
                "type": "application/ics",
                "filename": message.ics_filename,
                "disposition": "attachment",
            }
        ]
    if unsubscribe_group_id is not None:
        payload["asm"] = {"group_id": unsubscribe_group_id}
    if sandbox_mode:
        payload["mail_settings"] = {"sandbox_mode": {"enable": True}}
    return payload


class SendGridTransport:
    name = "sendgrid"

    def __init__(
        self,
        api_key: str,
        *,
        host: str = "https://api.sendgrid.com",
        timeout: float = 20.0,
        max_attempts: int = 5,
        categories: list[str] | tuple[str, ...] = (),
        unsubscribe_group_id: int | None = None,
        sandbox_mode: bool = False,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = SendGridAPIClient(api_key=api_key, host=host.rstrip("/"))
        self.client.client.timeout = timeout
        self.max_attempts = max_attempts
        self.categories = tuple(categories)
        self.unsubscribe_group_id = unsubscribe_group_id
        self.sandbox_mode = sandbox_mode
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.sleep = sleep
        self.retries = 0  # how many retries this transport made (for reports)

    @classmethod
    def from_settings(cls, messaging, *, api_key: str | None = None, **overrides) -> "SendGridTransport":
        sg = messaging.sendgrid
        options = dict(
            host=sg.host,
            timeout=sg.timeout_seconds,
            max_attempts=sg.max_attempts,
            categories=sg.categories,
            unsubscribe_group_id=sg.unsubscribe_group_id,
            sandbox_mode=sg.sandbox_mode,
        )
        options.update(overrides)
        return cls(api_key or resolve_api_key(sg), **options)

    def __repr__(self) -> str:  # never show the key
        return f"SendGridTransport(host={self.client.host!r})"

    def payload(self, message: Outgoing) -> dict:
        return build_payload(
            message,
            categories=self.categories,
            unsubscribe_group_id=self.unsubscribe_group_id,
            sandbox_mode=self.sandbox_mode,
        )

    def send(self, message: Outgoing) -> str | None:
        return self.post(self.payload(message))

    def delivered(self, public_id: str) -> bool | None:
        return None

    def _backoff(self, attempt: int) -> float:
        return min(self.backoff_max, self.backoff_base * (2 ** (attempt - 1)))

    def post(self, payload: dict) -> str | None:
        """POST one payload; returns SendGrid's ``X-Message-Id``."""
        last_problem = ""
        for attempt in range(1, self.max_attempts + 1):
            try:
                response = self.client.client.mail.send.post(request_body=payload)
                headers = response.headers
                return headers.get("X-Message-Id") if headers is not None else None
            except HTTPError as exc:
                status = int(exc.status_code)
                if status not in RETRY_STATUSES:
                    raise SendGridRejected(status, _error_messages(exc.body)) from None
                last_problem = f"HTTP {status}"
                wait = self._backoff(attempt)
                if status == 429:
                    wait = self._rate_limit_wait(exc.headers, wait)
            except urllib.error.URLError as exc:
                # Raised by urllib while connecting or sending: the request never reached SendGrid whole.
                reason = exc.reason
                last_problem = reason if isinstance(reason, str) else type(reason).__name__
                wait = self._backoff(attempt)
            except (socket.timeout, TimeoutError, ConnectionError, http.client.HTTPException) as exc:
                # Raised while waiting for the answer: the request was sent and may have been taken.
                raise SendGridOutcomeUnknown(
                    f"SendGrid did not answer ({type(exc).__name__}) after the request was sent; the message "
                    "stays 'sending' until SendGrid's processed event or a coordinator settles it"
                ) from None
            if attempt < self.max_attempts:
                log.warning("SendGrid: %s, retry %d/%d in %.1f s", last_problem, attempt, self.max_attempts - 1, wait)
                self.retries += 1
                self.sleep(wait)
        raise SendGridUnavailable(
            f"SendGrid unreachable after {self.max_attempts} attempts (last: {last_problem}); "
            "the message stays pending: re-run later"
        )

    def _rate_limit_wait(self, headers, default: float) -> float:
        reset = headers.get("X-RateLimit-Reset") if headers is not None else None
        try:
            wait = float(reset) - time.time()
        except (TypeError, ValueError):
            return default
        return min(self.backoff_max, max(0.0, wait))
