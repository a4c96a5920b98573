"""Dates and times as people read them here: French words, Europe/Paris time.

One place for the formats so that an email, a calendar feed and a report say the same thing the
same way: "mardi 3 mars 2026 à 9 h 00".
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

PARIS = ZoneInfo("Europe/Paris")
LOCALE = "fr_FR"


def _aware(moment: dt.datetime) -> dt.datetime:
    """Naive datetimes in this project are UTC (see ``clauses.storage.base.UTCDateTime``)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


@lru_cache(maxsize=1024)
def datetime_long(moment: dt.datetime) -> str:
    """'mardi 3 mars 2026 à 9 h 00'."""
    return format_datetime(_aware(moment), "EEEE d MMMM y 'à' H 'h' mm", locale=LOCALE, tzinfo=PARIS)


@lru_cache(maxsize=1024)
def date_long(moment: dt.datetime) -> str:
    """'mardi 3 mars 2026'."""
    return format_datetime(_aware(moment), "EEEE d MMMM y", locale=LOCALE, tzinfo=PARIS)


@lru_cache(maxsize=1024)
def time_of_day(moment: dt.datetime) -> str:
    """'9 h 00'."""
    return format_datetime(_aware(moment), "H 'h' mm", locale=LOCALE, tzinfo=PARIS)


def _day_of_month(moment: dt.datetime) -> str:
    """'1er' on the first of the month, the number otherwise (French usage)."""
    day = _aware(moment).astimezone(PARIS).day
    return "1er" if day == 1 else str(day)


@lru_cache(maxsize=1024)
def datetime_listed(moment: dt.datetime) -> str:
    """'lundi 7 décembre 2026, 9 h 00': an event in a list (``clauses plan show``). ``clauses plan
    move`` reads this form back (``clauses.planning.edits.parse_when``)."""
    aware = _aware(moment)
    weekday = format_datetime(aware, "EEEE", locale=LOCALE, tzinfo=PARIS)
    rest = format_datetime(aware, "MMMM y, H 'h' mm", locale=LOCALE, tzinfo=PARIS)
    return f"{weekday} {_day_of_month(aware)} {rest}"


def percent(value: float) -> str:
    """'12,3 %' (French decimal comma and the space before %)."""
    from babel.numbers import format_percent

    return format_percent(value, "#,##0.0 %", locale=LOCALE)
