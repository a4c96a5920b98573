"""Who the emails come from, and how they leave (file outbox by default, SendGrid when configured)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from clauses.config.base import StrictModel


class Sender(StrictModel):
    from_email: str
    from_name: str
    # The facilitators' mailbox: calendar ORGANIZER and Reply-To (RSVP replies go there).
    organizer_email: str
    organizer_name: str
    contact_phone: str
    postal_address: str
    # Obsolete: unsubscribe links now point at the web service (``web.public_url``); ignored.
    unsubscribe_url: str | None = None


class EventWebhookSettings(StrictModel):
    """SendGrid's signed Event Webhook (bounces, unsubscribes…) and the small receiver that spools it.

    ``public_key`` is the verification key shown in SendGrid (Mail Settings → Event Webhook →
    Signature Verification), base64 DER as SendGrid shows it or PEM. The environment variable named
    by ``public_key_env`` overrides it. Without a key, no event is accepted.
    """

    public_key: str | None = None
    public_key_env: str = "SENDGRID_WEBHOOK_PUBLIC_KEY"
    # The receiver listens on loopback by default: put a TLS reverse proxy in front of it.
    bind_host: str = "127.0.0.1"
    port: int = Field(default=8025, gt=0, lt=65536)
    path: str = "/sendgrid/events"
    # SendGrid batches events; a batch is far below this (project default: 5 MB).
    max_body_bytes: int = Field(default=5_000_000, gt=0)
    # A signed batch whose timestamp is further than this from the time it is received (past or
    # future) is refused: a captured batch cannot be replayed later (10 minutes by default).
    max_age_seconds: int = Field(default=600, gt=0)


class SendGridSettings(StrictModel):
    host: str = "https://api.sendgrid.com"
    # Name of the Prefect Secret block holding the API key; the environment variable is the fallback.
    api_key_block: str = "sendgrid-api-key"
    api_key_env: str = "SENDGRID_API_KEY"
    unsubscribe_group_id: int | None = None
    categories: list[str] = Field(default_factory=lambda: ["clauses-insertion"], max_length=10)
    sandbox_mode: bool = False
    timeout_seconds: float = Field(default=20.0, gt=0)
    max_attempts: int = Field(default=5, gt=0)
    event_webhook: EventWebhookSettings = EventWebhookSettings()


class InboundParseSettings(StrictModel):
    """SendGrid's Inbound Parse webhook (raw MIME of replies; unsigned): a secret path segment and
    HTTP basic auth, both from the environment. Without them the endpoint answers 404."""

    secret_env: str = "CLAUSES_INBOUND_PARSE_SECRET"
    user: str = "sendgrid"
    password_env: str = "CLAUSES_INBOUND_PARSE_PASSWORD"
    max_body_bytes: int = Field(default=20_000_000, gt=0)


class WebSettings(StrictModel):
    """The web service (``clauses web``): answer pages, unsubscribe, partners' calendar feeds,
    SendGrid's webhooks. ``public_url`` is the address candidates' links use (the TLS reverse
    proxy's); the environment variable ``CLAUSES_PUBLIC_URL`` overrides it."""

    public_url: str = "https://clauses.example.org"
    bind_host: str = "127.0.0.1"
    port: int = Field(default=8030, gt=0, lt=65536)
    # A form post (answer, unsubscribe) is a few hundred bytes.
    max_form_bytes: int = Field(default=4096, gt=0)
    inbound_parse: InboundParseSettings = InboundParseSettings()


class Messaging(StrictModel):
    sender: Sender
    web: WebSettings = WebSettings()
    transport: Literal["file", "sendgrid"] = "file"
    sendgrid: SendGridSettings = SendGridSettings()
