"""Data retention also reaches the replies received by email (``inbound_replies``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from clauses.retention import apply_retention
from clauses.storage import Candidate, InboundReply
from reporting_data import seed

UTC = dt.timezone.utc
LATER = dt.datetime(2029, 6, 1, tzinfo=UTC)  # more than 24 months after every activity of the seed


def _reply(session, key: str, candidate_id, received_at: dt.datetime) -> int:
    row = InboundReply(dedupe_key=key, origin="drop_folder", received_at=received_at, outcome="no_calendar",
                       needs_review=True, candidate_id=candidate_id, sender="x@example.net",
                       subject="Re: invitation", excerpt="Je viens, merci")
    session.add(row)
    session.flush()
    return row.id


def test_replies_lose_their_details_with_the_candidate_and_after_the_retention_period(db, config):
    with db.transaction() as session:
        seed(session, config)
        someone = session.scalar(select(Candidate.id).order_by(Candidate.id))
        of_candidate = _reply(session, "k1", someone, LATER - dt.timedelta(days=1))
        old_unknown = _reply(session, "k2", None, dt.datetime(2026, 1, 1, tzinfo=UTC))
        recent_unknown = _reply(session, "k3", None, LATER - dt.timedelta(days=1))
    with db.transaction() as session:
        apply_retention(session, config, now=LATER, mode="delete", dry_run=True)
        assert session.get(InboundReply, old_unknown).excerpt == "Je viens, merci"  # a dry run changes nothing
    with db.transaction() as session:
        result = apply_retention(session, config, now=LATER, mode="delete")
        assert result.candidates_deleted > 0 and session.get(Candidate, someone) is None
    with db.transaction() as session:
        rows = {r.id: r for r in session.scalars(select(InboundReply))}
    for reply_id in (of_candidate, old_unknown):
        assert (rows[reply_id].sender, rows[reply_id].subject, rows[reply_id].excerpt) == (None, None, None)
    assert rows[of_candidate].candidate_id is None and rows[of_candidate].outcome == "no_calendar"
    assert rows[recent_unknown].excerpt == "Je viens, merci"  # within the period, nobody's data to remove
