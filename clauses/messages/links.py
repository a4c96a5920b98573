"""The links of a message: an opaque random token per message (never a name, an email or a
database id), stored only as its SHA-256, and the URLs of the web service built on it.

    {public_url}/r/{token}/oui            "Je viens" (invitation, update, reminder, waitlist offer)
    {public_url}/r/{token}/non            "Je ne peux pas venir" / cancel a registration
    {public_url}/desinscription/{token}   unsubscribe (List-Unsubscribe, RFC 8058 one-click POST)

``public_url`` comes from ``config/messaging.yaml`` (``web.public_url``), overridden by the
environment variable ``CLAUSES_PUBLIC_URL``.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import insert
from sqlalchemy.orm import Session

from clauses.storage.answers import MessageToken
from clauses.storage.base import utcnow

PUBLIC_URL_ENV = "CLAUSES_PUBLIC_URL"
TOKEN_BYTES = 18  # 144 bits of randomness, 24 URL-safe characters
# Kinds whose emails carry "Je viens" / "Je ne peux pas venir" links.
ANSWER_KINDS = frozenset({"invitation", "update", "reminder", "waitlist_offer"})


def public_url(config) -> str:
    return (os.environ.get(PUBLIC_URL_ENV) or config.messaging.web.public_url).rstrip("/")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Links:
    yes_url: str
    no_url: str
    unsubscribe_url: str


def links_for(base: str, token: str) -> Links:
    return Links(yes_url=f"{base}/r/{token}/oui", no_url=f"{base}/r/{token}/non",
                 unsubscribe_url=f"{base}/desinscription/{token}")


def mint(session: Session, message_ids: Iterable[int]) -> dict[int, str]:
    """A new token for each message (one multi-row INSERT); returns message id → token. Only the
    hashes are stored: the tokens exist in the emails alone."""
    tokens = {message_id: new_token() for message_id in dict.fromkeys(message_ids)}
    if tokens:
        now = utcnow()
        session.execute(insert(MessageToken.__table__),
                        [{"token_hash": token_hash(t), "message_id": m, "created_at": now} for m, t in tokens.items()])
    return tokens
