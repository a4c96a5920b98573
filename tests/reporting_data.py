"""A small, hand-counted outcome history for the reporting and retention tests (not a test module).

Events: D1 discovery maçon (3 March 2026), P1 POEC maçon (6 April 2026), D2 discovery peintre
(10 March 2026). Candidates c1…c10 (see ``seed``); the expected counts are in the tests.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from clauses.outreach.participation import record_status
from clauses.storage import (
    Candidate,
    CandidateIdentity,
    EmailEvent,
    Event,
    ForecastRow,
    ForecastSnapshot,
    Message,
    Plan,
)
from clauses.storage.reference_sync import sync_reference

PARIS = ZoneInfo("Europe/Paris")
UTC = dt.timezone.utc
OLD = dt.datetime(2026, 1, 1, tzinfo=UTC)


def at(y, m, d, h=10) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=PARIS).astimezone(UTC)


def _event(session, plan, n, kind, trade, start):
    row = Event(
        plan_id=plan.id, kind=kind, trade_key=trade, partner_key="geiq_btp_63", venue_key="geiq_clermont",
        start=start, end=start + dt.timedelta(hours=3), capacity=15, status="held",
        uid=f"report-{n}@clauses.example.org",
    )
    session.add(row)
    session.flush()
    return row


def _candidate(session, n, **values):
    row = Candidate(
        first_name=f"Prénom{n}", last_name=f"Nom{n}", email=f"personne{n}@example.net", phone=f"+3363998{n:04d}",
        commune="Clermont-Ferrand", eligibility=["RSA"], trades=["macon"], consent_date=dt.date(2025, 12, 1),
        consent_basis="accord écrit", availability_notes=f"disponible le matin ({n})", last_activity_at=OLD,
        **values,
    )
    session.add(row)
    session.flush()
    session.add(CandidateIdentity(candidate_id=row.id, source="France Travail", source_id=f"FT{n}", content_hash="0" * 64))
    return row


def _path(session, candidate, event, steps, contract=None):
    for status, moment in steps:
        record_status(session, candidate_id=candidate.id, event_id=event.id, status=status, origin="import", at=moment,
                      contract_type=contract if status == "hired" else None)


def seed(session, config) -> dict:
    sync_reference(session, config)
    plan = Plan(status="approved")
    session.add(plan)
    session.flush()
    d1 = _event(session, plan, 1, "discovery", "macon", at(2026, 3, 3, 9))
    p1 = _event(session, plan, 2, "poec", "macon", at(2026, 4, 6, 9))
    d2 = _event(session, plan, 3, "discovery", "peintre", at(2026, 3, 10, 9))
    c = {n: _candidate(session, n, **extra) for n, extra in {
        1: {}, 2: {}, 3: {}, 4: {}, 5: {"email_status": "bounced"}, 6: {"opted_out": True},
        7: {}, 8: {}, 9: {}, 10: {},
    }.items()}
    invited = at(2026, 2, 20)
    _path(session, c[1], d1, [("invited", invited), ("registered", at(2026, 2, 22)), ("attended", at(2026, 3, 3)),
                              ("interested", at(2026, 3, 4))])
    _path(session, c[1], p1, [("enrolled", at(2026, 3, 20)), ("completed", at(2026, 6, 19)), ("hired", at(2026, 7, 20))],
          contract="CDI")
    _path(session, c[2], d1, [("invited", invited), ("attended", at(2026, 3, 3)), ("interested", at(2026, 3, 4))])
    _path(session, c[2], p1, [("enrolled", at(2026, 3, 20)), ("completed", at(2026, 6, 19))])
    _path(session, c[3], d1, [("invited", invited), ("registered", at(2026, 2, 23)), ("no_show", at(2026, 3, 3))])
    _path(session, c[4], d1, [("invited", invited), ("declined", at(2026, 2, 24))])
    _path(session, c[5], d1, [("invited", invited)])
    _path(session, c[6], d1, [("invited", invited)])
    _path(session, c[7], d2, [("invited", invited), ("registered", at(2026, 2, 25)), ("attended", at(2026, 3, 10)),
                              ("hired", at(2026, 12, 14))], contract="CDD 12 mois")
    _path(session, c[8], d2, [("invited", invited), ("excused", at(2026, 3, 9))])
    _path(session, c[8], d1, [("invited", invited), ("attended", at(2026, 3, 3))])
    _path(session, c[9], d1, [("attended", at(2026, 3, 3))])  # a walk-in
    _path(session, c[10], d2, [("invited", invited)])
    message = Message(idempotency_key=f"c{c[10].id}-e{d2.id}-invitation-0", public_id="pub-10", candidate_id=c[10].id,
                      event_id=d2.id, kind="invitation", state="sent", transport="file", sent_at=invited,
                      last_error="550 personne10@example.net: no such user")
    session.add(message)
    session.flush()
    session.add(EmailEvent(provider_event_id="sg-1", message_id=message.id, type="unsubscribe", occurred_at=at(2026, 2, 21)))
    session.add(EmailEvent(provider_event_id="sg-2", message_id=message.id, type="delivered", occurred_at=at(2026, 2, 20)))
    session.flush()
    return {"events": {"d1": d1.id, "p1": p1.id, "d2": d2.id}, "candidates": {n: x.id for n, x in c.items()}}


def seed_forecast(session, macon_hours=1000.0, peintre_hours=50.0) -> int:
    """A forecast snapshot made of two monthly rows per trade, over 2026 (as of 5 January)."""
    snapshot = ForecastSnapshot(as_of=dt.date(2026, 1, 5), horizon_weeks=51, period="month", scenarios=10, seed=0,
                                parameters={}, input_fingerprint="0" * 64, lot_count=2, totals={}, diagnostics={})
    session.add(snapshot)
    session.flush()
    for trade, total in (("macon", macon_hours), ("peintre", peintre_hours)):
        for start, end in ((dt.date(2026, 1, 1), dt.date(2026, 6, 30)), (dt.date(2026, 7, 1), dt.date(2026, 12, 27))):
            values = {f"{m}_{s}": 0.0 for m in ("hours", "fte", "headcount", "people") for s in ("mean", "p10", "p50", "p90")}
            values.update(hours_p50=total / 2, hours_mean=total / 2)
            session.add(ForecastRow(snapshot_id=snapshot.id, trade_key=trade, period_start=start, period_end=end, **values))
    session.flush()
    return snapshot.id
