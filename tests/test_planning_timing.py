"""The planner places no discovery whose invitations could not leave in time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd

from clauses.planning.service import earliest_event_day, run_planning

PARIS = ZoneInfo("Europe/Paris")
NOW = dt.datetime(2026, 12, 5, 10, tzinfo=dt.timezone.utc)  # a Saturday, like the demo's run


def test_earliest_event_day_leaves_the_invitation_delay_and_a_day(config):
    assert config.outreach.min_days_before_event == 3
    # 5 December 11:00 (Paris) + 4 days = 9 December 11:00: a 9:00 discovery that day is too early.
    assert earliest_event_day(config, NOW) == dt.date(2026, 12, 10)
    assert earliest_event_day(config, dt.datetime(2026, 12, 5, 6, tzinfo=dt.timezone.utc)) == dt.date(2026, 12, 9)


def test_no_discovery_before_invitations_can_be_sent(db, config):
    monday = dt.date(2026, 12, 7)
    need = pd.DataFrame(
        [(trade, monday + dt.timedelta(weeks=w), 3.0) for trade in ("plaquiste", "solier", "electricien")
         for w in (11, 12, 13, 20)],
        columns=["trade_key", "week_start", "people"],
    )
    with db.transaction() as session:
        _, result = run_planning(session, config, need, weeks=40, time_limit=5, now=NOW)
    discoveries = [e for e in result.events if e.kind == "discovery"]
    assert discoveries
    first = min(e.start for e in discoveries)
    assert first.astimezone(PARIS).date() >= dt.date(2026, 12, 10)
    assert first.astimezone(PARIS).date() < dt.date(2026, 12, 21)  # the tight need uses the first weeks
