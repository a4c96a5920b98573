"""Flow ``send_followups`` (daily): reminders, updates, cancellations, thanks, "we missed you",
POEC offers and post-POEC outcome requests, as the participation states and event changes call for.

Story: decide what is due today and queue it in the ledger → settle interrupted messages → send the
pending follow-ups, one task per batch → publish counts. Running it twice the same day sends nothing
more (each follow-up has its idempotency key).
"""

from __future__ import annotations

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from clauses.outreach.followups import FOLLOWUP_KINDS
from clauses.outreach.jobs import batches, plan_followup_messages
from clauses.storage import Database
from flows.outreach_common import list_pending, merge, publish, run_config, send_batch, settle


@task(name="decide the follow-ups due today", cache_policy=NO_CACHE)
def decide() -> dict:
    config = run_config()
    database = Database()
    try:
        return plan_followup_messages(database, config, transport=config.messaging.transport).planned
    finally:
        database.dispose()


@flow(name="send_followups")
def send_followups(batch_size: int = 500, outbox: str | None = None) -> dict:
    """Send the follow-ups due today.

    Args:
        batch_size: messages per task.
        outbox: folder of the file transport (default: ``<data>/outbox``).
    """
    planned = decide()
    recovered = settle(outbox)
    reports = [send_batch(batch, outbox) for batch in batches(list_pending(list(FOLLOWUP_KINDS)), batch_size)]
    sent = merge(reports)
    publish("Relances", "send-followups", planned, sent, recovered)
    # The cap that held messages back ("held_by_cap"), for the command's summary to say it.
    return {"planned": planned, "recovered": recovered, "weekly_cap": run_config().outreach.max_messages_per_week, **sent}
