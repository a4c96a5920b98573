"""One row per participation (candidate × event) with what the outcome report counts: the furthest
funnel stage reached, the side outcomes (declined, no-show, excused), the hire, bounces and
unsubscribes. Live participations and the anonymous outcomes kept for deleted candidates
(``anonymous_participations``) give the same kind of row, so counts survive data retention.

Funnel stages, in order (a person counts at every stage up to the furthest one reached):

    invited → registered → attended → selected → poec → completed → met_employer → hired

- the furthest stage comes from the participation's current status and every status in its
  transitions: registered, no_show and excused 1 (an absent or excused person was expected),
  attended 2, interested 3 (selected), enrolled 4 (POEC), completed 5, hired 7; invited and
  declined are stage 0 (invited);
- attending (or more) an event of kind ``poec`` is reaching the POEC stage;
- attending (or more) an event of kind ``recruitment`` is reaching the "met an employer" stage 6
  (the person met the trade's employers at a recruitment event); a hire, wherever it is recorded,
  counts at every stage before it, this one included;
- everyone with a participation counts as invited (a walk-in recorded straight as "attended" too).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from clauses.config import Config
from clauses.storage.candidates import Candidate
from clauses.storage.outreach import EmailEvent, Message, Participation, ParticipationTransition
from clauses.storage.planning import Event
from clauses.storage.retention import AnonymousParticipation

PARIS = ZoneInfo("Europe/Paris")

STAGES = ("invited", "registered", "attended", "selected", "poec", "completed", "met_employer", "hired")
# Absent or excused: the person was expected, so had registered (on the answer page, with a
# partner, or on the partner's list), whether or not that registration was recorded here.
STATUS_STAGE = {
    "invited": 0,
    "declined": 0,
    "excused": 1,
    "no_show": 1,
    "registered": 1,
    "attended": 2,
    "interested": 3,
    "enrolled": 4,
    "completed": 5,
    "hired": 7,
}
# Stages an event's kind gives to whoever attended it (or went further).
KIND_STAGE = {"poec": STAGES.index("poec"), "recruitment": STAGES.index("met_employer")}
SIDE_OUTCOMES = ("declined", "no_show", "excused")

FACT_COLUMNS = [
    "person",  # "c<candidate id>" or "a<random token>" (deleted candidate): never a name
    "candidate_id",  # None for anonymous outcomes
    "event_id",
    "event_kind",
    "event_status",
    "event_start",  # UTC-aware
    "event_capacity",
    "trade_key",
    "month",  # YYYY-MM of the event start, Europe/Paris
    "status",
    "reached",  # sorted list of every status the participation had
    "stage",  # index in STAGES
    "declined",
    "no_show",
    "excused",
    "contract_type",
    "hired_on",  # date (Europe/Paris) or None
    "bounced",
    "unsubscribed",
]


def aware(moment: dt.datetime | None) -> dt.datetime | None:
    """SQLite returns naive datetimes: they were stored in UTC."""
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def paris_date(moment: dt.datetime | None) -> dt.date | None:
    moment = aware(moment)
    return moment.astimezone(PARIS).date() if moment is not None else None


def furthest_stage(reached: set[str], event_kind: str) -> int:
    stage = max((STATUS_STAGE.get(s, 0) for s in reached), default=0)
    if event_kind in KIND_STAGE and stage >= STATUS_STAGE["attended"]:
        stage = max(stage, KIND_STAGE[event_kind])
    return stage


def _chunks(values: list[int], size: int = 500):
    for i in range(0, len(values), size):
        yield values[i : i + size]


def email_flags(session: Session, config: Config, candidate_ids: list[int]) -> dict[int, tuple[bool, bool]]:
    """Per candidate: (bounced, unsubscribed), from the candidate row and from the email events
    matched to the candidate directly or through one of their messages."""
    bounce_types = set(config.reporting.bounce_event_types)
    unsubscribe_types = set(config.reporting.unsubscribe_event_types)
    flags: dict[int, list[bool]] = {}
    for chunk in _chunks(candidate_ids):
        for cid, email_status, opted_out in session.execute(
            select(Candidate.id, Candidate.email_status, Candidate.opted_out).where(Candidate.id.in_(chunk))
        ):
            flags[cid] = [email_status == "bounced", bool(opted_out)]
        rows = session.execute(
            select(EmailEvent.candidate_id, Message.candidate_id, EmailEvent.type)
            .outerjoin(Message, Message.id == EmailEvent.message_id)
            .where(
                or_(EmailEvent.candidate_id.in_(chunk), Message.candidate_id.in_(chunk)),
                EmailEvent.type.in_(bounce_types | unsubscribe_types),
            )
        )
        for direct, through_message, kind in rows:
            cid = direct if direct is not None else through_message
            if cid in flags:
                if kind in bounce_types:
                    flags[cid][0] = True
                if kind in unsubscribe_types:
                    flags[cid][1] = True
    return {cid: (b, u) for cid, (b, u) in flags.items()}


def _event_values(event) -> dict:
    start = aware(event.start)
    return {
        "event_id": int(event.id),
        "event_kind": event.kind,
        "event_status": event.status,
        "event_start": start,
        "event_capacity": event.capacity,
        "trade_key": event.trade_key,
        "month": start.astimezone(PARIS).strftime("%Y-%m"),
    }


def _events(session: Session, event_ids) -> dict[int, dict]:
    ids = sorted({int(e) for e in event_ids})
    out: dict[int, dict] = {}
    for chunk in _chunks(ids):
        for event in session.execute(
            select(Event.id, Event.kind, Event.status, Event.start, Event.capacity, Event.trade_key).where(Event.id.in_(chunk))
        ):
            out[event.id] = _event_values(event)
    return out


def live_facts(session: Session, config: Config, candidate_ids: list[int] | None = None) -> pd.DataFrame:
    """Facts of the participations still attached to a candidate (all, or those of ``candidate_ids``)."""
    columns = (Participation.id, Participation.candidate_id, Participation.event_id, Participation.status,
               Participation.status_at, Participation.contract_type)
    if candidate_ids is None:
        participations = session.execute(select(*columns).order_by(Participation.id)).all()
    else:
        participations = []
        for chunk in _chunks(sorted(candidate_ids)):
            participations += session.execute(select(*columns).where(Participation.candidate_id.in_(chunk))).all()
    if not participations:
        return pd.DataFrame(columns=FACT_COLUMNS)
    ids = [p.id for p in participations]
    reached: dict[int, set[str]] = defaultdict(set)
    hired_at: dict[int, dt.datetime] = {}
    T = ParticipationTransition
    base = select(T.participation_id, T.to_status, T.at).order_by(T.id)
    # Every participation: one query; some candidates' participations: by chunks of ids.
    queries = [base] if candidate_ids is None else [base.where(T.participation_id.in_(c)) for c in _chunks(ids)]
    for query in queries:
        for pid, to_status, at in session.execute(query):
            reached[pid].add(to_status)
            if to_status == "hired":
                hired_at[pid] = at  # the latest hire transition wins
    flags = email_flags(session, config, sorted({p.candidate_id for p in participations}))
    events = _events(session, {p.event_id for p in participations})
    rows = []
    for participation in participations:
        event = events[participation.event_id]
        statuses = reached[participation.id] | {participation.status}
        hired = "hired" in statuses
        bounced, unsubscribed = flags.get(participation.candidate_id, (False, False))
        rows.append(
            {
                "person": f"c{participation.candidate_id}",
                "candidate_id": participation.candidate_id,
                **event,
                "status": participation.status,
                "reached": sorted(statuses),
                "stage": furthest_stage(statuses, event["event_kind"]),
                **{side: side in statuses for side in SIDE_OUTCOMES},
                "contract_type": participation.contract_type if hired else None,
                "hired_on": paris_date(hired_at.get(participation.id, participation.status_at)) if hired else None,
                "bounced": bounced,
                "unsubscribed": unsubscribed,
            }
        )
    return pd.DataFrame(rows, columns=FACT_COLUMNS)


def anonymous_facts(session: Session) -> pd.DataFrame:
    A = AnonymousParticipation
    outcomes = session.execute(
        select(A.person_token, A.event_id, A.status, A.reached, A.contract_type, A.hired_on, A.bounced, A.unsubscribed)
        .order_by(A.id)
    ).all()
    events = _events(session, {o.event_id for o in outcomes})
    rows = []
    for outcome in outcomes:
        event = events[outcome.event_id]
        statuses = set(outcome.reached) | {outcome.status}
        rows.append(
            {
                "person": f"a{outcome.person_token}",
                "candidate_id": None,
                **event,
                "status": outcome.status,
                "reached": sorted(statuses),
                "stage": furthest_stage(statuses, event["event_kind"]),
                **{side: side in statuses for side in SIDE_OUTCOMES},
                "contract_type": outcome.contract_type,
                "hired_on": outcome.hired_on,
                "bounced": bool(outcome.bounced),
                "unsubscribed": bool(outcome.unsubscribed),
            }
        )
    return pd.DataFrame(rows, columns=FACT_COLUMNS)


def participation_facts(session: Session, config: Config) -> pd.DataFrame:
    """Every participation's facts, live and anonymous, sorted by event then person."""
    frames = [f for f in (live_facts(session, config), anonymous_facts(session)) if not f.empty]
    if not frames:
        return pd.DataFrame(columns=FACT_COLUMNS)
    facts = pd.concat(frames, ignore_index=True)
    facts["stage"] = facts["stage"].astype(int)
    return facts.sort_values(["event_id", "person"], ignore_index=True)


def anonymous_rows(session: Session, config: Config, candidate_ids: list[int], run_id: int) -> list[dict]:
    """The outcomes of ``candidate_ids``'s participations without the people (one random token per
    person), as ``anonymous_participations`` rows to insert before deleting them."""
    facts = live_facts(session, config, candidate_ids)
    tokens: dict[int, str] = {}
    out = []
    for row in facts.itertuples(index=False):
        token = tokens.setdefault(row.candidate_id, secrets.token_hex(16))
        out.append(
            {
                "retention_run_id": run_id,
                "person_token": token,
                "event_id": int(row.event_id),
                "status": row.status,
                "reached": list(row.reached),
                "contract_type": row.contract_type,
                "hired_on": row.hired_on,
                "bounced": bool(row.bounced),
                "unsubscribed": bool(row.unsubscribed),
            }
        )
    return out
