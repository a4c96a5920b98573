"""Render a message (subject, text, HTML) from the Jinja2 templates in ``templates/email/``.

- HTML templates escape everything they print (autoescape); text templates do not, but every value
  that comes from a person (names) is flattened to one line first, and the subject is stripped of
  CR/LF, so a name with markup or line breaks changes neither the HTML nor a header.
- Rendering is done once per (kind, event, contact) with markers where the person's values go, then
  filled in per message (``_skeleton``): the same bytes as a full rendering. Only when the templates
  print the person's values plainly (``{{ first_name }}``: checked on their syntax tree, and each
  skeleton against full renderings with probe values); otherwise every message is rendered in full.
- Dates are French and in Europe/Paris: "mardi 3 mars 2026 à 9 h 00" (Babel; each distinct moment
  is formatted once per process, since all invitees of an event share its dates).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, nodes, select_autoescape
from markupsafe import escape

from clauses import french, settings
from clauses.typography import KeptTogether, kept_together_values

PARIS = french.PARIS
KINDS = (
    "invitation",
    "reminder",
    "update",
    "cancellation",
    "thanks",
    "missed_you",
    "poec_offer",
    "outcome_request",
    "waitlist_offer",
    "offer_expired",
)
# Kinds that carry a calendar invitation, and its METHOD.
CALENDAR_METHOD = {"invitation": "REQUEST", "update": "REQUEST", "cancellation": "CANCEL"}

EVENT_KIND_LABELS = {
    "discovery": "découverte métiers",
    "information_session": "réunion d'information",
    "poec": "préparation opérationnelle à l'emploi (POEC)",
    "recruitment": "rencontre de recrutement",
}
# What an event is called inside a sentence, after "la" or "une" (every kind is feminine):
# "la découverte du métier d'électricien du bâtiment".
EVENT_TITLES = {
    "discovery": "découverte du métier {de_trade}",
    "information_session": "réunion d'information sur le métier {de_trade}",
    "poec": "préparation opérationnelle à l'emploi (POEC) au métier {de_trade}",
    "recruitment": "rencontre de recrutement pour le métier {de_trade}",
}

SUBJECTS = {
    "invitation": "Invitation : {title}, le {date}",
    "reminder": "Rappel : {title}, le {date}",
    "update": "Changement : {title}, le {date}",
    "cancellation": "Annulation : {title} du {date}",
    "thanks": "Merci de votre venue : {title}",
    "missed_you": "Nous vous attendions : {title}",
    "poec_offer": "Une formation POEC au métier {target_de_trade} vous est proposée",
    "outcome_request": "Où en êtes-vous après la POEC au métier {target_de_trade} ?",
    "waitlist_offer": "Une place s’est libérée : {title}, le {date}",
    "offer_expired": "La place proposée n’est plus réservée : {title}",
}

_LINE_BREAKS = re.compile(r"[\r\n\t\v\f\u0085\u2028\u2029]+")
_SPACES = re.compile(r"\s+")


def one_line(value: Any) -> str:
    """A value safe for a header or a single line: no CR/LF or other line breaks, spaces collapsed."""
    if value is None:
        return ""
    return _SPACES.sub(" ", _LINE_BREAKS.sub(" ", str(value))).strip()


# The French formats live in ``clauses.french``; these names are the templates' filters.
french_datetime = french.datetime_long
french_date = french.date_long
french_time = french.time_of_day


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
    partner_in_sentence: str = ""  # « le GEIQ BTP 63 »; the name alone when empty
    uid: str = ""
    sequence: int = 0
    hours: int | None = None  # a POEC's hours of training (config/trades.yaml)

    @property
    def organiser(self) -> str:
        """The partner as a sentence names it: « le GEIQ BTP 63 », or its name alone."""
        return one_line(self.partner_in_sentence or self.partner_name)

    @property
    def kind_label(self) -> str:
        return EVENT_KIND_LABELS.get(self.kind, self.kind)

    @property
    def de_trade(self) -> str:
        """"d'électricien du bâtiment", "de peintre en bâtiment"."""
        return french.de(one_line(self.trade_label))

    @property
    def title(self) -> str:
        """"découverte du métier d'électricien du bâtiment"."""
        template = EVENT_TITLES.get(self.kind, self.kind_label + " {de_trade}")
        return template.format(de_trade=self.de_trade)

    @property
    def weeks(self) -> int:
        """The length in whole weeks (a POEC runs for weeks), at least one."""
        return max(1, round((self.end - self.start) / dt.timedelta(weeks=1)))


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
    # "Je viens" / "Je ne peux pas venir" links (kinds of ``links.ANSWER_KINDS``; empty otherwise).
    yes_url: str = ""
    no_url: str = ""
    previous_start: dt.datetime | None = None  # update: the former date
    previous_event: EventInfo | None = None  # update: the event as it was (date, times, venue)
    next_event: EventInfo | None = None  # missed_you: the next date; poec_offer: the cohort
    extra: dict[str, Any] = field(default_factory=dict)


@lru_cache(maxsize=4)
def environment(templates_dir: str | None = None) -> Environment:
    folder = Path(templates_dir) if templates_dir else settings.templates_dir()
    env = Environment(
        loader=FileSystemLoader(str(folder)),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        extensions=[KeptTogether],
        finalize=kept_together_values,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # templates are read once per process: no stat() per message
    )
    env.filters["date_fr"] = french_datetime
    env.filters["day_fr"] = french_date
    env.filters["time_fr"] = french_time
    env.filters["one_line"] = one_line
    return env


@lru_cache(maxsize=256)
def _event_dict(event: EventInfo | None) -> dict[str, Any] | None:
    """The template values of an event (cached: every invitee of an event shares them; templates
    only read them)."""
    return event_values(event)


def event_values(event: EventInfo | None) -> dict[str, Any] | None:
    if event is None:
        return None
    return {
        "kind": event.kind,
        "kind_label": event.kind_label,
        "trade": one_line(event.trade_label),
        "de_trade": event.de_trade,
        "title": event.title,
        "weeks": event.weeks,
        "hours": event.hours,
        "start": event.start,
        "end": event.end,
        "place_name": one_line(event.place_name),
        "place_address": one_line(event.place_address),
        "partner": one_line(event.partner_name),
        "partner_in_sentence": event.organiser,
    }


def subject_for(context: MessageContext) -> str:
    return _subject(context.kind, context.event, context.next_event)


@lru_cache(maxsize=256)
def _subject(kind: str, event: EventInfo, next_event: EventInfo | None) -> str:
    target = next_event if kind == "poec_offer" and next_event else event
    return one_line(
        SUBJECTS[kind].format(title=event.title, target_de_trade=target.de_trade, date=french_datetime(event.start))
    )


@lru_cache(maxsize=256)
def describe_changes(previous: EventInfo | None, current: EventInfo, previous_start: dt.datetime | None = None) -> tuple[str, ...]:
    """What changed for the person, one French sentence each: the day, the hours, the venue. When
    only the former start is known, the day and the start time; never an empty answer."""
    before_start = previous.start if previous else previous_start
    lines: list[str] = []
    if before_start is not None and french_date(before_start) != french_date(current.start):
        lines.append(f"Nouvelle date : {french_datetime(current.start)} (au lieu du {french_datetime(before_start)}).")
    if before_start is not None:
        before_end = previous.end if previous else before_start + (current.end - current.start)
        old = (french_time(before_start), french_time(before_end))
        new = (french_time(current.start), french_time(current.end))
        if old != new:
            lines.append(f"Nouvel horaire : de {new[0]} à {new[1]} (au lieu de {old[0]} à {old[1]}).")
    if previous is not None and (one_line(previous.place_name), one_line(previous.place_address)) != (
            one_line(current.place_name), one_line(current.place_address)):
        lines.append(f"Nouveau lieu : {one_line(current.place_name)}, {one_line(current.place_address)} "
                     f"(au lieu de {one_line(previous.place_name)}, {one_line(previous.place_address)}).")
    if previous is not None and one_line(previous.partner_name) != one_line(current.partner_name):
        lines.append(f"Nouvel organisateur : {one_line(current.partner_name)} (au lieu de {one_line(previous.partner_name)}).")
    if not lines:
        lines.append("Les informations pratiques ont été mises à jour ; la date, l'horaire et le lieu ne changent pas.")
    return tuple(lines)


@lru_cache(maxsize=16)
def _contact(items: tuple[tuple[str, Any], ...]) -> dict[str, str]:
    return {k: one_line(v) for k, v in items}


def _values(context: MessageContext, first_name: str, last_name: str, unsubscribe_url: str,
            yes_url: str = "", no_url: str = "") -> dict[str, Any]:
    values = {
        "kind": context.kind,
        "first_name": first_name,
        "last_name": last_name,
        "event": _event_dict(context.event),
        "next_event": _event_dict(context.next_event),
        "previous_start": context.previous_start,
        "changes": describe_changes(context.previous_event, context.event, context.previous_start)
        if context.kind == "update" else (),
        "unsubscribe_url": unsubscribe_url,
        "yes_url": yes_url,
        "no_url": no_url,
        "contact": _contact(tuple(context.contact.items())),
        "has_calendar": context.kind in CALENDAR_METHOD,
        **context.extra,
    }
    values["subject"] = subject_for(context)
    return values


def _render_templates(env: Environment, kind: str, values: dict[str, Any]) -> tuple[str, str]:
    text = env.get_template(f"email/{kind}.txt").render(values)
    html = env.get_template(f"email/{kind}.html").render(values)
    return text, html


# The person's values are printed as they are (``{{ first_name }}``) and nowhere else: a message is
# its event's rendering ("skeleton") with markers where they go, filled in per person. Markers are
# private-use characters that neither escaping nor ``one_line`` touches.
_PERSONAL = ("first_name", "last_name", "unsubscribe_url", "yes_url", "no_url")
_MARKERS = {name: f"\ue000{i}\ue001" for i, name in enumerate(_PERSONAL)}
_MARKER = re.compile("\ue000([0-9])\ue001")
_PROBES = (("Zoé", "<b>O'Hara & fils</b>", "https://example.org/u?m=1&x=<2>", "https://e.org/r/a&b/oui", "https://e.org/r/a<b/non"),
           ("A", "B", "u", "y", "n"))


def _fill(skeleton: str, values: tuple[str, ...]) -> str:
    return _MARKER.sub(lambda m: values[int(m.group(1))], skeleton)


def _personal(first_name: str, last_name: str, unsubscribe_url: str, yes_url: str = "",
              no_url: str = "") -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The person's values as the text and the HTML templates print them."""
    plain = (first_name, last_name, unsubscribe_url, yes_url, no_url)
    return plain, tuple(str(escape(v)) for v in plain)


@lru_cache(maxsize=4)
def _personal_values_printed_plainly(templates_dir: str | None) -> bool:
    """Whether every email template uses the person's values only as ``{{ name }}`` (no test, no
    filter, no assignment): the condition for filling a skeleton in."""
    env = environment(templates_dir)
    for name in env.list_templates(filter_func=lambda n: n.startswith("email/")):
        tree = env.parse(env.loader.get_source(env, name)[0])
        plain = {id(child) for output in tree.find_all(nodes.Output) for child in output.nodes
                 if isinstance(child, nodes.Name) and child.name in _PERSONAL}
        if any(node.name in _PERSONAL and id(node) not in plain for node in tree.find_all(nodes.Name)):
            return False
    return True


@lru_cache(maxsize=512)
def _skeleton(kind: str, event: EventInfo, next_event: EventInfo | None, previous_start: dt.datetime | None,
              previous_event: EventInfo | None, contact: tuple[tuple[str, str], ...], templates_dir: str | None) -> tuple[str, str] | None:
    """The text and HTML of this kind of message for this event with markers for the person's
    values, or None when the templates use those values otherwise than by printing them (checked
    against a full rendering with two sets of probe values)."""
    env = environment(templates_dir)
    context = MessageContext(kind=kind, first_name="", last_name="", event=event, unsubscribe_url="",
                             contact=dict(contact), previous_start=previous_start, next_event=next_event,
                             previous_event=previous_event)
    text, html = _render_templates(env, context.kind, _values(context, *(_MARKERS[n] for n in _PERSONAL)))
    for probe in _PROBES:
        plain, escaped = _personal(*probe)
        if _render_templates(env, context.kind, _values(context, *probe)) != (_fill(text, plain), _fill(html, escaped)):
            return None
    return text, html


def render(context: MessageContext, templates_dir: str | None = None) -> Rendered:
    if context.kind not in KINDS:
        raise ValueError(f"unknown message kind {context.kind!r}; expected one of {', '.join(KINDS)}")
    first_name, last_name = one_line(context.first_name), one_line(context.last_name)
    subject = subject_for(context)
    skeleton = None
    if not context.extra and _personal_values_printed_plainly(templates_dir):
        skeleton = _skeleton(context.kind, context.event, context.next_event, context.previous_start,
                             context.previous_event, tuple(context.contact.items()), templates_dir)
    if skeleton is not None:
        plain, escaped = _personal(first_name, last_name, context.unsubscribe_url, context.yes_url, context.no_url)
        return Rendered(subject=subject, text=_fill(skeleton[0], plain), html=_fill(skeleton[1], escaped))
    text, html = _render_templates(environment(templates_dir), context.kind,
                                   _values(context, first_name, last_name, context.unsubscribe_url,
                                           context.yes_url, context.no_url))
    return Rendered(subject=subject, text=text, html=html)
