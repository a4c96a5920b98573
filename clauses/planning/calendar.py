"""Which days an event can take place: partner and venue weekdays, blackouts, public holidays
(France), zone A school holidays and the summer closure, each configurable per event kind.

The solver works in weeks (week 0 is the Monday of the plan's first week); this module answers the
day-level questions for a given week, deterministically (always the earliest allowed day first).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable

import holidays as holidays_lib
from vacances_scolaires_france import SchoolHolidayDates, UnsupportedYearException

from clauses.config.partners import Blackout, Partner, Venue
from clauses.config.planning import Calendars, CalendarRules

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@functools.cache
def _school_holidays() -> SchoolHolidayDates:
    """The school-holiday tables, loaded once (a quarter of a second each time: a 5-year rolling
    plan builds ten calendars)."""
    return SchoolHolidayDates()


def _in_blackouts(day: dt.date, blackouts: Iterable[Blackout]) -> bool:
    return any(b.start <= day <= b.end for b in blackouts)


class PlanningCalendar:
    """Day-level availability over ``weeks`` weeks starting on the Monday ``start``."""

    def __init__(self, start: dt.date, weeks: int, calendars: Calendars) -> None:
        if start.weekday() != 0:
            raise ValueError(f"a planning calendar starts on a Monday, not {start}")
        self.start = start
        self.weeks = weeks
        self.rules = calendars
        years = range(start.year, (start + dt.timedelta(weeks=weeks)).year + 2)
        self._public = holidays_lib.France(years=list(years), language="fr")
        self._school = _school_holidays()
        # Years the school-holiday package does not know yet: treated as term time, and said so.
        self.unknown_school_years: set[int] = set()
        self._day_cache: dict[tuple[int, str, str], list[dt.date]] = {}
        self._partner_days: dict[tuple[int, str], list[dt.date]] = {}

    def week_monday(self, week: int) -> dt.date:
        return self.start + dt.timedelta(weeks=week)

    def week_of(self, day: dt.date) -> int:
        return (monday_of(day) - self.start).days // 7

    def days_of_week(self, week: int) -> list[dt.date]:
        monday = self.week_monday(week)
        return [monday + dt.timedelta(days=i) for i in range(7)]

    def public_holiday(self, day: dt.date) -> str | None:
        return self._public.get(day)

    def school_holiday(self, day: dt.date) -> bool:
        try:
            return bool(self._school.is_holiday_for_zone(day, self.rules.school_zone))
        except UnsupportedYearException:
            self.unknown_school_years.add(day.year)
            return False

    def closed(self, day: dt.date) -> bool:
        return day.month in self.rules.closed_months

    def _rules(self, kind: str) -> CalendarRules:
        return self.rules.poec if kind == "poec" else self.rules.discovery

    def day_allowed(self, day: dt.date, kind: str) -> bool:
        """Calendar rules only (no partner or venue): holidays, school holidays, closure."""
        rules = self._rules(kind)
        if rules.avoid_public_holidays and self.public_holiday(day):
            return False
        if rules.avoid_school_holidays and self.school_holiday(day):
            return False
        return not self.closed(day)

    # -- discoveries ------------------------------------------------------------------------

    def discovery_days(self, week: int, partner: Partner, venue: Venue) -> list[dt.date]:
        """Days of ``week`` on which ``partner`` can hold a discovery at ``venue``."""
        key = (week, partner.key, venue.key)
        cached = self._day_cache.get(key)
        if cached is not None:
            return cached
        out = [
            day
            for day in self.days_of_week(week)
            if WEEKDAYS[day.weekday()] in partner.weekdays
            and WEEKDAYS[day.weekday()] in venue.weekdays
            and not _in_blackouts(day, partner.blackouts)
            and not _in_blackouts(day, venue.blackouts)
            and self.day_allowed(day, "discovery")
        ]
        self._day_cache[key] = out
        return out

    def partner_days(self, week: int, partner: Partner) -> list[dt.date]:
        """Working days of ``partner`` in ``week``: its weekdays outside its blackouts."""
        key = (week, partner.key)
        if key not in self._partner_days:
            self._partner_days[key] = [
                day
                for day in self.days_of_week(week)
                if WEEKDAYS[day.weekday()] in partner.weekdays and not _in_blackouts(day, partner.blackouts)
            ]
        return self._partner_days[key]

    # -- cohorts ----------------------------------------------------------------------------

    def cohort_days(
        self, week: int, duration_weeks: int, partner: Partner, venue: Venue | None
    ) -> tuple[dt.date, dt.date] | None:
        """First and last day of a cohort starting in ``week``, or None when it cannot start then.

        It starts on the first allowed weekday of the week (Monday unless a holiday), ends on the
        Friday of its last week, and touches no blackout of the partner or the venue."""
        last = self.week_monday(week + duration_weeks - 1) + dt.timedelta(days=4)
        first = None
        for day in self.days_of_week(week)[:5]:
            if WEEKDAYS[day.weekday()] in partner.weekdays and self.day_allowed(day, "poec"):
                first = day
                break
        if first is None:
            return None
        blackouts = list(partner.blackouts) + (list(venue.blackouts) if venue else [])
        if any(b.start <= last and first <= b.end for b in blackouts):
            return None
        return first, last
