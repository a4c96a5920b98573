"""Answers that come back by email: iTIP ``REPLY`` (RFC 5546) from the calendar buttons of Outlook,
Gmail, Thunderbird…, and plain-text answers. Every message is recorded once (``inbound_replies``);
none is silently dropped.

Where messages come from
    - SendGrid's Inbound Parse webhook, with "POST the raw, full MIME message" on: the form's
      ``email`` field is the whole message (``parse_inbound_form``). The web service's endpoint
      calls ``take_in_raw_email(session, raw, origin="inbound_parse")`` and answers 2xx once it
      returned (SendGrid retries a 5xx for 3 days, so a database failure loses nothing).
    - A drop folder of ``.eml`` files, for a mailbox exported by hand (``clauses replies``,
      the ``take_in_replies`` flow; origin "drop_folder").

What a calendar reply does (``take_in_raw_email``)
    The first ``text/calendar`` part (or ``.ics`` / ``application/ics`` attachment) whose calendar
    has ``METHOD:REPLY`` is read. Its VEVENT's ``UID`` names the event (``events.uid``); its
    ``ATTENDEE`` (``mailto:``, compared without regard to case) must be a candidate invited to
    that event (a participation or a message for it). Then ``PARTSTAT``:

    - ``ACCEPTED`` → registered, or waitlisted when the event is full; ``DECLINED`` → declined, and
      the freed place is offered to the next person (``clauses.outreach.places.answer``, origin
      ``calendar_reply``);
    - ``TENTATIVE`` → kept as such on the reply row (outcome "tentative"); the participation does
      not move: a "maybe" is not an answer, so the person still gets the reminders of those who
      have not answered.

    A reply older (``DTSTAMP``) than one already applied for the same person and event changes
    nothing ("superseded"): exported mailboxes come in any order.

    Anyone can write a REPLY with a candidate's address in ``From`` and ``ATTENDEE``. When the
    sender's domain is known not to vouch for the message (SendGrid's ``SPF`` and ``dkim`` fields,
    or the receiving server's ``Authentication-Results`` header in an exported .eml: no SPF or DKIM
    pass, or a DMARC fail), the reply is not applied ("unauthenticated").

What goes to the coordinators' list (``needs_review``, ``clauses replies list``)
    A message without a calendar reply (a plain-text answer: its first lines are kept), a calendar
    with another METHOD (a forwarded invitation, a COUNTER proposing another time), an unknown UID,
    an attendee who was not invited to that event (forged or forwarded), a reply to an older
    SEQUENCE than the event's (the time changed since: the answer may not hold), a reply for a
    cancelled or past event, an unknown PARTSTAT, a move the participation rules refuse, or an
    unreadable message.

Idempotent: the key is the Message-ID (else the bytes' SHA-256); the same message taken in twice
changes nothing. Logs and the flow's artifact show counts and outcomes only, never an address or a
name; names appear only in ``clauses replies list``, on the coordinator's machine.
"""

from __future__ import annotations

import datetime as dt
import email
import hashlib
import json
import logging
import re
from collections.abc import Mapping
from collections.abc import Iterable
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

from icalendar import Calendar
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from clauses import settings
from clauses.errors import ClausesError
from clauses.messages.render import EVENT_KIND_LABELS
from clauses.outreach import places
from clauses.outreach.participation import TransitionError
from clauses.storage.base import utcnow
from clauses.storage.candidates import Candidate
from clauses.storage.outreach import Message, Participation
from clauses.storage.planning import Event
from clauses.storage.reference import TradeRow
from clauses.storage.replies import InboundReply

log = logging.getLogger(__name__)

ORIGINS = ("inbound_parse", "drop_folder")
TRANSITION_ORIGIN = "calendar_reply"

# PARTSTAT → participation status; TENTATIVE is recorded on the reply only.
STATUS_OF = {"ACCEPTED": "registered", "DECLINED": "declined"}
# PARTSTAT → the answer given to ``places.answer`` (which counts places: an accept on a full event
# waitlists, a decline frees a place offered to the next person).
ACTION_OF = {"ACCEPTED": "yes", "DECLINED": "no"}
# Statuses that carry out each answer (an accept may end on the waiting list).
ANSWERED = {"yes": ("registered", "waitlisted"), "no": ("declined",)}

# Outcomes that apply or acknowledge an answer; every other outcome is a reason to review.
APPLIED = ("registered", "waitlisted", "declined", "tentative", "unchanged", "superseded")
REVIEW_REASONS = (
    "no_calendar", "not_a_reply", "unknown_event", "not_invited", "ambiguous", "stale_sequence",
    "event_cancelled", "event_over", "unsupported_partstat", "refused_transition", "unauthenticated", "unreadable",
)

# French labels for people (CLI, artifact).
LABELS = {
    "registered": "inscription enregistrée",
    "waitlisted": "inscription sur liste d'attente (événement complet)",
    "declined": "refus enregistré",
    "tentative": "réponse « peut-être » (participation inchangée)",
    "unchanged": "réponse déjà enregistrée",
    "superseded": "réponse plus ancienne qu'une autre déjà reçue (sans effet)",
    "no_calendar": "réponse sans calendrier (texte libre)",
    "not_a_reply": "calendrier qui n'est pas une réponse (invitation transférée, autre horaire proposé)",
    "unknown_event": "événement inconnu (UID)",
    "not_invited": "participant non invité à cet événement (réponse transférée ou falsifiée)",
    "ambiguous": "plusieurs candidats possibles",
    "stale_sequence": "réponse à une ancienne version de l'invitation (horaire changé depuis)",
    "event_cancelled": "événement annulé",
    "event_over": "événement déjà passé",
    "unsupported_partstat": "réponse non reconnue",
    "refused_transition": "changement refusé (la participation est déjà plus avancée)",
    "unauthenticated": "expéditeur non authentifié (SPF, DKIM) : réponse peut-être usurpée",
    "unreadable": "message illisible",
}

MAX_EXCERPT = 600
_CALENDAR_TYPES = ("text/calendar", "application/ics")
# Where a plain-text answer stops and the quoted message begins (French and English clients).
_QUOTE_START = re.compile(
    r"^(?:>|-{2,}\s*(?:original|message d'origine|forwarded)|_{5,}|"
    r"le .{0,120}a écrit\s*:|on .{0,120}wrote\s*:|de\s*:|from\s*:|envoyé\s*:|sent\s*:)",
    re.IGNORECASE,
)


class InboundFormError(ClausesError):
    """An Inbound Parse form without the raw message (raw mode is off, or not SendGrid's form)."""


@dataclass
class ReplyOutcome:
    outcome: str  # one of APPLIED or REVIEW_REASONS
    needs_review: bool
    reply_id: int
    duplicate: bool = False  # the same message was taken in before: nothing changed
    changed: bool = False  # a participation moved
    event_id: int | None = None
    candidate_id: int | None = None
    offers: int = 0  # places offered to the waiting list as a consequence

    @property
    def label(self) -> str:
        return LABELS.get(self.outcome, self.outcome)


# --------------------------------------------------------------------------------------------------
# SendGrid Inbound Parse


def parse_inbound_form(fields: Mapping[str, str | bytes], *, max_bytes: int | None = None) -> bytes:
    """The raw MIME message of a SendGrid Inbound Parse POST with "POST the raw, full MIME message"
    on: its ``email`` field (the other fields, ``to``, ``from``, ``envelope``, ``charsets``…, are
    not needed: everything is in the message). A text field is encoded back with the charset
    SendGrid names for it in ``charsets`` (UTF-8 by default)."""
    value = fields.get("email")
    if value is None or value == "" or value == b"":
        raise InboundFormError(
            "the Inbound Parse form has no 'email' field: turn on \"POST the raw, full MIME message\" in "
            "SendGrid (Settings → Inbound Parse)"
        )
    if isinstance(value, str):
        charset = "utf-8"
        try:
            charsets = json.loads(fields.get("charsets") or "{}")
            charset = (charsets.get("email") if isinstance(charsets, dict) else None) or charset
        except (TypeError, ValueError):
            pass
        try:
            raw = value.encode(charset, errors="surrogateescape")
        except LookupError:
            raw = value.encode("utf-8", errors="surrogateescape")
    else:
        raw = bytes(value)
    if max_bytes is not None and len(raw) > max_bytes:
        raise InboundFormError(f"the message is above {max_bytes} bytes")
    return raw


def inbound_authentication(fields: Mapping[str, str | bytes]) -> bool | None:
    """What SendGrid's Inbound Parse found about the sender: True when its ``SPF`` field is "pass"
    or its ``dkim`` field (e.g. ``{@example.org : pass}``) has a pass, False when it gives results
    and none passes, None when the form has neither field."""
    def text(name: str) -> str:
        value = fields.get(name)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        return (value or "").strip().lower()

    spf, dkim = text("SPF"), text("dkim")
    if not spf and not dkim:
        return None
    return spf == "pass" or re.search(r":\s*pass\b", dkim) is not None


# --------------------------------------------------------------------------------------------------
# Reading a message


@dataclass
class CalendarReply:
    method: str
    uid: str | None
    sequence: int
    stamp: dt.datetime | None
    attendees: list[tuple[str, str]]  # (address in lower case, PARTSTAT in upper case)


def dedupe_key(message: EmailMessage | None, raw: bytes) -> str:
    """"mid:" + SHA-256 of the Message-ID as written (unparsed: the parser shortens ids it finds
    malformed, and two messages must not collide), else "raw:" + SHA-256 of the bytes."""
    message_id = None
    if message is not None:
        for name, value in message.raw_items():
            if name.lower() == "message-id":
                message_id = " ".join(str(value).split())
                break
    if message_id:
        return "mid:" + hashlib.sha256(message_id.encode("utf-8", "surrogateescape")).hexdigest()
    return "raw:" + hashlib.sha256(raw).hexdigest()


def _address(value) -> str | None:
    text = str(value or "").strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    text = text.strip().strip("<>").strip().lower()
    return text if "@" in text else None


def _calendar_parts(message: EmailMessage) -> list[tuple[bytes, str | None]]:
    """The calendar parts, inline ``text/calendar`` first, then ``.ics`` attachments; with the
    ``method`` parameter of their content type, if any."""
    found: list[tuple[int, bytes, str | None]] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        filename = (part.get_filename() or "").lower()
        if ctype not in _CALENDAR_TYPES and not filename.endswith(".ics"):
            continue
        payload = part.get_payload(decode=True)
        if not payload:
            continue
        rank = 0 if ctype == "text/calendar" and not part.is_attachment() else 1
        found.append((rank, payload, part.get_param("method")))
    found.sort(key=lambda item: item[0])
    return [(payload, method) for _, payload, method in found]


def _read_calendar(payload: bytes, method_param: str | None) -> CalendarReply | None:
    try:
        calendar = Calendar.from_ical(payload)
    except Exception:  # noqa: BLE001 - icalendar raises ValueError and others on bad input
        return None
    method = str(calendar.get("METHOD") or method_param or "").strip().upper()
    events = calendar.walk("VEVENT")
    if not events:
        return CalendarReply(method, None, 0, None, [])
    vevent = events[0]
    uid = str(vevent.get("UID") or "").strip() or None
    try:
        sequence = int(vevent.get("SEQUENCE") or 0)
    except (TypeError, ValueError):
        sequence = 0
    stamp = None
    try:
        value = vevent.decoded("DTSTAMP")
        if isinstance(value, dt.datetime):
            stamp = value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    except (KeyError, ValueError, TypeError):
        stamp = None
    raw_attendees = vevent.get("ATTENDEE") or []
    if not isinstance(raw_attendees, list):
        raw_attendees = [raw_attendees]
    attendees = []
    for attendee in raw_attendees:
        address = _address(attendee)
        if address:
            params = getattr(attendee, "params", {}) or {}
            attendees.append((address, str(params.get("PARTSTAT") or "NEEDS-ACTION").strip().upper()))
    return CalendarReply(method, uid, sequence, stamp, attendees)


def find_reply(message: EmailMessage) -> CalendarReply | None:
    """The message's calendar reply (``METHOD:REPLY``), else its first readable calendar (to say
    why it is not one), else ``None``."""
    first = None
    for payload, method_param in _calendar_parts(message):
        reply = _read_calendar(payload, method_param)
        if reply is None:
            continue
        if reply.method == "REPLY":
            return reply
        first = first or reply
    return first


def _text_excerpt(message: EmailMessage) -> str | None:
    """The first lines of a plain-text answer, without the quoted message under it."""
    try:
        body = message.get_body(preferencelist=("plain", "html"))
        text = body.get_content() if body is not None else ""
    except Exception:  # noqa: BLE001 - undecodable body: nothing to show
        return None
    if body is not None and body.get_content_type() == "text/html":
        text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.IGNORECASE | re.DOTALL)
        text = re.sub(r"<br\s*/?>|</p>|</div>", "\n", text, flags=re.IGNORECASE)
        text = re.sub(r"<[^>]+>", " ", text)
    lines = []
    for line in text.splitlines():
        if _QUOTE_START.match(line.strip()):
            break
        lines.append(" ".join(line.split()))
    excerpt = "\n".join(lines).strip()
    excerpt = re.sub(r"\n{3,}", "\n\n", excerpt)
    return excerpt[:MAX_EXCERPT] or None


def header_authentication(message: EmailMessage) -> bool | None:
    """The receiving server's verdict in ``Authentication-Results`` (RFC 8601), for an exported
    .eml: False on a DMARC fail, or when SPF and DKIM were checked and neither passed; True when one
    passed; None without the header."""
    results = [str(value).lower() for name, value in message.raw_items() if name.lower() == "authentication-results"]
    if not results:
        return None
    text = " ".join(results)
    if re.search(r"\bdmarc=fail\b", text):
        return False
    if re.search(r"\b(?:spf|dkim)=pass\b", text):
        return True
    return False if re.search(r"\b(?:spf|dkim)=", text) else None


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _clean(text: str | None, limit: int) -> str | None:
    """Text fit to store on SQLite and PostgreSQL (which refuses NUL): no control characters nor
    lone surrogates, at most ``limit`` characters."""
    if not text:
        return None
    return _CONTROL.sub("", text)[:limit].strip() or None


def _header(message: EmailMessage, name: str) -> str | None:
    try:
        value = message.get(name)
    except Exception:  # noqa: BLE001 - malformed header
        return None
    return " ".join(str(value).split()) if value else None


# --------------------------------------------------------------------------------------------------
# Matching and recording


def _candidates_with_address(session: Session, address: str) -> list[int]:
    return list(session.scalars(
        select(Candidate.id).where(func.lower(Candidate.email) == address, Candidate.anonymised_at.is_(None))
        .order_by(Candidate.id)
    ))


def _invited(session: Session, event_id: int, candidate_ids: list[int]) -> list[int]:
    """Those of the candidates who were invited to the event: a participation, or a message for it."""
    if not candidate_ids:
        return []
    with_participation = select(Participation.candidate_id).where(
        Participation.event_id == event_id, Participation.candidate_id.in_(candidate_ids))
    with_message = select(Message.candidate_id).where(
        Message.event_id == event_id, Message.candidate_id.in_(candidate_ids))
    found = set(session.scalars(with_participation)) | set(session.scalars(with_message))
    return [c for c in candidate_ids if c in found]


def _latest_applied_stamp(session: Session, event_id: int, candidate_id: int) -> dt.datetime | None:
    value = session.scalar(
        select(func.max(InboundReply.reply_stamp)).where(
            InboundReply.event_id == event_id, InboundReply.candidate_id == candidate_id,
            InboundReply.outcome.in_(("registered", "declined", "tentative", "unchanged")),
        )
    )
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def record_answer(session: Session, *, candidate_id: int, event_id: int, action: str, now: dt.datetime,
                  hold: dt.timedelta = places.DEFAULT_HOLD, transport: str = "file") -> places.Answer:
    """Apply a calendar answer ("yes" or "no") through ``places.answer`` (origin ``calendar_reply``):
    places are counted under the event's lock, a "yes" on a full event waitlists, a "no" frees a
    place that is offered to the next person. Raises ``TransitionError`` when the participation
    cannot carry the answer (e.g. already attended)."""
    result = places.answer(session, candidate_id=candidate_id, event_id=event_id, action=action,
                           origin=TRANSITION_ORIGIN, now=now, hold=hold, transport=transport)
    if not result.changed and result.status not in ANSWERED[action]:
        raise TransitionError(f"participation {result.status!r} cannot take the answer {action!r}")
    return result


@dataclass
class _Decision:
    outcome: str
    event_id: int | None = None
    candidate_id: int | None = None
    changed: bool = False
    offers: int = 0  # places offered to the waiting list as a consequence (a decline)


def _decide(session: Session, reply: CalendarReply, sender: str | None, now: dt.datetime,
            authenticated: bool | None, hold: dt.timedelta = places.DEFAULT_HOLD,
            transport: str = "file") -> _Decision:
    if reply.method != "REPLY":
        return _Decision("not_a_reply")
    event = session.scalar(select(Event).where(Event.uid == reply.uid)) if reply.uid else None
    if event is None:
        return _Decision("unknown_event")
    decision = _Decision("not_invited", event_id=event.id)
    # The replying attendee: the one invited to this event (RFC 5546: a REPLY names only the
    # attendee who answers, but some clients repeat the others).
    matches: list[tuple[int, str]] = []
    known: list[int] = []
    for address, partstat in reply.attendees:
        ids = _candidates_with_address(session, address)
        known += ids
        matches += [(c, partstat) for c in _invited(session, event.id, ids)]
    if not matches:
        decision.candidate_id = known[0] if len(set(known)) == 1 else None
        return decision
    if len({c for c, _ in matches}) > 1:
        # Several invited candidates: the sender decides, if the sender is one of them.
        by_sender = [(c, p) for c, p in matches if sender and c in _candidates_with_address(session, sender)]
        if len({c for c, _ in by_sender}) != 1:
            decision.outcome = "ambiguous"
            return decision
        matches = by_sender
    candidate_id, partstat = matches[0]
    decision.candidate_id = candidate_id
    if event.status == "cancelled":
        decision.outcome = "event_cancelled"
        return decision
    end = event.end if event.end.tzinfo else event.end.replace(tzinfo=dt.timezone.utc)
    if end <= now:
        decision.outcome = "event_over"
        return decision
    if reply.sequence < (event.sequence or 0):
        decision.outcome = "stale_sequence"
        return decision
    if partstat not in STATUS_OF and partstat != "TENTATIVE":
        decision.outcome = "unsupported_partstat"
        return decision
    if authenticated is False:
        decision.outcome = "unauthenticated"
        return decision
    latest = _latest_applied_stamp(session, event.id, candidate_id)
    if reply.stamp is not None and latest is not None and reply.stamp < latest:
        decision.outcome = "superseded"
        return decision
    if partstat == "TENTATIVE":
        decision.outcome = "tentative"
        return decision
    try:
        result = record_answer(session, candidate_id=candidate_id, event_id=event.id,
                               action=ACTION_OF[partstat], now=now, hold=hold, transport=transport)
    except TransitionError:
        decision.outcome = "refused_transition"
        return decision
    decision.changed = result.changed
    decision.offers = len(result.offers)
    decision.outcome = result.status if decision.changed else "unchanged"
    return decision


def take_in_raw_email(session: Session, raw: bytes, *, origin: str, now: dt.datetime | None = None,
                      authenticated: bool | None = None, hold: dt.timedelta = places.DEFAULT_HOLD,
                      transport: str = "file") -> ReplyOutcome:
    """Record one email (raw MIME bytes) and apply the calendar answer it carries, in the caller's
    transaction. Never raises for what the message contains: whatever cannot be applied is recorded
    for a coordinator to review. Taking the same message in again changes nothing.

    ``authenticated``: what the transport knows of the sender (``inbound_authentication`` of the
    Inbound Parse form); None: read the message's ``Authentication-Results`` header, if any.
    ``hold``, ``transport``: for the waiting-list offers a decline may make (``places.answer``);
    the offers' emails are sent by the caller after commit, or by the follow-ups job."""
    if origin not in ORIGINS:
        raise ValueError(f"unknown origin {origin!r}; expected one of {', '.join(ORIGINS)}")
    now = now or utcnow()
    try:
        message = email.message_from_bytes(raw, policy=policy.default)
    except Exception:  # noqa: BLE001 - the parser is lenient; anything it raises means unreadable
        message = None
    key = dedupe_key(message, raw)
    existing = session.scalar(select(InboundReply).where(InboundReply.dedupe_key == key))
    if existing is not None:
        return ReplyOutcome(existing.outcome, existing.needs_review, existing.id, duplicate=True,
                            event_id=existing.event_id, candidate_id=existing.candidate_id)

    sender = subject = excerpt = None
    reply: CalendarReply | None = None
    if message is None:
        decision = _Decision("unreadable")
    else:
        sender = _address(parseaddr(_header(message, "From") or "")[1])
        subject = _header(message, "Subject")
        try:
            reply = find_reply(message)
        except Exception:  # noqa: BLE001 - a broken MIME structure
            reply = None
            decision = _Decision("unreadable")
        else:
            if authenticated is None:
                authenticated = header_authentication(message)
            decision = (_decide(session, reply, sender, now, authenticated, hold, transport) if reply is not None
                        else _Decision("no_calendar"))
        if reply is None:
            excerpt = _text_excerpt(message)
    needs_review = decision.outcome not in APPLIED
    candidate_id = decision.candidate_id
    if candidate_id is None and sender:
        ids = _candidates_with_address(session, sender)
        candidate_id = ids[0] if len(ids) == 1 else None
    row = InboundReply(
        dedupe_key=key,
        origin=origin,
        received_at=now,
        outcome=decision.outcome,
        needs_review=needs_review,
        event_id=decision.event_id,
        candidate_id=candidate_id,
        partstat=_clean(_partstat_of(reply, candidate_id, session), 20) if reply else None,
        sequence=reply.sequence if reply else None,
        reply_stamp=reply.stamp if reply else None,
        # Personal details only where a person must act, and the address only when no candidate
        # is known (a candidate's address is already in their record).
        sender=_clean(sender, 254) if needs_review and candidate_id is None else None,
        subject=_clean(subject, 200) if needs_review else None,
        excerpt=_clean(excerpt, 1000) if needs_review else None,
    )
    session.add(row)
    session.flush()
    log.info("reply %d: %s", row.id, decision.outcome)
    return ReplyOutcome(decision.outcome, needs_review, row.id, changed=decision.changed,
                        event_id=decision.event_id, candidate_id=candidate_id, offers=decision.offers)


def _partstat_of(reply: CalendarReply, candidate_id: int | None, session: Session) -> str | None:
    if not reply.attendees:
        return None
    if candidate_id is not None and len(reply.attendees) > 1:
        email_of = session.scalar(select(func.lower(Candidate.email)).where(Candidate.id == candidate_id))
        for address, partstat in reply.attendees:
            if address == email_of:
                return partstat[:20]
    return reply.attendees[0][1][:20]


# --------------------------------------------------------------------------------------------------
# The coordinators' list


@dataclass
class ReviewItem:
    id: int
    received_at: dt.datetime
    outcome: str
    event_id: int | None
    event_label: str | None
    event_start: dt.datetime | None
    candidate_id: int | None
    candidate_name: str | None
    sender: str | None
    subject: str | None
    excerpt: str | None
    partstat: str | None
    settled_at: dt.datetime | None

    @property
    def label(self) -> str:
        return LABELS.get(self.outcome, self.outcome)


def review_list(session: Session, *, include_settled: bool = False, include_tentative: bool = True) -> list[ReviewItem]:
    """The replies a coordinator must look at (oldest first), with names: for the coordinator's own
    screen only. "Maybe" answers are listed too (someone may want to call them), unless asked not."""
    condition = InboundReply.needs_review.is_(True)
    if include_tentative:
        condition = or_(condition, InboundReply.outcome == "tentative")
    query = (
        select(InboundReply, Candidate.first_name, Candidate.last_name, Event.kind, TradeRow.label, Event.start)
        .outerjoin(Candidate, Candidate.id == InboundReply.candidate_id)
        .outerjoin(Event, Event.id == InboundReply.event_id)
        .outerjoin(TradeRow, TradeRow.key == Event.trade_key)
        .where(condition)
        .order_by(InboundReply.received_at, InboundReply.id)
    )
    if not include_settled:
        query = query.where(InboundReply.settled_at.is_(None))
    items = []
    for row, first, last, kind, trade, start in session.execute(query):
        items.append(ReviewItem(
            id=row.id, received_at=row.received_at, outcome=row.outcome, event_id=row.event_id,
            event_label=(f"{EVENT_KIND_LABELS.get(kind, kind)} ({trade})" if trade else EVENT_KIND_LABELS.get(kind, kind))
            if kind else None,
            event_start=start, candidate_id=row.candidate_id,
            candidate_name=f"{first} {last}".strip() if first or last else None, sender=row.sender,
            subject=row.subject, excerpt=row.excerpt, partstat=row.partstat, settled_at=row.settled_at,
        ))
    return items


def settle(session: Session, reply_ids: list[int], *, now: dt.datetime | None = None) -> list[int]:
    """A coordinator dealt with these replies: off the list, and their personal details (sender,
    subject, excerpt) are emptied. Returns the ids that were on the list."""
    now = now or utcnow()
    rows = list(session.scalars(select(InboundReply).where(
        InboundReply.id.in_(reply_ids), InboundReply.settled_at.is_(None),
        or_(InboundReply.needs_review.is_(True), InboundReply.outcome == "tentative"),
    )))
    for row in rows:
        row.settled_at = now
        row.sender = row.subject = row.excerpt = None
    session.flush()
    return sorted(r.id for r in rows)


def scrub_personal_details(session: Session, *, candidate_ids: list[int] | None = None,
                           received_before: dt.datetime | None = None) -> int:
    """Empty the sender, subject and excerpt of the replies of these candidates, or of every reply
    received before ``received_before`` (data retention: ``clauses.retention``). Returns how many
    rows had some."""
    has_details = or_(InboundReply.sender.is_not(None), InboundReply.subject.is_not(None),
                      InboundReply.excerpt.is_not(None))
    query = update(InboundReply).where(has_details)
    if candidate_ids is not None:
        query = query.where(InboundReply.candidate_id.in_(candidate_ids))
    if received_before is not None:
        query = query.where(InboundReply.received_at < received_before)
    result = session.execute(query.values(sender=None, subject=None, excerpt=None)
                             .execution_options(synchronize_session=False))
    return result.rowcount or 0


def counts(outcomes: list[ReplyOutcome]) -> dict:
    """Totals for logs, the CLI's JSON and the flow's artifact (no personal data)."""
    by_outcome: dict[str, int] = {}
    for item in outcomes:
        if not item.duplicate:
            by_outcome[item.outcome] = by_outcome.get(item.outcome, 0) + 1
    return {
        "messages": len(outcomes),
        "duplicates": sum(o.duplicate for o in outcomes),
        "recorded": sum(not o.duplicate for o in outcomes),
        "participations_changed": sum(o.changed for o in outcomes),
        "to_review": sum(o.needs_review and not o.duplicate for o in outcomes),
        "outcomes": dict(sorted(by_outcome.items())),
    }


# --------------------------------------------------------------------------------------------------
# Drop folder of .eml files

DROP_FOLDER = "replies"  # under the data folder


def drop_folder() -> Path:
    return settings.output_dir(DROP_FOLDER)


@dataclass
class FileResult:
    file: str  # base name only
    outcome: ReplyOutcome | None = None
    problem: str | None = None  # the file could not be read (nothing recorded)


def eml_files(paths: Iterable[Path | str]) -> tuple[list[Path], list[FileResult]]:
    """The .eml files named, folders expanded to the .eml files they hold (sorted); missing paths
    come back as problems."""
    files: list[Path] = []
    missing: list[FileResult] = []
    for path in map(Path, paths):
        if path.is_dir():
            files += sorted(p for p in path.glob("*.eml") if p.is_file())
        elif path.is_file():
            files.append(path)
        else:
            missing.append(FileResult(path.name, problem="fichier introuvable"))
    return files, missing


def take_in_files(database, paths: Iterable[Path | str], *, delete_after: bool = False,
                  now: dt.datetime | None = None) -> list[FileResult]:
    """Take in .eml files one by one, each in its own transaction. With ``delete_after`` (the drop
    folder), a file is deleted once its message is recorded: it holds personal data, and the mailbox
    it was exported from still has the original. Files named by a person are left where they are."""
    files, results = eml_files(paths)
    for path in files:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            results.append(FileResult(path.name, problem=f"illisible : {exc.strerror or type(exc).__name__}"))
            continue
        with database.transaction() as session:
            outcome = take_in_raw_email(session, raw, origin="drop_folder", now=now)
        if delete_after:
            path.unlink(missing_ok=True)
        results.append(FileResult(path.name, outcome))
    return results
