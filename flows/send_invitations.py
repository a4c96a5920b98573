"""Flow ``send_invitations``: approved events → chosen candidates → invitation emails with calendar.

Story: choose the invitees of every approved upcoming event and queue one invitation each in the
ledger (one transaction) → settle messages an interrupted run left behind → send the pending
invitations, one task per batch → publish counts per event (never a name or an address).
Retrying this flow never sends twice: the ledger (``clauses/messages/ledger.py``) decides.
"""

from __future__ import annotations

import datetime as dt

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from clauses import french
from clauses.outreach.jobs import batches, plan_invitations
from clauses.planning.invitees import invitee_flags
from clauses.storage import Database
from flows.outreach_common import list_pending, merge, publish, run_config, send_batch, settle


@task(name="choose invitees and queue invitations", cache_policy=NO_CACHE)
def choose(event_ids: list[int] | None) -> dict:
    config = run_config()
    database = Database()
    try:
        plan = plan_invitations(database, config, event_ids=event_ids, transport=config.messaging.transport).as_dict()
        with database.transaction() as session:  # approved events still short of invitees, for the coordinator
            plan["flags"] = [f.as_dict() for f in invitee_flags(session, config, event_ids=event_ids)]
        return plan
    finally:
        database.dispose()


@flow(name="send_invitations")
def send_invitations(event_ids: list[int] | None = None, batch_size: int = 500, outbox: str | None = None) -> dict:
    """Invite candidates to the approved events.

    Args:
        event_ids: only these events (default: every approved event far enough ahead).
        batch_size: messages per task.
        outbox: folder of the file transport (default: ``<data>/outbox``).
    """
    plan = choose(event_ids)
    recovered = settle(outbox)
    reports = [send_batch(batch, outbox) for batch in batches(list_pending(["invitation"]), batch_size)]
    sent = merge(reports)
    extra = ["", "| événement | métier | date | cible | déjà invités | invités | manque |", "|---:|---|---|---:|---:|---:|---:|"]
    extra += [f"| {e['event_id']} | {e['trade']} | {french.when_short(dt.datetime.fromisoformat(e['start']))} | {e['target']} | {e['already']} | {e['invited']} | {e['shortfall']} |"
              for e in plan["events"]]
    if plan["flags"]:
        extra += ["", "## Événements approuvés à surveiller", ""] + [f"- {f['message_fr']}" for f in plan["flags"]]
    publish("Invitations", "send-invitations", plan["planned"], sent, recovered, extra)
    return {"planned": plan["planned"], "events": len(plan["events"]), "recovered": recovered,
            "flagged": [{k: f[k] for k in ("event_id", "invited", "target", "can_still_invite", "message_fr")}
                        for f in plan["flags"]], **sent}
