"""The coordinator's edits of planned events, from the command line (``clauses plan move``) or the
Prefect UI's approval form: read the new date and time, check the venue, then move or cancel through
``approval`` (so every edit raises the event's SEQUENCE and leaves an ``EventChange``).

Times a coordinator types without an offset are Europe/Paris wall-clock times: that is how every
date in the configuration, the emails and the calendars is meant. A date without a time keeps the
event's hours: "move it to the 10th" means the same half-day or the same training hours, on
another day.

Errors and warnings are French: the coordinator reads them on the command line and in the Prefect UI.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from clauses import french
from clauses.config import Config
from clauses.errors import ClausesError
from clauses.planning.approval import cancel_event, move_event
from clauses.planning.calendar import monday_of
from clauses.storage.base import utcnow
from clauses.storage.planning import Event, EventChange, Plan
from clauses.storage.reference_sync import sync_reference

PARIS = french.PARIS
EDITABLE_PLAN_STATUSES = ("draft", "approved")


class EditError(ClausesError):
    """An edit that cannot be made; nothing was changed. The message is French: the coordinator
    reads it on the command line and in the Prefect UI."""

    @property
    def french(self) -> str:
        return str(self)


def french_message(exc: Exception) -> str:
    return getattr(exc, "french", None) or str(exc)


class EventEdit(BaseModel):
    """One line of the approval form: an event of the plan to move, re-house, resize or cancel."""

    model_config = ConfigDict(
        title="Modification d'un événement",
        json_schema_extra={
            "description": "un événement du plan à déplacer, changer de lieu, redimensionner ou annuler"
        },
    )

    event_id: int = Field(gt=0, title="N° de l'événement", description="la colonne « N° » du tableau des événements")
    new_date: dt.date | None = Field(
        default=None, title="Nouvelle date de début", description="mêmes horaires et même durée, un autre jour"
    )
    # Plain text and number fields (no "or nothing" switch in the form): blank or 0 leaves it as it is.
    venue: str = Field(
        default="", title="Nouveau lieu",
        description="la clé du lieu, dans la liste des lieux sous le tableau ; vide : inchangé",
    )
    capacity: int = Field(default=0, ge=0, title="Nombre de places", description="0 : inchangé")
    cancel: bool = Field(default=False, title="Annuler cet événement")
    no_replacement: bool = Field(
        default=False, title="Annuler sans remplacement (rencontre de recrutement)",
        description="l'annuler, et les prochains plans n'en proposent pas d'autre à ses POEC (rencontre organisée "
        "hors de l'outil) ; vaut aussi pour une rencontre déjà annulée",
    )


@dataclass
class EditOutcome:
    event_id: int
    change: EventChange
    warnings: list[str] = field(default_factory=list)  # English, for the command line
    warnings_fr: list[str] = field(default_factory=list)  # French, for the Prefect UI


# --- reading a date and time -------------------------------------------------------------------

MONTHS_FR = {
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7, "aout": 8,
    "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
    # Babel's abbreviations, as the plan's tables print them ("23 févr. 2026").
    "janv": 1, "fevr": 2, "avr": 4, "juil": 7, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
WEEKDAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_TIME = r"(?:\s*(?:a\s*)?(?P<hour>\d{1,2})\s*(?:h|:)\s*(?P<minute>\d{2})?)?"
_NUMERIC_FR = re.compile(r"^(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>\d{4})" + _TIME + r"$")
_LONG_FR = re.compile(
    r"^(?:(?:" + "|".join(WEEKDAYS_FR) + r")\s+)?(?P<day>\d{1,2})(?:er)?\s+(?P<month>[a-z]+)\.?\s+(?P<year>\d{4})"
    + _TIME + r"$"
)
WHEN_FORMATS = (
    "« mardi 10 mars 2026, 9 h 30 » (comme l'affiche « clauses plan show »), 10/03/2026 9h30, "
    "10/03/2026 09:30, 2026-03-10 09:30, 2026-03-10T09:30+01:00, ou une date seule (10/03/2026, "
    "2026-03-10) pour garder les horaires de l'événement"
)


def _plain(text: str) -> str:
    # "lundi 7 décembre 2026, 9 h 00" (what ``clauses plan show`` prints): the comma is a separator.
    text = unicodedata.normalize("NFKD", text.strip().lower().replace(",", " "))
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())


def parse_when(text: str) -> dt.datetime | dt.date:
    """A moment the coordinator typed: an aware datetime, or a date alone (the event keeps its hours).

    ISO 8601 with or without an offset, ``dd/mm/yyyy [9h30]`` or ``[mardi] 10 mars 2026 [à 9 h 30]``.
    Without an offset the time is read in Europe/Paris."""
    raw = text.strip()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        pass
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError:
        moment = None
    if moment is not None:
        return moment if moment.tzinfo is not None else paris_time(moment.date(), moment.time(), raw)
    plain = _plain(raw)
    match = _NUMERIC_FR.match(plain)
    month: int | None = None
    if match:
        month = int(match["month"])
    else:
        match = _LONG_FR.match(plain)
        if match:
            month = MONTHS_FR.get(match["month"].rstrip("."))
    if match is None or month is None:
        raise EditError(
            f"date illisible : « {text} » ; formats acceptés : {WHEN_FORMATS}",
        )
    try:
        day = dt.date(int(match["year"]), month, int(match["day"]))
        if match["hour"] is None:
            return day
        at = dt.time(int(match["hour"]), int(match["minute"] or 0))
    except ValueError as exc:
        raise EditError(f"« {text} » n'est pas une date et une heure qui existent") from exc
    return paris_time(day, at, raw)


def paris_time(day: dt.date, at: dt.time, text: str | None = None) -> dt.datetime:
    """``day`` at ``at``, Europe/Paris wall clock, timezone-aware. The hour skipped or repeated when
    the clocks change is refused rather than guessed."""
    naive = dt.datetime.combine(day, at.replace(tzinfo=None))
    first = naive.replace(tzinfo=PARIS, fold=0)
    second = naive.replace(tzinfo=PARIS, fold=1)
    shown = text or naive.isoformat(sep=" ", timespec="minutes")
    if first.utcoffset() != second.utcoffset() or first.astimezone(dt.timezone.utc).astimezone(PARIS).replace(
        tzinfo=None
    ) != naive:
        raise EditError(
            f"« {shown} » n'existe pas ou est ambigu à Paris (changement d'heure) : donner le décalage, "
            "par exemple 2026-03-29T03:30+02:00",
        )
    return first


def wall_clock(moment: dt.datetime) -> dt.datetime:
    """Europe/Paris wall clock, naive (for arithmetic on wall-clock durations)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
    return aware.astimezone(PARIS).replace(tzinfo=None)


def shifted_to_day(start: dt.datetime, end: dt.datetime, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The same hours and the same wall-clock length, starting on ``day`` (a POEC from Monday 9:00
    to a Friday 17:00 ten weeks later stays Monday 9:00 → Friday 17:00)."""
    old_start, old_end = wall_clock(start), wall_clock(end)
    new_start = paris_time(day, old_start.time())
    return new_start, _paris(wall_clock(new_start) + (old_end - old_start))


def _paris(naive: dt.datetime) -> dt.datetime:
    return paris_time(naive.date(), naive.time())


def new_times(
    event: Event, start: dt.datetime | dt.date | None, end: dt.datetime | dt.date | None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The event's new start and end from what the coordinator gave (None: unchanged)."""
    if start is None and end is None:
        return None, None
    new_start = new_end = None
    if isinstance(start, dt.datetime):
        new_start = start
        new_end = _paris(wall_clock(start) + (wall_clock(event.end) - wall_clock(event.start)))
    elif isinstance(start, dt.date):
        new_start, new_end = shifted_to_day(event.start, event.end, start)
    if isinstance(end, dt.datetime):
        new_end = end
    elif isinstance(end, dt.date):
        new_end = paris_time(end, wall_clock(event.end).time())
    return new_start, new_end


# --- checks --------------------------------------------------------------------------------------


def editable_event(session: Session, event_id: int, *, plan_id: int | None = None) -> Event:
    event = session.get(Event, event_id)
    if event is None or (plan_id is not None and event.plan_id != plan_id):
        raise EditError(
            f"l'événement n° {event_id} n'existe pas" + (f" dans le plan n° {plan_id}" if plan_id is not None else "")
            + " (« clauses plan show NUMÉRO_DU_PLAN » liste les événements)",
        )
    if event.status == "cancelled":
        raise EditError(
            f"l'événement n° {event_id} est annulé : il ne peut plus être modifié (en prévoir un nouveau)",
        )
    if event.status == "held":
        raise EditError(
            f"l'événement n° {event_id} a déjà eu lieu",
        )
    plan = session.get(Plan, event.plan_id)
    if plan is not None and plan.status not in EDITABLE_PLAN_STATUSES:
        raise EditError(
            f"l'événement n° {event_id} appartient au plan n° {plan.id}, qui n'est plus en cours : seuls les "
            "événements d'un plan en brouillon ou approuvé se modifient",
        )
    return event


def check_venue(config: Config, venue_key: str, event: Event) -> tuple[list[str], list[str]]:
    """Refuse a venue the configuration does not know; warn (English, French) when it belongs to
    another partner."""
    venues = {venue.key: (partner, venue) for partner, venue in config.venues()}
    if venue_key not in venues:
        known = ", ".join(sorted(venues))
        raise EditError(
            f"lieu inconnu : « {venue_key} » (lieux connus : {known})",
        )
    partner, venue = venues[venue_key]
    if partner.key != event.partner_key:
        return (
            [f"venue {venue_key} belongs to {partner.name}, not to the event's partner: check they agree"],
            [f"le lieu {venue.name} appartient à {partner.name}, pas au partenaire de l'événement : à confirmer"],
        )
    return [], []


def _capacity_warnings(config: Config, event: Event) -> tuple[list[str], list[str]]:
    venue = next((v for _, v in config.venues() if v.key == event.venue_key), None)
    if venue is not None and event.capacity > venue.capacity:
        return (
            [f"{event.capacity} places exceed the {venue.capacity} of venue {venue.key} in config/partners.yaml"],
            [f"{event.capacity} places, plus que les {venue.capacity} du lieu {venue.name}"],
        )
    return [], []


def lead_time_warnings(config: Config, event: Event) -> tuple[list[str], list[str]]:
    """Discoveries must be held the trade's lead time before the cohort they recruit for
    (``poec.lead_weeks_after_discovery`` in config/trades.yaml, counted in weeks as the planner does)."""
    if event.kind == "poec":
        pairs = [(d, event) for d in event.recruited_by if d.kind == "discovery" and d.status != "cancelled"]
    elif event.kind == "discovery" and event.recruits_for is not None and event.recruits_for.status != "cancelled":
        pairs = [(event, event.recruits_for)]
    else:
        return [], []
    warnings: list[str] = []
    warnings_fr: list[str] = []
    for discovery, cohort in pairs:
        trade = config.find_trade(cohort.trade_key)
        if trade is None:
            continue
        lead = trade.poec.lead_weeks_after_discovery
        weeks = (monday_of(wall_clock(cohort.start).date()) - monday_of(wall_clock(discovery.start).date())).days // 7
        if weeks < lead + 1:
            warnings.append(
                f"discovery {discovery.id} ({_iso(discovery.start)}) recruits for cohort {cohort.id} "
                f"({_iso(cohort.start)}): {trade.label} needs {lead + 1} weeks between them, there are {weeks}"
            )
            warnings_fr.append(
                f"la découverte n° {discovery.id} ({french.date_long(discovery.start)}) recrute pour la POEC "
                f"n° {cohort.id} ({french.date_long(cohort.start)}) : il faut {lead + 1} semaines entre les deux, "
                f"il y en a {weeks}"
            )
    return warnings, warnings_fr


# --- edits ---------------------------------------------------------------------------------------


def edit_event(
    session: Session,
    config: Config,
    event_id: int,
    *,
    start: dt.datetime | dt.date | None = None,
    end: dt.datetime | dt.date | None = None,
    venue_key: str | None = None,
    capacity: int | None = None,
    plan_id: int | None = None,
    origin: str = "coordinator",
) -> EditOutcome:
    """Move an event (dates, venue, capacity) after checking what the coordinator asked."""
    event = editable_event(session, event_id, plan_id=plan_id)
    warnings: list[str] = []
    warnings_fr: list[str] = []
    if capacity is not None and capacity <= 0:
        raise EditError("le nombre de places doit être positif")
    if venue_key is not None:
        w, w_fr = check_venue(config, venue_key, event)
        warnings += w
        warnings_fr += w_fr
        sync_reference(session, config)  # the venue row must exist for the foreign key
    new_start, new_end = new_times(event, start, end)
    if new_start is not None or new_end is not None:
        first = new_start or event.start
        last = new_end or event.end
        if last <= first:
            raise EditError(
                f"événement n° {event_id} : la fin ({french.datetime_long(last)}) doit suivre le début "
                f"({french.datetime_long(first)})",
            )
        if first < utcnow():
            warnings.append(f"the new start {_iso(first)} is in the past")
            warnings_fr.append(f"le nouveau début ({french.datetime_long(first)}) est déjà passé")
    unchanged = (
        (new_start is None or new_start == event.start)
        and (new_end is None or new_end == event.end)
        and (venue_key is None or venue_key == event.venue_key)
        and (capacity is None or capacity == event.capacity)
    )
    if unchanged:
        raise EditError(
            f"événement n° {event_id} : rien à modifier (les valeurs données sont déjà celles de l'événement)",
        )
    change = move_event(
        session, event_id, start=new_start, end=new_end, venue_key=venue_key, capacity=capacity, origin=origin
    )
    for w, w_fr in (_capacity_warnings(config, event), lead_time_warnings(config, event)):
        warnings += w
        warnings_fr += w_fr
    return EditOutcome(event_id, change, warnings, warnings_fr)


def cancel(
    session: Session, event_id: int, *, plan_id: int | None = None, origin: str = "coordinator", no_replacement: bool = False
) -> EditOutcome:
    """Cancel an event (a recruitment event ``no_replacement``: see ``cancel_event``); say which
    discoveries were recruiting for a cancelled cohort."""
    event = session.get(Event, event_id)
    if no_replacement and event is not None and event.status == "cancelled" and plan_id in (None, event.plan_id):
        # Cancelled already, perhaps in an earlier plan: only marked (``cancel_event``).
        return EditOutcome(event_id, cancel_event(session, event_id, origin=origin, no_replacement=True))
    event = editable_event(session, event_id, plan_id=plan_id)
    change = cancel_event(session, event_id, origin=origin, no_replacement=no_replacement)
    recruiting = [d.id for d in event.recruited_by if d.status != "cancelled"]
    if not recruiting:
        return EditOutcome(event_id, change)
    numbers = ", ".join(str(i) for i in recruiting)
    return EditOutcome(
        event_id, change,
        [f"discoveries {numbers} were recruiting for this cohort: cancel them or keep them for another cohort"],
        [f"les découvertes n° {numbers} recrutaient pour cette POEC : à annuler ou à garder pour une autre"],
    )


def apply_edits(
    session: Session, config: Config, plan_id: int, edits: list[EventEdit], *, origin: str = "prefect-ui"
) -> list[EditOutcome]:
    """The edits of the approval form, on events of ``plan_id``, all or none (the caller's
    transaction): a cancellation, or a move to another day, venue or number of places."""
    seen: set[int] = set()
    outcomes: list[EditOutcome] = []
    for edit in edits:
        if edit.event_id in seen:
            raise EditError(
                f"l'événement n° {edit.event_id} apparaît deux fois : une seule ligne par événement",
            )
        seen.add(edit.event_id)
        venue = edit.venue.strip() or None
        capacity = edit.capacity or None
        if edit.cancel or edit.no_replacement:
            if edit.new_date is not None or venue is not None or capacity is not None:
                raise EditError(
                    f"événement n° {edit.event_id} : l'annuler ou le modifier, pas les deux",
                )
            outcomes.append(cancel(session, edit.event_id, plan_id=plan_id, origin=origin, no_replacement=edit.no_replacement))
            continue
        outcomes.append(
            edit_event(
                session, config, edit.event_id, start=edit.new_date, venue_key=venue, capacity=capacity,
                plan_id=plan_id, origin=origin,
            )
        )
    return outcomes


def describe_fr(outcome: EditOutcome, venues: dict[str, str]) -> str:
    """One line for the coordinator: what changed, in French."""
    before, after = outcome.change.before, outcome.change.after
    number = f"n° {outcome.event_id}"
    if outcome.change.change == "cancelled":
        return f"{number} : annulé" + (", sans en proposer d'autre" if after.get("no_replacement") else "")
    parts = []
    moved = any(stored_moment(before[key]) != stored_moment(after[key]) for key in ("start", "end"))
    if moved:
        parts.append(
            f"déplacé du {french.datetime_long(stored_moment(before['start']))} "
            f"au {french.datetime_long(stored_moment(after['start']))}"
        )
    if before["venue_key"] != after["venue_key"]:
        parts.append(f"lieu : {venues.get(after['venue_key'], after['venue_key'])}")
    if before["capacity"] != after["capacity"]:
        parts.append(f"places : {before['capacity']} → {after['capacity']}")
    return f"{number} : " + " ; ".join(parts or ["modifié"])


def stored_moment(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def _iso(moment: dt.datetime) -> str:
    return wall_clock(moment).isoformat(sep=" ", timespec="minutes") + " Europe/Paris"
