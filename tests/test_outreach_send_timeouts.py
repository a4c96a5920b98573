"""Exactly once when SendGrid answers after the client's timeout (issue 13, fault injection).

The loopback server accepts a slow request once it has read it, whether or not the client is still
waiting: as SendGrid does. A message whose answer never came must not be sent again, neither in the
same run (a retry) nor in the next (released to pending), until SendGrid's ``processed`` event or a
coordinator settles it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import select

from clauses.messages import ledger
from clauses.messages.dispatch import send_pending
from clauses.messages.transports.sendgrid import SendGridTransport, SendGridUnavailable
from clauses.outreach.selection import select_invitations
from clauses.storage.outreach import Message
from tests import outreach_data as data
from tests.sendgrid_server import FakeSendGrid, Reply

NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.timezone.utc)
START = dt.datetime(2026, 3, 17, 9, 0, tzinfo=data.PARIS)


@pytest.fixture
def invitations(db, config):
    """Five pending invitations."""
    with db.transaction() as s:
        plan = data.reference(s, config)
        data.event(s, plan, start=START, capacity=4)
        for n in range(1, 6):
            data.candidate(s, n)
    with db.transaction() as s:
        select_invitations(s, config, now=NOW)
        return list(s.scalars(select(Message.public_id).order_by(Message.id)))


@pytest.fixture
def fake():
    with FakeSendGrid() as server:
        yield server


def _transport(fake, **kw) -> SendGridTransport:
    options = dict(host=fake.host, timeout=0.3, max_attempts=4, backoff_base=0.01, backoff_max=0.05)
    options.update(kw)
    return SendGridTransport("SG.test", **options)


def _states(db) -> dict[str, str]:
    with db.transaction() as s:
        return {p: state for p, state in s.execute(select(Message.public_id, Message.state))}


def _received_twice(fake) -> list[str]:
    fake.wait_idle()
    return [public_id for public_id, n in Counter(fake.accepted_ids()).items() if n > 1]


def test_a_slow_answer_is_not_retried_in_the_same_run(db, config, invitations, fake):
    fake.push(Reply(202, delay=1.0))  # the first message: accepted after the client gave up
    report = send_pending(db, config, _transport(fake), raise_on_stop=False)
    assert _received_twice(fake) == []
    states = _states(db)
    assert states[invitations[0]] == "sending"  # outcome unknown: waits for SendGrid's word
    assert [states[p] for p in invitations[1:]] == ["sent"] * 4  # the run went on with the others
    assert report.sent == 4 and report.unconfirmed == 1
    # SendGrid's processed event settles it; a later run sends nothing again.
    with db.transaction() as s:
        assert ledger.reconcile_processed(s, [invitations[0]]) == 1
    send_pending(db, config, _transport(fake))
    assert sorted(fake.accepted_ids()) == sorted(invitations)


def test_a_slow_answer_then_an_outage_does_not_release_the_message(db, config, invitations, fake):
    # Before: the timeout was retried, the retries met 503s, SendGridUnavailable released the
    # message to "pending", and the next run sent it a second time.
    fake.push(Reply(202, delay=1.0), *[Reply(503, {"errors": [{"message": "unavailable"}]})] * 4)
    with pytest.raises(SendGridUnavailable):
        send_pending(db, config, _transport(fake, max_attempts=4))
    send_pending(db, config, _transport(fake), raise_on_stop=False)  # the next run, SendGrid back
    assert _received_twice(fake) == []
    states = _states(db)
    assert states[invitations[0]] == "sending"
    assert sorted(p for p, state in states.items() if state == "sent") == sorted(invitations[1:])


def test_consecutive_unknown_outcomes_stop_the_run(db, config, invitations, fake):
    """SendGrid that hangs on every request: the run stops instead of leaving every message in doubt."""
    fake.push(*[Reply(202, delay=0.6)] * 5)
    report = send_pending(db, config, _transport(fake), raise_on_stop=False)
    assert report.unconfirmed == 3 and report.sent == 0 and report.stopped
    assert Counter(_states(db).values()) == {"sending": 3, "pending": 2}
    assert _received_twice(fake) == []
