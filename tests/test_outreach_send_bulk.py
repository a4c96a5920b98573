"""The bulk paths of sending: invitations recorded in bulk like ``record_status`` would, and the
ledger's groups (claimed together, settled one by one when a run stops)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from clauses.messages import ledger
from clauses.messages.dispatch import send_messages
from clauses.messages.transports import TransportError
from clauses.outreach.participation import record_invitations, record_status
from clauses.outreach.selection import select_invitations
from clauses.storage.outreach import Message, Participation
from tests import outreach_data as data

NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.timezone.utc)
START = dt.datetime(2026, 3, 17, 9, 0, tzinfo=data.PARIS)


def _rows(session, event_id):
    out = []
    for p in session.scalars(select(Participation).where(Participation.event_id == event_id).order_by(Participation.candidate_id)):
        out.append((p.candidate_id, p.status, p.status_at, p.contract_type,
                    [(t.from_status, t.to_status, t.origin, t.at) for t in p.transitions]))
    return out


def test_record_invitations_matches_record_status(db, config):
    with db.transaction() as s:
        plan = data.reference(s, config)
        one = data.event(s, plan, start=START).id
        two = data.event(s, plan, start=START + dt.timedelta(days=1)).id
        people = [data.candidate(s, n).id for n in range(6)]
        # Already invited to both events: unchanged either way.
        record_status(s, candidate_id=people[0], event_id=one, status="invited", origin="system", at=NOW)
        record_status(s, candidate_id=people[0], event_id=two, status="invited", origin="system", at=NOW)
    later = NOW + dt.timedelta(hours=1)
    with db.transaction() as s:
        for c in people:
            record_status(s, candidate_id=c, event_id=one, status="invited", origin="system", at=later)
        created = record_invitations(s, event_id=two, candidate_ids=people + people[:2], at=later)
    assert created == people[1:]
    with db.transaction() as s:
        assert _rows(s, one) == _rows(s, two)
        assert len(_rows(s, two)) == 6
    # Someone registered: the system may not move them back to "invited" (same error as record_status).
    with db.transaction() as s:
        record_status(s, candidate_id=people[1], event_id=two, status="registered", origin="import", at=later)
    with pytest.raises(Exception, match="ne peut pas passer de « inscrit »"):
        with db.transaction() as s:
            record_invitations(s, event_id=two, candidate_ids=[people[1]], at=later)
    with pytest.raises(ValueError):
        with db.transaction() as s:
            record_invitations(s, event_id=two, candidate_ids=[people[2]], origin="robot")


class FlakyTransport:
    """Accepts messages until the n-th call, which raises ``error``."""

    name = "sendgrid"

    def __init__(self, fail_at: int, error: BaseException) -> None:
        self.fail_at = fail_at
        self.error = error
        self.calls: list[str] = []

    def send(self, message):
        self.calls.append(message.public_id)
        if len(self.calls) == self.fail_at:
            raise self.error
        return f"provider-{len(self.calls)}"

    def delivered(self, public_id):
        return None


@pytest.mark.parametrize("error,current", [(RuntimeError("bug"), "sending"), (TransportError("down"), "pending")])
def test_a_run_stopped_mid_group_settles_each_message(db, config, error, current):
    with db.transaction() as s:
        plan = data.reference(s, config)
        data.event(s, plan, start=START, capacity=4, target=8)
        for n in range(8):
            data.candidate(s, n)
    with db.transaction() as s:
        select_invitations(s, config, now=NOW, transport="sendgrid")
        ids = list(s.scalars(select(Message.id).order_by(Message.id)))
    transport = FlakyTransport(3, error)
    with pytest.raises(type(error)):
        send_messages(db, config, transport, ids, group_size=5)
    with db.transaction() as s:
        states = {p: v for p, v in s.execute(select(Message.public_id, Message.state))}
        provider = {p: v for p, v in s.execute(select(Message.public_id, Message.provider_message_id))}
    sent, failing = transport.calls[:2], transport.calls[2]
    assert [states[p] for p in sent] == ["sent", "sent"] and provider[sent[0]] == "provider-1"
    # The call that failed: unknown outcome stays "sending" (ambiguity rule); a transport that
    # says it was unreachable gives it back. The claimed but untried ones are pending again.
    assert states[failing] == current
    assert sorted(states.values()) == sorted(["sent", "sent", current] + ["pending"] * 5)
    with db.transaction() as s:
        assert ledger.counts_by_state(s).get("sending", 0) == (1 if current == "sending" else 0)
