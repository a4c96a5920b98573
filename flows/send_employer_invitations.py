"""Flow ``send_employer_invitations``: approved recruitment events → the companies that hold the
clauses (and the GEIQ's members) → invitation emails with calendar, exactly once.

Story: choose each recruitment event's employers (``clauses/outreach/employers.py``: lots served,
order, employer capacity) and queue their invitations in the ledger (one transaction) → settle
messages an interrupted run left behind → send the pending employer messages, one task per batch →
publish, per event, each company's outcome: invited, waiting (capacity), or not invited and why.
The artifact names companies by their public label (a name that may be a person's is shown by its
SIRET) and holds no address.
"""

from __future__ import annotations

import datetime as dt

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from clauses import french
from clauses.messages.employer import hours_fr
from clauses.outreach.employers import EMPLOYER_KINDS, REASONS_FR, SOURCE_FR, select_employers
from clauses.outreach.jobs import batches
from clauses.storage import Database
from flows.outreach_common import list_pending, merge, publish, run_config, send_batch, settle

OUTCOME_FR = {"invited": "invitée", "already": "déjà invitée", **REASONS_FR}
STATUS_FR = {"invited": "sans réponse", "registered": "vient", "declined": "ne vient pas", "waitlisted": "liste d'attente"}


def choose_employers(event_ids: list[int] | None = None, *, now: dt.datetime | None = None) -> dict:
    """Select and queue (a plain function: the command line and tests call it too)."""
    config = run_config()
    database = Database()
    try:
        with database.transaction() as session:
            selections = select_employers(session, config, now=now, event_ids=event_ids,
                                          transport=config.messaging.transport)
            events = [{**s.as_dict(), "trade": config.find_trade(s.trade_key).label if config.find_trade(s.trade_key) else s.trade_key}
                      for s in selections]
    finally:
        database.dispose()
    planned = sum(1 for e in events for d in e["decisions"] if d["outcome"] == "invited")
    return {"planned": {"employer_invitation": planned} if planned else {}, "events": events}


@task(name="choose employers and queue their invitations", cache_policy=NO_CACHE)
def choose(event_ids: list[int] | None) -> dict:
    return choose_employers(event_ids)


def event_lines(events: list[dict]) -> list[str]:
    """French lines per event: who is invited, who waits, who is not invited and why."""
    lines: list[str] = []
    for event in events:
        start = dt.datetime.fromisoformat(event["start"])
        invited = [d for d in event["decisions"] if d["outcome"] in ("invited", "already")]
        lines.append(f"Rencontre de recrutement n° {event['event_id']} ({event.get('trade', event['trade_key'])}, {french.when_short(start)}) : "
                     f"{french.counted(len(invited), 'entreprise invitée', 'entreprises invitées')} sur "
                     f"{french.counted(event['capacity'], 'place', 'places')} employeurs, "
                     f"{french.counted(event['lots'], 'lot servi', 'lots servis')}")
        for d in event["decisions"]:
            owed = f", {hours_fr(d['owed_hours'])} dues" if d["owed_hours"] else ""
            state = OUTCOME_FR.get(d["outcome"], d["outcome"])
            if d["outcome"] == "already" and d["status"]:
                state += f" ({STATUS_FR.get(d['status'], d['status'])})"
            lines.append(f"  - {d['label']} ({SOURCE_FR.get(d['source'], d['source'])}{owed}) : {state}")
        if not event["decisions"]:
            lines.append("  - aucune entreprise : ni titulaire d'un lot de ce métier dans la période, ni membre du GEIQ")
    return lines


@flow(name="send_employer_invitations")
def send_employer_invitations(event_ids: list[int] | None = None, batch_size: int = 500, outbox: str | None = None) -> dict:
    """Invite the employers of the approved recruitment events.

    Args:
        event_ids: only these events (default: every approved recruitment event far enough ahead).
        batch_size: messages per task.
        outbox: folder of the file transport (default: ``<data>/outbox``).
    """
    plan = choose(event_ids)
    recovered = settle(outbox)
    reports = [send_batch(batch, outbox) for batch in batches(list_pending(list(EMPLOYER_KINDS)), batch_size)]
    sent = merge(reports)
    extra = ["", "## Entreprises par rencontre de recrutement", ""] + (
        [f"- {line}" if not line.startswith("  ") else f"  {line}" for line in event_lines(plan["events"])]
        or ["Aucune rencontre de recrutement approuvée à venir : aucune entreprise à inviter."])
    publish("Invitations des employeurs", "send-employer-invitations", plan["planned"], sent, recovered, extra)
    return {"planned": plan["planned"], "events": plan["events"], "recovered": recovered, **sent}
