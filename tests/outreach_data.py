"""Rows for outreach tests: reference data, an approved plan's events, candidates."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from clauses.storage.candidates import Candidate
from clauses.storage.planning import Event, Plan
from clauses.storage.reference_sync import sync_reference

PARIS = ZoneInfo("Europe/Paris")
_uid = itertools.count(1)


def reference(session, config) -> Plan:
    sync_reference(session, config)
    plan = Plan(status="approved", decided_at=dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc))
    session.add(plan)
    session.flush()
    return plan


def event(session, plan, *, start: dt.datetime, trade="macon", kind="discovery", capacity=10, target=0,
          approved=True, status="scheduled", hours=3, partner="geiq_btp_63", venue="geiq_clermont") -> Event:
    start = start.astimezone(dt.timezone.utc)  # stored in UTC (SQLite keeps no offset)
    row = Event(
        plan_id=plan.id, kind=kind, trade_key=trade, partner_key=partner, venue_key=venue,
        start=start, end=start + dt.timedelta(hours=hours), capacity=capacity, target_invitations=target,
        status=status, approved_at=dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc) if approved else None,
        uid=f"event-{next(_uid)}-{start:%Y%m%d}@clauses.example.org", sequence=0,
    )
    session.add(row)
    session.flush()
    return row


def candidate(session, n: int, *, trades=("macon",), commune="Clermont-Ferrand", qpv=False, eligibility=(),
              consent=True, opted_out=False, email_status="valid", first_name=None, last_name=None) -> Candidate:
    row = Candidate(
        first_name=first_name or f"Prénom{n}", last_name=last_name or f"Nom{n}", email=f"personne{n}@example.net",
        email_status=email_status, commune=commune, qpv_resident=qpv, eligibility=list(eligibility),
        trades=list(trades), consent_date=dt.date(2025, 12, 1) if consent else None, opted_out=opted_out,
    )
    session.add(row)
    session.flush()
    return row
