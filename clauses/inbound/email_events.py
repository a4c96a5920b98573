"""SendGrid Event Webhook: verify the signature, parse the events, store each once, apply its effect.

Signature
    SendGrid signs every POST with ECDSA P-256 over ``timestamp + raw body`` and sends the signature
    and the timestamp in the headers ``X-Twilio-Email-Event-Webhook-Signature`` and
    ``X-Twilio-Email-Event-Webhook-Timestamp``. Nothing unsigned, forged or altered is accepted: the
    verification needs the exact bytes SendGrid sent, so events travel as a *signed envelope*.

Signed envelope (the file format, one POST per file)
    A UTF-8 JSON object, written by the receiver (``clauses events serve``) into the spool folder
    ``<data dir>/webhook-spool/``::

        {"format": "clauses/sendgrid-event-webhook@1",
         "received_at": "2026-11-25T09:00:00+00:00",
         "headers": {"X-Twilio-Email-Event-Webhook-Signature": "MEUCIQ…",
                     "X-Twilio-Email-Event-Webhook-Timestamp": "1795597200"},
         "body": "[{\\"email\\": …, \\"event\\": \\"bounce\\", …}]"}

    ``body`` is the request body exactly as received, as a string. Header names are matched without
    regard to case. A bare JSON array of events is unsigned and rejected.

Age of a signed batch (replays)
    The signed timestamp must lie within ``event_webhook.max_age_seconds`` (10 minutes by default)
    of the moment the batch is received, in the past or the future: a batch captured once (a 2020
    one opted a candidate out) cannot be posted again later. ``verify_signature`` checks it against
    the current time by default, so every receiver gets the rule. A file (``clauses events FILE``,
    the spool) is a replay of a stored batch: its timestamp is checked against the envelope's
    ``received_at``, the time the receiver wrote it; an envelope without one is refused.

Matching an event to a candidate
    Each message carries an opaque id in SendGrid ``custom_args`` (``clauses_message_id``), echoed at
    the top level of every event: it gives the ledger's message, hence the candidate. Only when an
    event has no such id is the recipient address used, and only to find the candidate (every
    candidate with that address). The address is never stored, logged or put in a report.

Effects (``EFFECTS`` below)
    - ``bounce`` and ``dropped`` → the candidate's email is "bounced" (no more emails until a new
      address is imported). Two exceptions: a bounce of type ``blocked`` (SendGrid: the receiving
      server refused this message, the address exists) is only stored; a drop whose reason is
      "Unsubscribed Address" or "Spam Reporting Address" opts the candidate out instead. When the
      candidate's address has changed since the message was sent, the bounce concerns the old
      address and changes nothing ("stale_address").
    - ``unsubscribe``, ``group_unsubscribe``, ``spamreport`` → opted out (``opted_out_at`` = the
      event's time, kept if already opted out).
    - ``group_resubscribe`` → opted back in, only when the opt-out came from a ``group_unsubscribe``
      (``opted_out_at`` equals one) and the candidate never unsubscribed globally nor reported spam:
      an opt-out recorded elsewhere (a partner, a coordinator) is never undone by SendGrid.
    - ``open`` and ``click`` → ``last_activity_at`` moves forward.
    - ``processed`` → the ledger's message is "sent" (``clauses.messages.ledger.reconcile_processed``).
    - ``delivered``, ``deferred`` and unknown types are stored only.
    Events of a batch are applied in time order. Anonymised candidates are never changed.

Deduplication
    On ``sg_event_id`` (unique in ``email_events``: a re-delivered batch or a re-ingested file stores
    and changes nothing), and on (message, type) for the types that happen once per message
    (``ONCE_PER_MESSAGE``). Opens, clicks, deferrals and the group (un)subscribe toggles may
    legitimately repeat and are deduplicated on ``sg_event_id`` only.

Stored details (``EmailEvent.details``): only non-personal fields (bounce type and classification,
SMTP status, the reason with any address replaced by ``[adresse]``, unsubscribe group, attempt,
SendGrid message id), how the event was matched, and the effect applied.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import logging
import os
import re
import shutil
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key, load_pem_public_key
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from clauses import settings
from clauses.config.messaging import EventWebhookSettings
from clauses.errors import ClausesError, Problem
from clauses.storage.base import utcnow
from clauses.storage.candidates import Candidate
from clauses.storage.outreach import EmailEvent, Message

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"
ENVELOPE_FORMAT = "clauses/sendgrid-event-webhook@1"
MESSAGE_ID_ARG = "clauses_message_id"
SPOOL_KIND = "webhook-spool"

OPT_OUT_TYPES = frozenset({"unsubscribe", "group_unsubscribe", "spamreport"})
GLOBAL_OPT_OUT_TYPES = frozenset({"unsubscribe", "spamreport"})
ONCE_PER_MESSAGE = frozenset({"processed", "dropped", "delivered", "bounce", "spamreport", "unsubscribe"})
ACTIVITY_TYPES = frozenset({"open", "click"})
# Drop reasons that mean "this person said no", not "this address is wrong".
OPT_OUT_DROP_REASONS = frozenset({"unsubscribed address", "spam reporting address"})

_CHUNK = 500
_ADDRESS = re.compile(r"[^\s<>()\[\]\"',;:@]+@[^\s<>()\[\]\"',;:@]+")


class SignatureError(ClausesError):
    """A payload is unsigned, or its signature does not match (forged or altered)."""


class StaleSignatureError(SignatureError):
    """A correctly signed payload whose timestamp is outside the accepted window (a replay)."""


#: Default of ``event_webhook.max_age_seconds``.
DEFAULT_MAX_AGE_SECONDS = 600


# --------------------------------------------------------------------------------------------------
# Public key and signature


def resolve_public_key(config: EventWebhookSettings, environ: Mapping[str, str] | None = None) -> ec.EllipticCurvePublicKey:
    """The verification key: the environment variable named in the configuration, else the
    configured value. Raises ``ClausesError`` when there is none or it is not a P-256 public key."""
    environ = os.environ if environ is None else environ
    value = environ.get(config.public_key_env) or config.public_key
    if not value:
        raise ClausesError(
            f"aucune clé publique pour le webhook SendGrid : définir {config.public_key_env} ou "
            "sendgrid.event_webhook.public_key dans config/messaging.yaml (SendGrid : Mail Settings → "
            "Event Webhook → Signature Verification)"
        )
    return load_public_key(value)


def load_public_key(value: str) -> ec.EllipticCurvePublicKey:
    """A key as SendGrid shows it (base64 DER, no PEM lines) or as PEM."""
    value = value.strip()
    try:
        if value.startswith("-----BEGIN"):
            key = load_pem_public_key(value.encode("ascii"))
        else:
            key = load_der_public_key(base64.b64decode("".join(value.split()), validate=True))
    except (ValueError, TypeError, binascii.Error, UnsupportedAlgorithm) as exc:
        raise ClausesError(f"la clé publique du webhook SendGrid est illisible ({exc})") from exc
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ClausesError("la clé publique du webhook SendGrid n'est pas une clé à courbe elliptique (ECDSA)")
    return key


def verify_signature(
    body: str,
    signature: str | None,
    timestamp: str | None,
    public_key: ec.EllipticCurvePublicKey,
    *,
    max_age_seconds: float | None = DEFAULT_MAX_AGE_SECONDS,
    now: dt.datetime | None = None,
) -> None:
    """Raise ``SignatureError`` unless ``signature`` signs ``timestamp + body`` (SendGrid's scheme,
    as ``sendgrid.helpers.eventwebhook.EventWebhook.verify_signature``, which lets malformed
    signatures raise instead of answering False), and ``StaleSignatureError`` when the signed
    timestamp is more than ``max_age_seconds`` away from ``now`` (the time of reception; default:
    the current time). Pass the configured ``event_webhook.max_age_seconds``; ``None`` skips the
    age check (only for tests of the signature itself)."""
    if not signature or not timestamp:
        raise SignatureError(f"non signé : les en-têtes {SIGNATURE_HEADER} et {TIMESTAMP_HEADER} sont obligatoires")
    try:
        decoded = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureError("la signature n'est pas du base64 valide") from exc
    try:
        public_key.verify(decoded, (timestamp + body).encode("utf-8"), ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError) as exc:
        raise SignatureError("la signature ne correspond pas au contenu et à l'horodatage (lot falsifié ou modifié)") from exc
    if max_age_seconds is not None:
        check_age(timestamp, max_age_seconds, now=now)


def check_age(timestamp: str, max_age_seconds: float, *, now: dt.datetime | None = None) -> None:
    """``StaleSignatureError`` unless the Unix ``timestamp`` is within ``max_age_seconds`` of ``now``."""
    try:
        signed_at = dt.datetime.fromtimestamp(int(timestamp.strip()), dt.timezone.utc)
    except (ValueError, OverflowError, OSError) as exc:
        raise SignatureError(f"l'en-tête {TIMESTAMP_HEADER} n'est pas une heure Unix en secondes") from exc
    now = now or utcnow()
    now = now if now.tzinfo else now.replace(tzinfo=dt.timezone.utc)
    age = (now - signed_at).total_seconds()
    if abs(age) > max_age_seconds:
        when = "avant" if age > 0 else "après"
        raise StaleSignatureError(
            f"lot signé le {signed_at:%d/%m/%Y à %H:%M:%S} UTC, {abs(age):.0f} s {when} sa réception : hors de la "
            f"fenêtre acceptée de {max_age_seconds:.0f} s (sendgrid.event_webhook.max_age_seconds) ; refusé comme rejeu"
        )


def header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if str(key).lower() == wanted:
            return value
    return None


# --------------------------------------------------------------------------------------------------
# Signed envelopes (the spool)


def spool_dir() -> Path:
    return settings.output_dir(SPOOL_KIND)


def make_envelope(body: str, signature: str | None, timestamp: str | None, received_at: dt.datetime | None = None) -> dict:
    return {
        "format": ENVELOPE_FORMAT,
        "received_at": (received_at or utcnow()).isoformat(),
        "headers": {SIGNATURE_HEADER: signature, TIMESTAMP_HEADER: timestamp},
        "body": body,
    }


def write_envelope(directory: Path, envelope: dict) -> Path:
    """Write atomically (temporary file, then rename): an ingestion never sees half a file."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
    path = directory / f"{stamp}-{uuid.uuid4().hex[:12]}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(envelope, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)
    return path


@dataclass
class Envelope:
    file: str
    body: str
    signature: str | None
    timestamp: str | None
    received_at: dt.datetime | None = None  # written by the receiver (not signed)


def read_envelope(path: Path) -> Envelope:
    """Read a signed envelope; raise ``SignatureError`` for anything that is not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SignatureError(f"enveloppe signée illisible ({exc.__class__.__name__})") from exc
    if isinstance(data, list):
        raise SignatureError("non signé : une simple liste d'événements, pas une enveloppe signée (voir clauses/inbound/email_events.py)")
    if not isinstance(data, dict) or not isinstance(data.get("body"), str) or not isinstance(data.get("headers"), dict):
        raise SignatureError("pas une enveloppe signée : un objet avec « headers » et un texte « body » est attendu")
    headers = data["headers"]
    received_at = None
    if isinstance(data.get("received_at"), str):
        try:
            received_at = dt.datetime.fromisoformat(data["received_at"])
        except ValueError:
            received_at = None
    return Envelope(path.name, data["body"], header(headers, SIGNATURE_HEADER), header(headers, TIMESTAMP_HEADER),
                    received_at)


# --------------------------------------------------------------------------------------------------
# Parsing


@dataclass
class WebhookEvent:
    """One event of a batch, reduced to what the project keeps (the address only for matching)."""

    position: int  # 1-based position in the batch, for problems
    sg_event_id: str
    type: str
    occurred_at: dt.datetime
    message_public_id: str | None
    details: dict[str, Any]
    email: str | None = field(default=None, repr=False)


def redact(text: str) -> str:
    return _ADDRESS.sub("[adresse]", text)


def _details(raw: Mapping[str, Any]) -> dict[str, Any]:
    kind = raw.get("event")
    out: dict[str, Any] = {}
    if kind == "bounce" and isinstance(raw.get("type"), str):
        out["bounce_type"] = raw["type"][:20]
    for key in ("bounce_classification", "status", "sg_message_id"):
        if isinstance(raw.get(key), str):
            out[key] = redact(raw[key])[:120]
    if isinstance(raw.get("reason"), str):
        out["reason"] = redact(raw["reason"])[:500]
    for key in ("asm_group_id", "attempt"):
        value = raw.get(key)
        if isinstance(value, (int, str)) and not isinstance(value, bool):
            out[key] = value
    return out


def parse_events(body: str, file: str) -> tuple[list[WebhookEvent], list[Problem]]:
    """Parse a webhook body (a JSON array of events). Every problem names the event's position
    (``record N``) and field; problems never quote the address."""
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        return [], [Problem(file, None, None, f"le contenu n'est pas du JSON ({exc.msg}, caractère {exc.pos})")]
    if not isinstance(data, list):
        return [], [Problem(file, None, None, "le contenu n'est pas une liste JSON d'événements")]
    events: list[WebhookEvent] = []
    problems: list[Problem] = []
    for position, raw in enumerate(data, start=1):
        where = f"event {position}"
        if not isinstance(raw, dict):
            problems.append(Problem(file, where, None, "pas un objet JSON"))
            continue
        sg_event_id = raw.get("sg_event_id")
        kind = raw.get("event")
        stamp = raw.get("timestamp")
        bad = False
        if not isinstance(sg_event_id, str) or not sg_event_id.strip() or len(sg_event_id) > 120:
            problems.append(Problem(file, where, "sg_event_id", "absent ou pas un texte d'au plus 120 caractères"))
            bad = True
        if not isinstance(kind, str) or not kind.strip() or len(kind) > 30:
            problems.append(Problem(file, where, "event", "absent ou pas un texte d'au plus 30 caractères"))
            bad = True
        occurred_at = None
        try:
            if isinstance(stamp, bool):
                raise TypeError
            occurred_at = dt.datetime.fromtimestamp(float(stamp), dt.timezone.utc).replace(microsecond=0)
        except (TypeError, ValueError, OverflowError, OSError):
            problems.append(Problem(file, where, "timestamp", "absent ou pas une heure Unix en secondes"))
            bad = True
        if bad:
            continue
        public_id = raw.get(MESSAGE_ID_ARG)
        email = raw.get("email")
        events.append(
            WebhookEvent(
                position=position,
                sg_event_id=sg_event_id.strip(),
                type=kind.strip(),
                occurred_at=occurred_at,
                message_public_id=str(public_id).strip() if public_id not in (None, "") else None,
                details=_details(raw),
                email=email.strip().lower() if isinstance(email, str) and email.strip() else None,
            )
        )
    return events, problems


# --------------------------------------------------------------------------------------------------
# Applying


@dataclass
class ApplyCounts:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    types: Counter = field(default_factory=Counter)
    effects: Counter = field(default_factory=Counter)
    messages_reconciled: int = 0

    def add(self, other: "ApplyCounts") -> None:
        self.received += other.received
        self.stored += other.stored
        self.duplicates += other.duplicates
        self.types.update(other.types)
        self.effects.update(other.effects)
        self.messages_reconciled += other.messages_reconciled

    def as_dict(self) -> dict:
        return {
            "received": self.received,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "types": dict(sorted(self.types.items())),
            "effects": dict(sorted(self.effects.items())),
            "messages_reconciled": self.messages_reconciled,
        }


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes: they are UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


def _chunks(values: Sequence, size: int = _CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _existing_event_ids(session: Session, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(ids):
        found.update(session.scalars(select(EmailEvent.provider_event_id).where(EmailEvent.provider_event_id.in_(chunk))))
    return found


def _messages(session: Session, public_ids: list[str]) -> dict[str, tuple[int, int | None]]:
    found: dict[str, tuple[int, int | None]] = {}
    for chunk in _chunks(public_ids):
        rows = session.execute(select(Message.public_id, Message.id, Message.candidate_id).where(Message.public_id.in_(chunk)))
        found.update({public_id: (message_id, candidate_id) for public_id, message_id, candidate_id in rows})
    return found


def _existing_message_types(session: Session, message_ids: list[int]) -> set[tuple[int, str]]:
    found: set[tuple[int, str]] = set()
    for chunk in _chunks(message_ids):
        rows = session.execute(
            select(EmailEvent.message_id, EmailEvent.type).where(
                EmailEvent.message_id.in_(chunk), EmailEvent.type.in_(ONCE_PER_MESSAGE)
            )
        )
        found.update((m, t) for m, t in rows)
    return found


def _candidates_by_email(session: Session, emails: list[str]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for chunk in _chunks(emails):
        rows = session.execute(
            select(func.lower(Candidate.email), Candidate.id).where(func.lower(Candidate.email).in_(chunk)).order_by(Candidate.id)
        )
        for email, candidate_id in rows:
            found.setdefault(email, []).append(candidate_id)
    return found


def _load_candidates(session: Session, ids: set[int]) -> dict[int, Candidate]:
    found: dict[int, Candidate] = {}
    ordered = sorted(ids)
    for chunk in _chunks(ordered):
        found.update({c.id: c for c in session.scalars(select(Candidate).where(Candidate.id.in_(chunk)))})
    return found


def _effect_kind(event: WebhookEvent) -> str | None:
    if event.type == "bounce":
        return None if event.details.get("bounce_type") == "blocked" else "bounce"
    if event.type == "dropped":
        reason = str(event.details.get("reason", "")).strip().casefold()
        return "opt_out" if reason in OPT_OUT_DROP_REASONS else "bounce"
    if event.type in OPT_OUT_TYPES:
        return "opt_out"
    if event.type == "group_resubscribe":
        return "opt_in"
    if event.type in ACTIVITY_TYPES:
        return "activity"
    return None


def _may_resubscribe(session: Session, candidate: Candidate, at: dt.datetime) -> bool:
    opted_out_at = _utc(candidate.opted_out_at)
    if not candidate.opted_out or opted_out_at is None or opted_out_at > at:
        return False
    session.flush()
    rows = session.execute(
        select(EmailEvent.type, EmailEvent.occurred_at).where(
            EmailEvent.candidate_id == candidate.id, EmailEvent.type.in_(OPT_OUT_TYPES)
        )
    ).all()
    if any(t in GLOBAL_OPT_OUT_TYPES for t, _ in rows):
        return False
    return any(t == "group_unsubscribe" and _utc(when) == opted_out_at for t, when in rows)


def _employer_messages(session: Session, public_ids: list[str]) -> dict[str, int]:
    """Public id → company, for the messages sent to employers (recruitment events)."""
    found: dict[str, int] = {}
    for chunk in _chunks(sorted(public_ids)):
        found.update(dict(session.execute(select(Message.public_id, Message.company_id).where(
            Message.public_id.in_(chunk), Message.company_id.is_not(None))).all()))
    return found


def _apply_employer_effect(session: Session, company_id: int, event: WebhookEvent) -> str:
    """A bounce or an unsubscribe of a company's contact address: no more invitations to it (a new
    address given with ``clauses entreprises contacts`` clears a bounce)."""
    from clauses.storage.employers import CompanyContact

    kind = _effect_kind(event)
    contact = session.scalar(select(CompanyContact).where(CompanyContact.company_id == company_id))
    if kind not in ("bounce", "opt_out") or contact is None:
        return "stored"
    if kind == "bounce":
        if event.email and contact.email.strip().lower() != event.email:
            return "stale_address"
        if contact.email_status == "bounced":
            return "unchanged"
        contact.email_status = "bounced"
        return "employer_email_bounced"
    if contact.opted_out:
        return "unchanged"
    contact.opted_out, contact.opted_out_at = True, event.occurred_at
    return "employer_opted_out"


def _apply_effect(session: Session, candidate: Candidate, event: WebhookEvent) -> str:
    kind = _effect_kind(event)
    if kind is None:
        return "stored"
    if candidate.anonymised_at is not None:
        return "anonymised"
    at = event.occurred_at
    if kind == "bounce":
        if event.email and candidate.email and candidate.email.strip().lower() != event.email:
            return "stale_address"
        if candidate.email_status == "bounced":
            return "unchanged"
        candidate.email_status = "bounced"
        return "email_bounced"
    if kind == "opt_out":
        if candidate.opted_out:
            return "unchanged"
        candidate.opted_out = True
        candidate.opted_out_at = at
        return "opted_out"
    if kind == "opt_in":
        if not _may_resubscribe(session, candidate, at):
            return "unchanged"
        candidate.opted_out = False
        candidate.opted_out_at = None
        return "opted_in"
    # activity
    last = _utc(candidate.last_activity_at)
    if last is None or last < at:
        candidate.last_activity_at = at
        return "activity"
    return "unchanged"


def reconcile_processed(session: Session, public_ids: Iterable[str]) -> int:
    """``processed`` events: the ledger's messages still "sending" are "sent" (the outbound side's
    ``clauses.messages.ledger.reconcile_processed``)."""
    from clauses.messages.ledger import reconcile_processed as ledger_reconcile

    return ledger_reconcile(session, public_ids)


def apply_events(session: Session, events: Sequence[WebhookEvent]) -> ApplyCounts:
    """Store each new event once and apply its effect, in time order. Safe to call again with the
    same events: nothing is stored or changed twice."""
    counts = ApplyCounts(received=len(events))
    ordered = sorted(events, key=lambda e: (e.occurred_at, e.position))
    seen_ids: set[str] = _existing_event_ids(session, sorted({e.sg_event_id for e in ordered}))
    messages = _messages(session, sorted({e.message_public_id for e in ordered if e.message_public_id}))
    seen_pairs = _existing_message_types(session, sorted({m for m, _ in messages.values()}))
    by_email = _candidates_by_email(
        session, sorted({e.email for e in ordered if e.email and (e.message_public_id not in messages)})
    )
    wanted: set[int] = {c for _, c in messages.values() if c is not None}
    wanted.update(c for ids in by_email.values() for c in ids)
    candidates = _load_candidates(session, wanted)
    employers = _employer_messages(session, [p for p, (_, c) in messages.items() if c is None])
    processed: list[str] = []
    pending: list[dict] = []  # rows of email_events, inserted in bulk
    received_at = utcnow()

    def write_pending() -> None:
        if pending:
            session.execute(insert(EmailEvent), pending)
            pending.clear()

    for event in ordered:
        if event.sg_event_id in seen_ids:
            counts.duplicates += 1
            continue
        seen_ids.add(event.sg_event_id)
        message_id: int | None = None
        candidate_ids: list[int] = []
        details = dict(event.details)
        if event.message_public_id in messages:
            message_id, candidate_id = messages[event.message_public_id]
            candidate_ids = [candidate_id] if candidate_id is not None else []
            details["matched_by"] = "message"
            if event.type in ONCE_PER_MESSAGE:
                if (message_id, event.type) in seen_pairs:
                    counts.duplicates += 1
                    continue
                seen_pairs.add((message_id, event.type))
        else:
            if event.message_public_id:
                details[MESSAGE_ID_ARG] = event.message_public_id[:40]  # not ours, or not yet known
            if event.email:
                candidate_ids = by_email.get(event.email, [])
                details["matched_by"] = "email" if candidate_ids else None
        if len(candidate_ids) > 1:
            details["matched_candidates"] = len(candidate_ids)
        if event.type == "group_resubscribe":
            write_pending()  # the opt-in rule reads the batch's earlier events
        effects = [_apply_effect(session, candidates[c], event) for c in candidate_ids if c in candidates]
        if message_id is not None and not candidate_ids and event.message_public_id in employers:
            effects = [_apply_employer_effect(session, employers[event.message_public_id], event)]
        effect = next((e for e in effects if e not in ("unchanged", "stored")), effects[0] if effects else "no_candidate")
        if event.type == "processed" and event.message_public_id in messages:
            processed.append(event.message_public_id)
        details["effect"] = effect
        pending.append(
            {
                "provider_event_id": event.sg_event_id,
                "message_id": message_id,
                "candidate_id": candidate_ids[0] if candidate_ids else None,
                "type": event.type,
                "occurred_at": event.occurred_at,
                "received_at": received_at,
                "details": details,
            }
        )
        counts.stored += 1
        counts.types[event.type] += 1
        counts.effects[effect] += 1
    write_pending()
    if processed:
        counts.messages_reconciled = reconcile_processed(session, processed)
    session.flush()
    return counts


# --------------------------------------------------------------------------------------------------
# Files


@dataclass
class FileOutcome:
    file: str  # base name only
    accepted: bool
    counts: ApplyCounts
    problems: list[Problem]
    rejected_events: int = 0

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "accepted": self.accepted,
            **self.counts.as_dict(),
            "rejected_events": self.rejected_events,
            "problems": [p.as_dict() for p in self.problems],
        }


def ingest_envelope_file(db, path: Path, public_key: ec.EllipticCurvePublicKey, *, skip_invalid: bool = False,
                         max_age_seconds: float = DEFAULT_MAX_AGE_SECONDS) -> FileOutcome:
    """Verify, parse and apply one signed envelope in one transaction.

    A file whose signature fails, or whose signed timestamp is more than ``max_age_seconds`` away
    from the ``received_at`` the receiver wrote in it, is rejected whole, always. A file with
    malformed events is rejected whole unless ``skip_invalid``: then its valid events are applied
    and the others reported.
    """
    path = Path(path)
    try:
        envelope = read_envelope(path)
        if envelope.received_at is None:
            raise SignatureError("pas d'heure de réception (« received_at ») : ce lot n'a pas été écrit par le "
                                 "récepteur, son âge ne peut pas être vérifié")
        verify_signature(envelope.body, envelope.signature, envelope.timestamp, public_key,
                         max_age_seconds=max_age_seconds, now=envelope.received_at)
    except SignatureError as exc:
        log.warning("email events: %s rejected: %s", path.name, exc)
        return FileOutcome(path.name, False, ApplyCounts(), [Problem(path.name, None, None, str(exc))])
    events, problems = parse_events(envelope.body, path.name)
    whole_body_bad = any(p.row is None for p in problems)
    if problems and (whole_body_bad or not skip_invalid):
        return FileOutcome(path.name, False, ApplyCounts(received=len(events)), problems, rejected_events=len(problems))
    with db.transaction() as session:
        counts = apply_events(session, events)
    log.info(
        "email events: %s: %d received, %d stored, %d duplicates, effects %s",
        path.name, counts.received, counts.stored, counts.duplicates, dict(counts.effects),
    )
    return FileOutcome(path.name, True, counts, problems, rejected_events=len(problems))


def write_event_rejects(outcomes: Sequence[FileOutcome]) -> Path | None:
    """With ``skip_invalid``, the rejected events and why, as CSV (no addresses: position and reason)."""
    from clauses.inbound.attendance import write_rejects_csv

    rows = [
        {"fichier": p.file, "evenement": p.row or "", "champ": p.column or "", "motif": p.reason}
        for outcome in outcomes
        if outcome.accepted
        for p in outcome.problems
    ]
    if not rows:
        return None
    return write_rejects_csv("evenements-email", ["fichier", "evenement", "champ", "motif"], rows)


def move_to(directory: Path, path: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / path.name
    shutil.move(str(path), target)
    return target


def spooled_files(directory: Path | None = None) -> list[Path]:
    directory = directory or spool_dir()
    return sorted(p for p in directory.glob("*.json") if p.is_file())


def finish_spooled(path: Path, outcome: FileOutcome) -> None:
    """A spooled file holds addresses: delete it once its events are stored; park a rejected one in
    ``rejected/`` for a person to look at (``clauses events --skip-invalid`` on it)."""
    if outcome.accepted:
        path.unlink(missing_ok=True)
    else:
        move_to(path.parent / "rejected", path)


def ingest_paths(db, paths: Sequence[Path], public_key: ec.EllipticCurvePublicKey, *, skip_invalid: bool = False,
                 from_spool: bool = False, max_age_seconds: float = DEFAULT_MAX_AGE_SECONDS) -> list[FileOutcome]:
    """Ingest signed envelope files one by one, each in its own transaction. Spooled files are then
    deleted (stored) or parked in ``rejected/``; files named by a person are left where they are."""
    outcomes = []
    for path in paths:
        path = Path(path)
        if not path.is_file():
            outcomes.append(FileOutcome(path.name, False, ApplyCounts(), [Problem(path.name, None, None, "fichier introuvable")]))
            continue
        outcome = ingest_envelope_file(db, path, public_key, skip_invalid=skip_invalid, max_age_seconds=max_age_seconds)
        if from_spool:
            finish_spooled(path, outcome)
        outcomes.append(outcome)
    return outcomes


def summarise(outcomes: Sequence[FileOutcome]) -> dict:
    """Totals over files, for the CLI, the flow's return value and its artifact (no personal data)."""
    total = ApplyCounts()
    for outcome in outcomes:
        if outcome.accepted:
            total.add(outcome.counts)
    return {
        "files": len(outcomes),
        "accepted_files": sum(o.accepted for o in outcomes),
        "rejected_files": [{"file": o.file, "reasons": [p.reason for p in o.problems][:5]} for o in outcomes if not o.accepted],
        "rejected_events": sum(o.rejected_events for o in outcomes if o.accepted),
        **total.as_dict(),
    }
