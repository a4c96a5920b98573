"""Turn ledger rows into ready-to-send messages: load candidates and events in bulk, render the
templates, build the calendar part. The only write: a new link token per message composed
(``clauses.messages.links``), so the links of what leaves always work."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from clauses.config import Config
from clauses.messages import links
from clauses.messages.calendar import build_calendar, describe
from clauses.messages.mime import Outgoing
from clauses.messages.render import CALENDAR_METHOD, EventInfo, MessageContext, render
from clauses.storage.answers import TradeOptOut
from clauses.storage.base import utcnow
from clauses.storage.candidates import Candidate
from clauses.storage.outreach import Message, Participation
from clauses.storage.planning import Event, EventChange
from clauses.storage.reference import PartnerRow, TradeRow, VenueRow

OPEN_EVENT_STATUSES = ("scheduled", "moved")


@dataclass
class References:
    trades: dict[str, str]
    partners: dict[str, str]
    venues: dict[str, VenueRow]
    partners_in_sentence: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> "References":
        partners = session.execute(select(PartnerRow.key, PartnerRow.name, PartnerRow.name_in_sentence)).all()
        return cls(
            trades={k: v for k, v in session.execute(select(TradeRow.key, TradeRow.label))},
            partners={key: name for key, name, _ in partners},
            partners_in_sentence={key: phrase for key, _, phrase in partners if phrase},
            venues={v.key: v for v in session.scalars(select(VenueRow))},
        )

    def event_info(self, event: Event, *, poec_hours: dict[str, int] | None = None) -> EventInfo:
        venue = self.venues.get(event.venue_key) if event.venue_key else None
        partner = self.partners.get(event.partner_key, event.partner_key)
        return EventInfo(
            kind=event.kind,
            trade_label=self.trades.get(event.trade_key, event.trade_key),
            start=_aware(event.start),
            end=_aware(event.end),
            place_name=venue.name if venue else partner,
            place_address=venue.address if venue else "adresse communiquée par l’organisateur",
            partner_name=partner,
            partner_in_sentence=self.partners_in_sentence.get(event.partner_key, partner),
            uid=event.uid,
            sequence=event.sequence,
            hours=(poec_hours or {}).get(event.trade_key) if event.kind == "poec" else None,
        )

    def before(self, event: Event, snapshot: dict) -> EventInfo:
        """The event as an ``EventChange.before`` snapshot says it was (start, end, venue)."""
        former = Event(kind=event.kind, trade_key=event.trade_key, partner_key=event.partner_key,
                       venue_key=snapshot.get("venue_key", event.venue_key),
                       start=dt.datetime.fromisoformat(snapshot["start"]) if snapshot.get("start") else event.start,
                       end=dt.datetime.fromisoformat(snapshot["end"]) if snapshot.get("end") else event.end,
                       uid=event.uid, sequence=event.sequence)
        return self.event_info(former)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def contact_of(config: Config) -> dict[str, str]:
    sender = config.messaging.sender
    return {
        "name": sender.organizer_name,
        "email": sender.organizer_email,
        "phone": sender.contact_phone,
        "address": sender.postal_address,
        "signature": sender.from_name,
    }


def next_event(session: Session, *, trade_key: str, kinds: tuple[str, ...], after: dt.datetime, exclude: int | None = None) -> Event | None:
    query = (
        select(Event)
        .where(
            Event.trade_key == trade_key,
            Event.kind.in_(kinds),
            Event.approved_at.is_not(None),
            Event.status.in_(OPEN_EVENT_STATUSES),
            Event.start > after,
        )
        .order_by(Event.start, Event.id)
        .limit(1)
    )
    if exclude is not None:
        query = query.where(Event.id != exclude)
    return session.scalar(query)


def trade_opt_outs(session: Session, candidates: dict[int, Candidate]) -> set[tuple[int, str]]:
    """(candidate id, trade key) pairs of these candidates who want nothing more about a trade."""
    ids = list(candidates)
    found: set[tuple[int, str]] = set()
    for start in range(0, len(ids), 500):
        found.update((c, t) for c, t in session.execute(select(TradeOptOut.candidate_id, TradeOptOut.trade_key)
                                     .where(TradeOptOut.candidate_id.in_(ids[start:start + 500]))).all())
    return found


def _composable(message: Message, candidates: dict[int, Candidate], events: dict[int, Event],
                opted: set[tuple[int, str]]) -> bool:
    candidate, event = candidates.get(message.candidate_id), events.get(message.event_id)
    return (candidate is not None and candidate.can_be_contacted and event is not None
            and (candidate.id, event.trade_key) not in opted
            and (event.status != "cancelled" or message.kind == "cancellation"))


def compose(session: Session, config: Config, message_ids: list[int], *, now: dt.datetime | None = None) -> dict[int, Outgoing | str]:
    """For each message id: the ``Outgoing`` to send, or a reason (str) why it must not be sent
    (candidate no longer contactable, event cancelled…)."""
    now = now or utcnow()
    refs = References.load(session)
    messages = list(session.scalars(select(Message).where(Message.id.in_(message_ids))))
    employers = [m for m in messages if m.company_id is not None and m.candidate_id is None]
    if employers:  # messages to companies (recruitment events): their own composer
        from clauses.messages.employer import compose_employers

        messages = [m for m in messages if m not in employers]
    candidates = {c.id: c for c in session.scalars(select(Candidate).where(Candidate.id.in_({m.candidate_id for m in messages if m.candidate_id})))}
    events = {e.id: e for e in session.scalars(select(Event).where(Event.id.in_({m.event_id for m in messages if m.event_id})))}
    opted = trade_opt_outs(session, candidates)
    offers = {
        (c, e): _aware(until) for c, e, until in session.execute(
            select(Participation.candidate_id, Participation.event_id, Participation.offer_expires_at)
            .join(Message, (Message.candidate_id == Participation.candidate_id) & (Message.event_id == Participation.event_id))
            .where(Message.id.in_(message_ids), Message.kind == "waitlist_offer", Participation.offer_expires_at.is_not(None)))
    }
    sender = config.messaging.sender
    contact = contact_of(config)
    next_cache: dict[tuple, Event | None] = {}
    poec_hours = {trade.key: trade.poec.hours for trade in config.trades if trade.poec is not None}
    out: dict[int, Outgoing | str] = {}
    if employers:
        out.update(compose_employers(session, config, employers, refs, now=now, contact=contact))
    base_url = links.public_url(config)
    tokens = links.mint(session, [m.id for m in messages if _composable(m, candidates, events, opted)])
    for message in messages:
        candidate = candidates.get(message.candidate_id)
        event = events.get(message.event_id)
        if candidate is None or not candidate.can_be_contacted:
            out[message.id] = "not_contactable"
            continue
        if event is None:
            out[message.id] = "no_event"
            continue
        if (candidate.id, event.trade_key) in opted:
            out[message.id] = "not_contactable"
            continue
        if event.status == "cancelled" and message.kind != "cancellation":
            out[message.id] = "event_cancelled"
            continue
        info = refs.event_info(event)
        previous_start = None
        previous_event = None
        following = None
        if message.kind == "update":
            change = session.scalar(
                select(EventChange).where(EventChange.event_id == event.id, EventChange.sequence == message.event_sequence)
            )
            if change and change.before.get("start"):
                previous_start = dt.datetime.fromisoformat(change.before["start"])
                previous_event = refs.before(event, change.before)
        elif message.kind in ("missed_you", "poec_offer"):
            kinds = ("poec",) if message.kind == "poec_offer" else ("discovery", "information_session")
            cache_key = (event.trade_key, kinds, event.id)
            if cache_key not in next_cache:
                next_cache[cache_key] = next_event(session, trade_key=event.trade_key, kinds=kinds, after=now, exclude=event.id)
            found = next_cache[cache_key]
            following = refs.event_info(found, poec_hours=poec_hours) if found else None
        urls = links.links_for(base_url, tokens[message.id])
        answers = message.kind in links.ANSWER_KINDS
        context = MessageContext(
            kind=message.kind,
            first_name=candidate.first_name,
            last_name=candidate.last_name,
            event=info,
            unsubscribe_url=urls.unsubscribe_url,
            yes_url=urls.yes_url if answers else "",
            no_url=urls.no_url if answers else "",
            contact=contact,
            previous_start=previous_start,
            previous_event=previous_event,
            next_event=following,
            extra={"offer_until": offers.get((candidate.id, event.id)) or _aware(event.start)}
            if message.kind == "waitlist_offer" else {},
        )
        rendered = render(context)
        method = CALENDAR_METHOD.get(message.kind)
        ics = None
        if method:
            ics = build_calendar(
                info,
                method=method,
                organizer_email=sender.organizer_email,
                organizer_name=sender.organizer_name,
                attendee_email=candidate.email,
                attendee_name=f"{candidate.first_name} {candidate.last_name}",
                stamp=now,
                alarm_minutes_before=config.outreach.alarm_minutes_before,
                description=describe(info, contact),
            )
        out[message.id] = Outgoing(
            public_id=message.public_id,
            kind=message.kind,
            to_email=candidate.email,
            to_name=f"{candidate.first_name} {candidate.last_name}",
            from_email=sender.from_email,
            from_name=sender.from_name,
            reply_to_email=sender.organizer_email,
            reply_to_name=sender.organizer_name,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            unsubscribe_url=context.unsubscribe_url,
            ics=ics,
            ics_method=method,
            categories=(message.kind,),
        )
    return out
