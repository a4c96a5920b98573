"""Messages to employers: the invitation of a company to a recruitment event (and its cancellation).

Templates ``templates/email/employer_invitation.{txt,html}`` and ``employer_cancellation.…`` (French,
HTML escaped). The email names the event (French date and time, venue, organiser, trade, how many
candidates are expected and how many finished the POEC) and lists the lots the event serves for
that company: lot, site and commune, insertion hours under the clause (its share, and what is not
delivered yet) and work window. The calendar part is the event's (same UID, SEQUENCE as for the
candidates: ``clauses.messages.calendar``); the attendee is the company's contact address.

Links carry an opaque token per message (``clauses.messages.links``) on the employers' own pages:

    {public_url}/entreprise/{token}/oui             "Nous venons"
    {public_url}/entreprise/{token}/non             "Nous ne pourrons pas venir"
    {public_url}/entreprise/desinscription/{token}  unsubscribe (List-Unsubscribe, RFC 8058)
"""

from __future__ import annotations

import datetime as dt

from babel.numbers import format_decimal
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clauses import french
from clauses.config import Config
from clauses.messages import links
from clauses.messages.calendar import build_calendar, describe
from clauses.messages.mime import Outgoing
from clauses.messages.render import environment, event_values, french_datetime, one_line
from clauses.outreach.employers import CANCELLATION, INVITATION, ServedLot, served_lots
from clauses.storage.companies import Company
from clauses.storage.employers import CompanyContact
from clauses.storage.outreach import Message, Participation
from clauses.storage.planning import Event

CALENDAR_METHOD = {INVITATION: "REQUEST", CANCELLATION: "CANCEL"}
SUBJECTS = {
    INVITATION: "Invitation : {title}, le {date}",
    "update": "Changement : {title}, le {date}",
    CANCELLATION: "Annulation : {title} du {date}",
}


def links_for(base: str, token: str) -> links.Links:
    """A company's answer and unsubscribe links (the candidates' ``Links``, under /entreprise)."""
    return links.Links(f"{base}/entreprise/{token}/oui", f"{base}/entreprise/{token}/non",
                       f"{base}/entreprise/desinscription/{token}")


def hours_fr(value: float) -> str:
    """'1 250 h', '596 h', '7,5 h': whole hours from 10 on (the hours owed are estimates: « 596,3 h »
    claimed a precision they do not have), one decimal below."""
    shown = round(value) if abs(value) >= 10 else round(value, 1)
    return f"{format_decimal(shown, '#,##0.#', locale=french.LOCALE)}\u00a0h"


def lot_values(lot: ServedLot) -> dict:
    return {
        "name": one_line(lot.name), "operation": one_line(lot.operation), "commune": one_line(lot.commune),
        "hours": hours_fr(lot.hours), "owed": hours_fr(lot.owed),
        "window": f"du {french.day_long(lot.start)} au {french.day_long(lot.end)}",
    }


def completers(session: Session, event: Event) -> int:
    """People who finished a POEC cohort (or a discovery) leading to this recruitment event."""
    return session.scalar(
        select(func.count(func.distinct(Participation.candidate_id)))
        .join(Event, Event.id == Participation.event_id)
        .where(Event.hiring_event_id == event.id, Participation.status == "completed")
    ) or 0


def render_employer(kind: str, values: dict, templates_dir: str | None = None) -> tuple[str, str]:
    env = environment(templates_dir)
    return (env.get_template(f"email/{kind}.txt").render(values),
            env.get_template(f"email/{kind}.html").render(values))


def employer_values(*, kind: str, update: bool, company_name: str, contact_name: str | None, event: dict,
                    lots: list[dict], total_owed: str, candidates: int, completed: int, urls: links.Links,
                    contact: dict) -> dict:
    subject_kind = "update" if update and kind == INVITATION else kind
    subject = one_line(SUBJECTS[subject_kind].format(title=event["title"], date=french_datetime(event["start"])))
    return {
        "kind": kind, "is_update": update, "subject": subject,
        "company_name": one_line(company_name), "contact_name": one_line(contact_name or ""),
        "event": event, "lots": lots, "total_owed": total_owed, "candidates": candidates, "completed": completed,
        "answer_yes_url": urls.yes_url, "answer_no_url": urls.no_url, "optout_url": urls.unsubscribe_url,
        "contact": {k: one_line(v) for k, v in contact.items()},
    }


def compose_employers(session: Session, config: Config, messages: list[Message], refs, *, now: dt.datetime,
                      contact: dict) -> dict[int, Outgoing | str]:
    """The ``Outgoing`` of each employer message, or the reason it must not leave."""
    companies = {c.id: c for c in session.scalars(select(Company).where(Company.id.in_({m.company_id for m in messages})))}
    contacts = {c.company_id: c for c in session.scalars(select(CompanyContact).where(
        CompanyContact.company_id.in_({m.company_id for m in messages})))}
    events = {e.id: e for e in session.scalars(select(Event).where(Event.id.in_({m.event_id for m in messages if m.event_id})))}
    out: dict[int, Outgoing | str] = {}
    sendable: list[Message] = []
    for message in messages:
        contact_row, event = contacts.get(message.company_id), events.get(message.event_id)
        if message.company_id not in companies or contact_row is None or not contact_row.can_be_contacted:
            out[message.id] = "not_contactable"
        elif event is None:
            out[message.id] = "no_event"
        elif event.status == "cancelled" and message.kind != CANCELLATION:
            out[message.id] = "event_cancelled"
        else:
            sendable.append(message)
    tokens = links.mint(session, [m.id for m in sendable])
    base = links.public_url(config)
    sender = config.messaging.sender
    per_event: dict[int, tuple[dict, dict[int, list[ServedLot]], int]] = {}
    first_versions = {(c, e): v for c, e, v in session.execute(
        select(Message.company_id, Message.event_id, func.min(Message.event_sequence))
        .where(Message.kind == INVITATION, Message.company_id.in_({m.company_id for m in sendable}))
        .group_by(Message.company_id, Message.event_id))} if sendable else {}
    for message in sendable:
        event, company, contact_row = events[message.event_id], companies[message.company_id], contacts[message.company_id]
        if event.id not in per_event:
            info = refs.event_info(event)
            per_event[event.id] = (info, served_lots(session, config, event), completers(session, event))
        info, lots_by_company, completed = per_event[event.id]
        lots = lots_by_company.get(company.id, [])
        first = first_versions.get((company.id, event.id))
        values = employer_values(
            kind=message.kind, update=first is not None and message.event_sequence > first,
            company_name=company.name or f"{company.identifier_type} {company.identifier}",
            contact_name=contact_row.name, event=event_values(info), lots=[lot_values(lot) for lot in lots],
            total_owed=hours_fr(sum(lot.owed for lot in lots)), candidates=event.capacity, completed=completed,
            urls=links_for(base, tokens[message.id]), contact=contact)
        text, html = render_employer(message.kind, values)
        method = CALENDAR_METHOD[message.kind]
        attendee = contact_row.name or company.name or company.identifier
        ics = build_calendar(info, method=method, organizer_email=sender.organizer_email,
                             organizer_name=sender.organizer_name, attendee_email=contact_row.email,
                             attendee_name=attendee, stamp=now,
                             alarm_minutes_before=config.outreach.alarm_minutes_before,
                             description=describe(info, contact))
        out[message.id] = Outgoing(
            public_id=message.public_id, kind=message.kind, to_email=contact_row.email, to_name=one_line(attendee),
            from_email=sender.from_email, from_name=sender.from_name, reply_to_email=sender.organizer_email,
            reply_to_name=sender.organizer_name, subject=values["subject"], text=text, html=html,
            unsubscribe_url=values["optout_url"], ics=ics, ics_method=method, categories=(message.kind,),
        )
    return out
