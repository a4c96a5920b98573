"""The Prefect flows ``send_invitations`` and ``send_followups``: re-running never sends twice."""

from __future__ import annotations

import datetime as dt

import pytest

from clauses.outreach.participation import record_status
from tests import outreach_data as data

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_flows_send_once_even_when_run_twice(db, config, tmp_path):
    from flows.send_followups import send_followups
    from flows.send_invitations import send_invitations

    now = dt.datetime.now(dt.timezone.utc)
    with db.transaction() as s:
        plan = data.reference(s, config)
        upcoming = data.event(s, plan, start=now + dt.timedelta(days=10), capacity=2, target=3)
        past = data.event(s, plan, start=now - dt.timedelta(days=2))
        nobody = data.event(s, plan, start=now + dt.timedelta(days=12), trade="peintre", target=5)  # no painter
        people = [data.candidate(s, n).id for n in range(1, 6)]
        record_status(s, candidate_id=people[4], event_id=past.id, status="no_show", origin="import")
        data.candidate(s, 9, opted_out=True)
        upcoming_id, nobody_id = upcoming.id, nobody.id
    outbox = tmp_path / "outbox"
    first = send_invitations(outbox=str(outbox))
    assert first["planned"] == {"invitation": 3} and first["sent"] == 3
    # the approved event nobody could be invited to is flagged for the coordinator
    assert [(f["event_id"], f["invited"], f["target"]) for f in first["flagged"]] == [(nobody_id, 0, 5)]
    assert "aucune personne invitée" in first["flagged"][0]["message_fr"]
    second = send_invitations(outbox=str(outbox))
    assert second["planned"] == {"invitation": 0} and second["sent"] == 0
    assert len(list(outbox.glob("*.eml"))) == 3
    followups = send_followups(outbox=str(outbox))
    assert followups["by_kind"] == {"missed_you": 1}
    assert send_followups(outbox=str(outbox))["sent"] == 0
    assert len(list(outbox.glob("*.eml"))) == 4
    assert upcoming_id
