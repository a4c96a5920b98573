"""What planned events share, written once as rows "usage ≤ capacity" for every planner and bound.

Rows, per week:
- ``("cohorts", partner, week)``: cohorts a partner runs at once (its ``concurrent_capacity``);
- ``("partner_days", partner, week)``: a partner's day slots (capacity × working days): a cohort
  takes its trainer every working day of the week, a one-day event (discovery, information
  session, recruitment event) one day;
- ``("venue", venue, week)``: one one-day event per venue room and day the calendars allow;
- ``("venue_days", venue, week)``: the venue's day slots (open days × rooms): a cohort held there
  occupies a room all week for its length, a one-day event a room for its day;
- ``("team", week)``: events the facilitators' team starts in a week.
A cohort's usage includes its information session; recruitment events are used per ``Slot`` (the
cohorts of a trade whose window opens the same week share them, kept cohorts waiting for one
included: ``Options.kept_recruitment``). Events kept as they are
(approved, announced) are taken off the capacities first. The CP-SAT model adds one constraint per
row; the greedy planner fills them, kept cohorts' recruitment events are placed in what they leave
(``kept_recruitment``), and the rolling horizon checks a plan's new events against them.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field

from clauses.planning.calendar import WEEKDAYS
from clauses.planning.problem import CohortOption, DiscoveryOption, Options, Slot, fixed_hires
from clauses.planning.result import _fixed_arrival

Row = tuple
Usage = list[tuple[Row, int]]  # (row, units used)


@dataclass
class SharedResources:
    capacity: dict[Row, int]
    cohort_usage: dict[CohortOption, Usage]
    discovery_usage: dict[DiscoveryOption, Usage]
    fixed_arrivals: dict[str, dict[int, int]]  # trade -> week -> hires from kept cohorts
    overbooked_weeks: list[int] = field(default_factory=list)  # kept events alone exceed the team limit
    slot_usage: dict[Slot, Usage] = field(default_factory=dict)  # one recruitment event (or session)


def shared_resources(options: Options) -> SharedResources:
    problem = options.problem
    cal = options.calendar
    weeks = problem.weeks
    partners = {p.key: p for p in problem.partners}
    venues = {v.key: (p, v) for p in problem.partners for v in p.venues}

    @functools.cache
    def venue_days(venue_key: str, week: int) -> int:
        partner, venue = venues[venue_key]
        return sum(
            1 for day in cal.days_of_week(week)
            if WEEKDAYS[day.weekday()] in venue.weekdays and not any(b.start <= day <= b.end for b in venue.blackouts)
        )

    # Kept events: what they already take.
    kept_cohorts: dict[tuple[str, int], int] = defaultdict(int)
    kept_days: dict[tuple[str, int], int] = defaultdict(int)
    kept_venue: dict[tuple[str, int], int] = defaultdict(int)
    kept_venue_days: dict[tuple[str, int], int] = defaultdict(int)
    kept_team: dict[int, int] = defaultdict(int)
    fixed_arrivals: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for fixed in problem.fixed:
        first_week = cal.week_of(fixed.first_day)
        if 0 <= first_week < weeks:
            kept_team[first_week] += 1
        if hires := fixed_hires(fixed, problem.rates):
            fixed_arrivals[fixed.trade_key][_fixed_arrival(problem, fixed)] += hires
        if fixed.kind == "poec":
            for week in range(first_week, cal.week_of(fixed.last_day) + 1):
                kept_cohorts[(fixed.partner_key, week)] += 1
                if fixed.partner_key in partners:
                    kept_days[(fixed.partner_key, week)] += len(cal.partner_days(week, partners[fixed.partner_key]))
                if fixed.venue_key in venues:
                    kept_venue_days[(fixed.venue_key, week)] += venue_days(fixed.venue_key, week)
        else:
            kept_days[(fixed.partner_key, first_week)] += 1
            if fixed.venue_key:
                kept_venue[(fixed.venue_key, first_week)] += 1
                kept_venue_days[(fixed.venue_key, first_week)] += 1

    capacity: dict[Row, int] = {}

    def partner_rows(partner_key: str, week: int) -> None:
        if ("cohorts", partner_key, week) in capacity:
            return
        partner = partners[partner_key]
        days = len(cal.partner_days(week, partner))
        capacity[("cohorts", partner_key, week)] = max(partner.concurrent_capacity - kept_cohorts[(partner_key, week)], 0)
        capacity[("partner_days", partner_key, week)] = max(
            partner.concurrent_capacity * days - kept_days[(partner_key, week)], 0
        )

    def venue_days_row(venue_key: str, week: int) -> tuple[Row, int]:
        """The venue's day-slots row, and how many slots it has (before kept events)."""
        row = ("venue_days", venue_key, week)
        days = venue_days(venue_key, week)
        if row not in capacity:
            capacity[row] = max(days * venues[venue_key][1].rooms - kept_venue_days[(venue_key, week)], 0)
        return row, days

    def one_day(partner_key: str, venue_key: str, week: int) -> Usage:
        """A one-day event at a venue: the team, a partner day, a venue day."""
        partner_rows(partner_key, week)
        partner, venue = venues[venue_key]
        if ("venue", venue_key, week) not in capacity:
            days = len(cal.discovery_days(week, partner, venue))
            capacity[("venue", venue_key, week)] = max(days * venue.rooms - kept_venue[(venue_key, week)], 0)
        row, _ = venue_days_row(venue_key, week)
        return [(("team", week), 1), (("partner_days", partner_key, week), 1), (("venue", venue_key, week), 1), (row, 1)]

    limit = problem.settings.max_events_per_week
    overbooked = sorted(w for w, n in kept_team.items() if n > limit)
    slot_usage: dict[Slot, Usage] = {}

    def slot(s: Slot) -> Usage:
        if s not in slot_usage:
            slot_usage[s] = one_day(s.partner_key, s.venue_key, s.week)
        return slot_usage[s]

    cohort_usage: dict[CohortOption, Usage] = {}
    for trade_key, cohorts in options.cohorts.items():
        for option in cohorts:
            duration = problem.trade(trade_key).poec.duration_weeks
            usage: Usage = [(("team", option.week), 1)]
            for week in range(option.week, option.week + duration):
                partner_rows(option.partner_key, week)
                days = len(cal.partner_days(week, partners[option.partner_key]))
                usage += [(("cohorts", option.partner_key, week), 1), (("partner_days", option.partner_key, week), days)]
                if option.venue_key is not None:
                    row, slots = venue_days_row(option.venue_key, week)
                    if slots:
                        usage.append((row, slots))  # the cohort occupies the venue all week
            if option.information is not None:
                usage += slot(option.information)
            if option.recruitment is not None:
                slot(option.recruitment)
            cohort_usage[option] = usage
    discovery_usage: dict[DiscoveryOption, Usage] = {}
    for by_week in options.discoveries.values():
        for week, found in by_week.items():
            for option in found:
                discovery_usage[option] = one_day(option.partner_key, option.venue_key, week)
                if option.recruitment is not None:
                    slot(option.recruitment)
    for _, kept_meeting in options.kept_recruitment:
        slot(kept_meeting)
    for usage in list(cohort_usage.values()) + list(discovery_usage.values()) + list(slot_usage.values()):
        for row, _ in usage:
            if row[0] == "team":
                capacity[row] = max(limit - kept_team[row[1]], 0)
    return SharedResources(
        capacity, cohort_usage, discovery_usage, {k: dict(v) for k, v in fixed_arrivals.items()}, overbooked,
        slot_usage,
    )
