"""The approved plan for partners: a table (CSV with ``;`` and BOM, and the same as XLSX, through
``clauses.exports``) and an iCalendar feed (one VEVENT per event, stable UID, SEQUENCE raised on
every change, French text, times in UTC). Each event carries its number, the one a coordinator
sees in ``plan show`` and gives to ``plan move`` or ``attendance sheet``; dates and times are
written as everywhere else ("07/12/2026", "9 h 00", Paris time). A discovery names the POEC cohort
it recruits for (table: the cohort's number; calendar: its start date)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from icalendar import Calendar
from icalendar import Event as IcsEvent

from clauses import french
from clauses.config import Config
from clauses.exports import csv_text
from clauses.planning.store import UID_DOMAIN
from clauses.storage.planning import Event
from clauses.french import EVENT_KIND_LABELS, EVENT_KIND_NOUNS, EVENT_STATUS_LABELS

COLUMNS = [
    "N° événement", "Type", "Métier", "Partenaire", "Lieu", "Adresse", "Date de début", "Heure de début",
    "Date de fin", "Heure de fin", "Places", "Invitations prévues", "Statut", "Recrute pour l'événement n°",
    "Rencontre de recrutement n°", "Entreprises accueillies", "Version", "Identifiant calendrier (UID)",
]
LINK_COLUMNS = ("Recrute pour l'événement n°", "Rencontre de recrutement n°", "Entreprises accueillies")


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def _labels(config: Config, event: Event) -> tuple[str, str, str, str, str]:
    """The event's trade, partner (as a name, then in a sentence, with its article), venue and
    location."""
    trade = config.trade(event.trade_key).label
    partner = next((p for p in config.partners if p.key == event.partner_key), None)
    venue = next((v for _, v in config.venues() if v.key == event.venue_key), None)
    partner_name = partner.name if partner else event.partner_key
    in_sentence = partner.in_sentence if partner else event.partner_key
    location = f"{venue.name}, {venue.address}" if venue else f"{partner_name} (lieu à préciser)"
    return trade, partner_name, in_sentence, venue.name if venue else "", location


def table(config: Config, events: list[Event]) -> pd.DataFrame:
    """One line per event, by start, with French headers (``COLUMNS``)."""
    rows = []
    for event in sorted(events, key=lambda e: (_aware(e.start), e.id)):
        trade, partner, _, venue, _ = _labels(config, event)
        address = next((v.address for _, v in config.venues() if v.key == event.venue_key), "")
        start, end = _aware(event.start), _aware(event.end)
        rows.append([
            event.id, EVENT_KIND_LABELS.get(event.kind, event.kind), trade, partner, venue or "à préciser", address,
            french.date_short(start), french.time_of_day(start), french.date_short(end), french.time_of_day(end),
            event.capacity, event.target_invitations, EVENT_STATUS_LABELS.get(event.status, event.status),
            event.recruits_for.id if event.recruits_for is not None else None,
            event.hiring_event_id, event.employer_capacity, event.sequence, event.uid,
        ])
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for column in LINK_COLUMNS:
        frame[column] = frame[column].astype("Int64")
    return frame


def to_csv(config: Config, events: list[Event]) -> str:
    """The table as CSV text (``;``; the file written by ``export_approved`` starts with a BOM)."""
    return csv_text(table(config, events))


def to_ics(config: Config, events: list[Event], *, name: str = "Plan des événements : réunions d'information, découvertes, POEC, recrutement") -> bytes:
    """An iCalendar feed. DTSTAMP is the event's last change, so the same data gives the same bytes."""
    calendar = Calendar.new(
        prodid="-//Clermont Auvergne Métropole//clauses//FR", name=name, uid=f"plan@{UID_DOMAIN}"
    )
    for event in sorted(events, key=lambda e: (_aware(e.start), e.id)):
        trade, _, partner, _, location = _labels(config, event)
        kind = EVENT_KIND_LABELS.get(event.kind, event.kind)
        summary = f"{kind} – {trade}"
        if event.status == "cancelled":
            summary = f"ANNULÉ : {summary}"
        when = french.span(event.start, event.end)
        description = (
            f"{kind} « {trade} » organisée par {partner}.\n"
            f"{when[:1].upper()}{when[1:]}.\n"
            f"Places : {event.capacity}. Invitations prévues : {event.target_invitations}."
        )
        if event.recruits_for is not None:
            target = event.recruits_for
            description += (
                f"\nRecrute pour la {EVENT_KIND_NOUNS[target.kind][0]} « {trade} » qui commence le "
                f"{french.date_long(target.start)}."
            )
        if event.hiring_event is not None:
            description += (
                f"\nLes candidats rencontrent les entreprises le {french.date_long(event.hiring_event.start)} "
                f"(rencontre de recrutement n° {event.hiring_event.id})."
            )
        if event.kind == "recruitment" and event.employer_capacity:
            description += f"\nEntreprises accueillies : {event.employer_capacity}."
        vevent = IcsEvent.new(
            uid=event.uid,
            stamp=_aware(event.updated_at or event.created_at).astimezone(dt.timezone.utc),
            start=_aware(event.start).astimezone(dt.timezone.utc),
            end=_aware(event.end).astimezone(dt.timezone.utc),
            summary=summary,
            description=description,
            location=location,
            sequence=event.sequence,
            status="CANCELLED" if event.status == "cancelled" else "CONFIRMED",
        )
        calendar.add_component(vevent)
    return calendar.to_ical()
