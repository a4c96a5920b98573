"""The approved plan for partners: a CSV table and an iCalendar feed (one VEVENT per event,
stable UID, SEQUENCE raised on every change, French text, times in UTC). A discovery names the POEC
cohort it recruits for (CSV: the cohort's uid; calendar: its start date)."""

from __future__ import annotations

import csv
import datetime as dt
import io

from icalendar import Calendar
from icalendar import Event as IcsEvent

from clauses import french
from clauses.config import Config
from clauses.planning.result import PARIS
from clauses.planning.store import UID_DOMAIN
from clauses.storage.planning import Event

KIND_FR = {"discovery": "Découverte métier", "poec": "POEC", "information_session": "Réunion d'information"}
STATUS_FR = {"scheduled": "prévu", "moved": "déplacé", "cancelled": "annulé", "held": "tenu"}
CSV_COLUMNS = [
    "uid", "sequence", "type", "metier", "partenaire", "lieu", "debut", "fin", "places",
    "invitations_visees", "statut", "recrute_pour_uid",
]


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def french_datetime(moment: dt.datetime) -> str:
    return french.datetime_long(_aware(moment))


def _labels(config: Config, event: Event) -> tuple[str, str, str, str]:
    trade = config.trade(event.trade_key).label
    partner = next((p for p in config.partners if p.key == event.partner_key), None)
    venue = next((v for _, v in config.venues() if v.key == event.venue_key), None)
    partner_name = partner.name if partner else event.partner_key
    location = f"{venue.name}, {venue.address}" if venue else f"{partner_name} (lieu à préciser)"
    return trade, partner_name, venue.name if venue else "", location


def to_csv(config: Config, events: list[Event]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for event in sorted(events, key=lambda e: (_aware(e.start), e.id)):
        trade, partner, venue, _ = _labels(config, event)
        writer.writerow([
            event.uid, event.sequence, KIND_FR.get(event.kind, event.kind), trade, partner, venue,
            _aware(event.start).astimezone(PARIS).isoformat(), _aware(event.end).astimezone(PARIS).isoformat(),
            event.capacity, event.target_invitations, STATUS_FR.get(event.status, event.status),
            event.recruits_for.uid if event.recruits_for is not None else "",
        ])
    return out.getvalue()


def to_ics(config: Config, events: list[Event], *, name: str = "Plan des découvertes et POEC") -> bytes:
    """An iCalendar feed. DTSTAMP is the event's last change, so the same data gives the same bytes."""
    calendar = Calendar.new(
        prodid="-//Clermont Auvergne Métropole//clauses//FR", name=name, uid=f"plan@{UID_DOMAIN}"
    )
    for event in sorted(events, key=lambda e: (_aware(e.start), e.id)):
        trade, partner, _, location = _labels(config, event)
        kind = KIND_FR.get(event.kind, event.kind)
        summary = f"{kind} – {trade}"
        if event.status == "cancelled":
            summary = f"ANNULÉ : {summary}"
        description = (
            f"{kind} « {trade} » organisée par {partner}.\n"
            f"Du {french_datetime(event.start)} au {french_datetime(event.end)}.\n"
            f"Places : {event.capacity}. Invitations prévues : {event.target_invitations}."
        )
        if event.recruits_for is not None:
            description += (
                f"\nRecrute pour la POEC « {trade} » qui commence le {french.date_long(event.recruits_for.start)}."
            )
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
