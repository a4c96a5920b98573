"""Shared helpers of the inbound tests: a signing key pair, signed envelopes, and a few rows."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from clauses.inbound.email_events import make_envelope
from clauses.storage import Candidate, CandidateIdentity, Event, Message, Plan
from clauses.storage.reference_sync import sync_reference

UTC = dt.timezone.utc


class Signer:
    """An ECDSA P-256 key pair standing in for SendGrid's."""

    def __init__(self) -> None:
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        der = self.private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.public_key_b64 = base64.b64encode(der).decode("ascii")  # as SendGrid shows it
        self.public_key = self.private_key.public_key()

    def sign(self, body: str, timestamp: str) -> str:
        raw = self.private_key.sign((timestamp + body).encode("utf-8"), ec.ECDSA(hashes.SHA256()))
        return base64.b64encode(raw).decode("ascii")

    def envelope(self, events: list[dict], timestamp: str = "1795597200") -> dict:
        """A batch as the receiver spools it: received when it was signed (within the window)."""
        body = json.dumps(events)
        received_at = dt.datetime.fromtimestamp(int(timestamp), UTC) + dt.timedelta(seconds=2)
        return make_envelope(body, self.sign(body, timestamp), timestamp, received_at=received_at)

    def write(self, path: Path, events: list[dict], timestamp: str = "1795597200") -> Path:
        path.write_text(json.dumps(self.envelope(events, timestamp)), encoding="utf-8")
        return path


def sg_event(kind: str, sg_event_id: str, *, email: str | None = "alice@example.org", message: str | None = None,
             at: int = 1795597200, **extra) -> dict:
    event = {"event": kind, "sg_event_id": sg_event_id, "timestamp": at, "sg_message_id": "abc.filter0001"}
    if email:
        event["email"] = email
    if message:
        event["clauses_message_id"] = message
    event.update(extra)
    return event


def seed(session, config, *, start: dt.datetime | None = None) -> dict:
    """Reference rows, a plan with two events (one cancelled), three candidates, two messages."""
    sync_reference(session, config)
    plan = Plan(status="approved")
    session.add(plan)
    session.flush()
    start = start or dt.datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
    event = Event(plan_id=plan.id, kind="discovery", trade_key="macon", partner_key="geiq_btp_63",
                  start=start, end=start + dt.timedelta(hours=3), capacity=12, uid="evt-macon-1@clauses")
    cancelled = Event(plan_id=plan.id, kind="discovery", trade_key="macon", partner_key="geiq_btp_63",
                      start=start, end=start + dt.timedelta(hours=3), capacity=12, uid="evt-macon-2@clauses",
                      status="cancelled")
    alice = Candidate(first_name="Alice", last_name="Martin", email="Alice@Example.org",
                      consent_date=dt.date(2026, 1, 5))
    bruno = Candidate(first_name="Bruno", last_name="Durand", email="bruno@example.org",
                      consent_date=dt.date(2026, 1, 5))
    chloe = Candidate(first_name="Chloé", last_name="Petit", email="chloe@example.org",
                      consent_date=dt.date(2026, 1, 5))
    session.add_all([event, cancelled, alice, bruno, chloe])
    session.flush()
    session.add(CandidateIdentity(candidate_id=bruno.id, source="france_travail", source_id="FT-0042", content_hash="x"))
    m_alice = Message(idempotency_key=f"{alice.id}:{event.id}:invitation:0", public_id="m-alice", candidate_id=alice.id,
                      event_id=event.id, kind="invitation", state="sending", transport="sendgrid")
    m_bruno = Message(idempotency_key=f"{bruno.id}:{event.id}:invitation:0", public_id="m-bruno", candidate_id=bruno.id,
                      event_id=event.id, kind="invitation", state="sent", transport="sendgrid")
    session.add_all([m_alice, m_bruno])
    session.flush()
    return {"event": event.id, "cancelled": cancelled.id, "alice": alice.id, "bruno": bruno.id, "chloe": chloe.id,
            "event_uid": event.uid, "m_alice": m_alice.id, "m_bruno": m_bruno.id}
