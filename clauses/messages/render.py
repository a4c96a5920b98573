"""Render a message (subject, text, HTML) from the Jinja2 templates in ``templates/email/``.

- HTML templates escape everything they print (autoescape); text templates do not, but every value
  that comes from a person (names) is flattened to one line first, and the subject is stripped of
  CR/LF, so a name with markup or line breaks changes neither the HTML nor a header.
- Dates are French and in Europe/Paris: "mardi 3 mars 2026 à 9 h 00" (Babel).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from clauses import settings

PARIS = ZoneInfo("Europe/Paris")
KINDS = (
    "invitation",
    "reminder",
    "update",
    "cancellation",
    "thanks",
    "missed_you",
    "poec_offer",
    "outcome_request",
)
# Kinds that carry a calendar invitation, and its METHOD.
CALENDAR_METHOD = {"invitation": "REQUEST", "update": "REQUEST", "cancellation": "CANCEL"}

EVENT_KIND_LABELS = {
    "discovery": "découverte métiers",
    "information_session": "réunion d'information",
    "poec": "préparation opérationnelle à l'emploi (POEC)",
}

SUBJECTS = {
    "invitation": "Invitation : {event_label} {trade} le {date}",
    "reminder": "Rappel : {event_label} {trade} le {date}",
    "update": "Changement : {event_label} {trade}, nouvelle date le {date}",
    "cancellation": "Annulation : {event_label} {trade} du {date}",
    "thanks": "Merci de votre venue : {event_label} {trade}",
    "missed_you": "Nous vous attendions : {event_label} {trade}",
    "poec_offer": "Une formation POEC {trade} vous est proposée",
    "outcome_request": "Où en êtes-vous après la POEC {trade} ?",
}

_LINE_BREAKS = re.compile(r"[\r\n\t\v\f\u0085\u2028\u2029]+")
_SPACES = re.compile(r"\s+")


def one_line(value: Any) -> str:
    """A value safe for a header or a single line: no CR/LF or other line breaks, spaces collapsed."""
    if value is None:
        return ""
    return _SPACES.sub(" ", _LINE_BREAKS.sub(" ", str(value))).strip()


def french_datetime(value: dt.datetime) -> str:
    """'mardi 3 mars 2026 à 9 h 00' in Europe/Paris."""
    return format_datetime(value, "EEEE d MMMM y 'à' H 'h' mm", locale="fr_FR", tzinfo=PARIS)


def french_date(value: dt.datetime) -> str:
    return format_datetime(value, "EEEE d MMMM y", locale="fr_FR", tzinfo=PARIS)


def french_time(value: dt.datetime) -> str:
    return format_datetime(value, "H 'h' mm", locale="fr_FR", tzinfo=PARIS)


@dataclass(frozen=True)
class EventInfo:
    """What a message says about an event (no database object: rendering is pure)."""

    kind: str
    trade_label: str
    start: dt.datetime
    end: dt.datetime
    place_name: str
    place_address: str
    partner_name: str
    uid: str = ""
    sequence: int = 0

    @property
    def kind_label(self) -> str:
        return EVENT_KIND_LABELS.get(self.kind, self.kind)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class MessageContext:
    kind: str
    first_name: str
    last_name: str
    event: EventInfo
    unsubscribe_url: str
    contact: dict[str, str]
    previous_start: dt.datetime | None = None  # update: the former date
    next_event: EventInfo | None = None  # missed_you: the next date; poec_offer: the cohort
    extra: dict[str, Any] = field(default_factory=dict)


@lru_cache(maxsize=4)
def environment(templates_dir: str | None = None) -> Environment:
    folder = Path(templates_dir) if templates_dir else settings.templates_dir()
    env = Environment(
        loader=FileSystemLoader(str(folder)),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["date_fr"] = french_datetime
    env.filters["day_fr"] = french_date
    env.filters["time_fr"] = french_time
    env.filters["one_line"] = one_line
    return env


def _event_dict(event: EventInfo | None) -> dict[str, Any] | None:
    if event is None:
        return None
    return {
        "kind": event.kind,
        "kind_label": event.kind_label,
        "trade": one_line(event.trade_label),
        "start": event.start,
        "end": event.end,
        "place_name": one_line(event.place_name),
        "place_address": one_line(event.place_address),
        "partner": one_line(event.partner_name),
    }


def subject_for(context: MessageContext) -> str:
    event = context.event
    target = context.next_event if context.kind == "poec_offer" and context.next_event else event
    return one_line(
        SUBJECTS[context.kind].format(
            event_label=event.kind_label,
            trade=one_line(target.trade_label),
            date=french_datetime(event.start),
        )
    )


def render(context: MessageContext, templates_dir: str | None = None) -> Rendered:
    if context.kind not in KINDS:
        raise ValueError(f"unknown message kind {context.kind!r}; expected one of {', '.join(KINDS)}")
    env = environment(templates_dir)
    values = {
        "kind": context.kind,
        "first_name": one_line(context.first_name),
        "last_name": one_line(context.last_name),
        "event": _event_dict(context.event),
        "next_event": _event_dict(context.next_event),
        "previous_start": context.previous_start,
        "unsubscribe_url": context.unsubscribe_url,
        "contact": {k: one_line(v) for k, v in context.contact.items()},
        "has_calendar": context.kind in CALENDAR_METHOD,
        **context.extra,
    }
    subject = subject_for(context)
    values["subject"] = subject
    text = env.get_template(f"email/{context.kind}.txt").render(values)
    html = env.get_template(f"email/{context.kind}.html").render(values)
    return Rendered(subject=subject, text=text, html=html)
