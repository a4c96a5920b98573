"""Calendar invitations (RFC 5545 / iTIP RFC 5546) for invitations, updates and cancellations.

- ``METHOD:REQUEST`` (invitation, update) or ``METHOD:CANCEL`` with ``STATUS:CANCELLED``.
- ORGANIZER is the facilitators' mailbox (RSVP replies go there, never a no-reply address); the
  candidate is the ATTENDEE with ``RSVP=TRUE;PARTSTAT=NEEDS-ACTION``.
- One stable UID per event (``events.uid``), SEQUENCE = the event's sequence (raised by every move or
  cancellation), DTSTAMP = when the message is built (passed in: reproducible output).
- Times are written in UTC (``…Z``), converted from the event's aware datetimes: right in
  Europe/Paris across summer time, with no VTIMEZONE for clients to misread.
- A display alarm before the event (configurable; not on cancellations).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from icalendar import Alarm, Calendar, Event, vCalAddress
from icalendar.parser import Contentline

from clauses.messages.render import EventInfo, one_line

PRODID = "-//Clermont Métropole//clauses-insertion//FR"


def build_calendar(
    event: EventInfo,
    *,
    method: str,
    organizer_email: str,
    organizer_name: str,
    attendee_email: str,
    attendee_name: str,
    stamp: dt.datetime,
    alarm_minutes_before: int | None = 1440,
    description: str = "",
) -> bytes:
    """The .ics bytes of one event for one attendee.

    The calendar of an event is built once per (event, method, stamp) and each attendee's line is
    then put in place: invitations to 10,000 people do not rebuild 10,000 calendars. The result is
    byte-for-byte what ``build_single`` gives."""
    template = _cached(event, method, organizer_email, organizer_name, stamp, alarm_minutes_before, description)
    return template.replace(_PLACEHOLDER_LINE, _attendee_line(attendee_email, attendee_name))


def describe(event: EventInfo, contact: dict[str, str]) -> str:
    """What the calendar entry says beyond its title, place and time, the same for every invitee of
    an event (the calendar is built once per event): what it is, who organises it, whom to call.
    Opened from a phone's calendar the day before, the entry said nothing else."""
    title = event.title[:1].upper() + event.title[1:]
    reach = " – ".join(one_line(contact[k]) for k in ("name", "phone", "email") if contact.get(k))
    return f"{title}, organisée par {event.organiser}.\nUn empêchement, une question : {reach}."


_PLACEHOLDER = ("attendee@placeholder.invalid", "PLACEHOLDER")


@lru_cache(maxsize=64)
def _cached(event, method, organizer_email, organizer_name, stamp, alarm_minutes_before, description) -> bytes:
    return build_single(
        event, method=method, organizer_email=organizer_email, organizer_name=organizer_name,
        attendee_email=_PLACEHOLDER[0], attendee_name=_PLACEHOLDER[1], stamp=stamp,
        alarm_minutes_before=alarm_minutes_before, description=description,
    )


def _attendee_vcal(email: str, name: str) -> vCalAddress:
    return vCalAddress.new(email, cn=one_line(name), role="REQ-PARTICIPANT", partstat="NEEDS-ACTION", rsvp=True)


def _attendee_line(email: str, name: str) -> bytes:
    """The (folded) ATTENDEE content line, exactly as ``Event.to_ical`` writes it."""
    attendee = _attendee_vcal(email, name)
    line = str(Contentline.from_parts("ATTENDEE", attendee.params, attendee, sorted=True))
    return _fold(line.encode("utf-8"))


def _fold(data: bytes, limit: int = 75) -> bytes:
    """icalendar's folding of one UTF-8 content line, byte for byte, by slices (icalendar walks it
    character by character): pieces under ``limit`` octets, never cut inside a character, and a
    TEXT or parameter escape character (``\\`` or ``^``) never ends a piece."""
    pieces = []
    pos = 0
    n = len(data)
    while n - pos >= limit:
        end = pos + limit - 1
        while 0x80 <= data[end] < 0xC0:  # a continuation byte: cut before its character
            end -= 1
        if end - pos > 1 and data[end - 1] in b"\\^":
            end -= 1
        pieces.append(data[pos:end])
        pos = end
    pieces.append(data[pos:])
    return b"\r\n ".join(pieces)


_PLACEHOLDER_LINE = _attendee_line(*_PLACEHOLDER)


def build_single(
    event: EventInfo,
    *,
    method: str,
    organizer_email: str,
    organizer_name: str,
    attendee_email: str,
    attendee_name: str,
    stamp: dt.datetime,
    alarm_minutes_before: int | None = 1440,
    description: str = "",
) -> bytes:
    """The .ics bytes of one event for one attendee, built from scratch."""
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"unsupported calendar method {method!r}")
    utc = dt.timezone.utc
    organizer = vCalAddress.new(organizer_email, cn=one_line(organizer_name))
    attendee = _attendee_vcal(attendee_email, attendee_name)
    location = ", ".join(p for p in (one_line(event.place_name), one_line(event.place_address)) if p)
    summary = f"{event.kind_label[:1].upper()}{event.kind_label[1:]} – {one_line(event.trade_label)}"
    vevent = Event.new(
        uid=event.uid,
        sequence=event.sequence,
        stamp=stamp.astimezone(utc),
        start=event.start.astimezone(utc),
        end=event.end.astimezone(utc),
        summary=summary,
        location=location,
        description=description or None,
        organizer=organizer,
        attendees=[attendee],
        status="CANCELLED" if method == "CANCEL" else "CONFIRMED",
    )
    if method == "REQUEST" and alarm_minutes_before:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", summary)
        alarm.add("trigger", dt.timedelta(minutes=-alarm_minutes_before))
        vevent.add_component(alarm)
    # A stable calendar UID too (icalendar would draw a random one): reproducible bytes.
    calendar = Calendar.new(prodid=PRODID, method=method, uid=f"{event.uid}/{event.sequence}", subcomponents=[vevent])
    return calendar.to_ical()
