"""A candidate's participation in an event as named states with named transitions.

    invited → registered / declined / waitlisted → offered → registered
    registered → attended / no_show / excused → interested → enrolled → completed → hired

"waitlisted": said yes when the event was full; "offered": a place freed up and is held for them
until ``offer_expires_at`` (``clauses.outreach.places`` counts places and runs the waiting list).
Every change is recorded with its time and origin: web (an answer page), calendar_reply (an iTIP
REPLY from a mail client), partner_sheet / import (a partner's sheet), webhook, coordinator, system. A person
may be recorded straight into any state (a walk-in is "attended" without an invitation). Setting the
state a participation already has changes nothing, so imports can be re-run. Moving backwards (a
correction) is only allowed to a coordinator.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from clauses.errors import ClausesError
from clauses.storage.base import utcnow
from clauses.storage.outreach import PARTICIPATION_STATUSES, Participation, ParticipationTransition

ORIGINS = ("import", "partner_sheet", "web", "calendar_reply", "webhook", "coordinator", "system")
# Origins of a candidate's own answer (the report's share of answers by channel).
ANSWER_ORIGINS = {"web": "web", "calendar_reply": "calendar_reply", "partner_sheet": "partner_sheet",
                  "import": "partner_sheet"}

# Forward moves anyone may record.
ALLOWED: dict[str, frozenset[str]] = {
    "invited": frozenset({"registered", "declined", "waitlisted", "attended", "no_show", "excused"}),
    "registered": frozenset({"declined", "attended", "no_show", "excused"}),
    "waitlisted": frozenset({"offered", "registered", "declined", "attended"}),
    "offered": frozenset({"registered", "declined", "attended"}),
    "declined": frozenset({"registered", "waitlisted", "attended"}),
    "excused": frozenset({"registered", "waitlisted", "attended", "no_show"}),
    "no_show": frozenset({"attended", "excused"}),
    "attended": frozenset({"interested", "enrolled", "completed", "hired"}),
    "interested": frozenset({"enrolled", "declined", "hired"}),
    "enrolled": frozenset({"completed", "hired"}),
    "completed": frozenset({"hired"}),
    "hired": frozenset(),
}


# How a coordinator names each status (messages and summaries).
STATUS_NAMES_FR = {
    "invited": "invité", "registered": "inscrit", "declined": "désisté", "waitlisted": "en liste d'attente",
    "offered": "place proposée", "attended": "présent", "no_show": "absent", "excused": "excusé",
    "interested": "intéressé", "enrolled": "entré en formation", "completed": "formation terminée",
    "hired": "embauché",
}


class TransitionError(ClausesError):
    """A participation cannot move from its state to the one asked for."""


def can_move(current: str, target: str, origin: str) -> bool:
    if target == current:
        return True
    return target in ALLOWED[current] or origin == "coordinator"


def record_status(
    session: Session,
    *,
    candidate_id: int,
    event_id: int,
    status: str,
    origin: str,
    at: dt.datetime | None = None,
    contract_type: str | None = None,
) -> tuple[Participation, bool]:
    """Set a candidate's status for an event, creating the participation if needed.

    Returns the participation and whether anything changed. Raises ``TransitionError`` for a move
    the rules above forbid.
    """
    if status not in PARTICIPATION_STATUSES:
        raise TransitionError(f"statut de participation inconnu {status!r} ; valeurs possibles : {', '.join(PARTICIPATION_STATUSES)}")
    if origin not in ORIGINS:
        raise ValueError(f"unknown origin {origin!r}")
    at = at or utcnow()
    participation = session.scalar(
        select(Participation).where(
            Participation.candidate_id == candidate_id, Participation.event_id == event_id
        )
    )
    if participation is None:
        participation = Participation(candidate_id=candidate_id, event_id=event_id, status=status, status_at=at)
        if status == "hired":
            participation.contract_type = contract_type
        session.add(participation)
        participation.transitions.append(ParticipationTransition(from_status=None, to_status=status, origin=origin, at=at))
        session.flush()
        return participation, True
    current = participation.status
    if status == current:
        if status == "hired" and contract_type and participation.contract_type != contract_type:
            participation.contract_type = contract_type
            return participation, True
        return participation, False
    if not can_move(current, status, origin):
        raise TransitionError(f"une participation ne peut pas passer de « {STATUS_NAMES_FR.get(current, current)} » à « {STATUS_NAMES_FR.get(status, status)} » (origine : {origin})")
    participation.status = status
    participation.status_at = at
    if status != "offered":
        participation.offer_expires_at = None
    if status == "hired":
        participation.contract_type = contract_type
    participation.transitions.append(ParticipationTransition(from_status=current, to_status=status, origin=origin, at=at))
    session.flush()
    return participation, True


def record_invitations(
    session: Session,
    *,
    event_id: int,
    candidate_ids: list[int],
    at: dt.datetime | None = None,
    origin: str = "system",
) -> list[int]:
    """``record_status(status="invited")`` for many candidates of one event, in a few statements:
    each candidate without a participation in the event gets an "invited" participation and its
    first transition (from nothing to "invited", this origin, at ``at``). Candidates who already hold
    a participation in the event go through ``record_status`` one by one (same rules, same errors).
    Returns the ids of the candidates whose participation was created."""
    if origin not in ORIGINS:
        raise ValueError(f"unknown origin {origin!r}")
    at = at or utcnow()
    wanted = list(dict.fromkeys(candidate_ids))
    if not wanted:
        return []
    session.flush()
    existing: set[int] = set()
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        existing.update(session.scalars(
            select(Participation.candidate_id).where(Participation.event_id == event_id, Participation.candidate_id.in_(chunk))
        ))
    for candidate_id in (c for c in wanted if c in existing):
        record_status(session, candidate_id=candidate_id, event_id=event_id, status="invited", origin=origin, at=at)
    new = [c for c in wanted if c not in existing]
    if not new:
        return []
    session.execute(
        insert(Participation.__table__),
        [{"candidate_id": c, "event_id": event_id, "status": "invited", "status_at": at} for c in new],
    )
    ids: dict[int, int] = {}
    for start in range(0, len(new), _CHUNK):
        chunk = new[start : start + _CHUNK]
        ids.update({c: p for c, p in session.execute(
            select(Participation.candidate_id, Participation.id)
            .where(Participation.event_id == event_id, Participation.candidate_id.in_(chunk))
        )})
    session.execute(
        insert(ParticipationTransition.__table__),
        [{"participation_id": ids[c], "from_status": None, "to_status": "invited", "origin": origin, "at": at} for c in new],
    )
    return new


_CHUNK = 500
