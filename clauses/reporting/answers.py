"""Candidates' answers to invitations: how many answered, registered, declined or wait for a
place, and by which channel the answers came (web page, calendar reply, partner's sheet,
coordinator).

- answered: the participation had at least one answer (a transition to registered, declined,
  waitlisted or excused that the system did not make itself, e.g. a lapsed offer);
- invited: every participation (an invitation, or a walk-in recorded by a partner);
- registered: now registered (the event to come, or not yet marked as attended); declined: now
  declined; waitlisted: now on the waiting list or holding an offered place;
- channel: the origin of the participation's latest answer (``participation.ANSWER_ORIGINS``;
  anything else, e.g. a coordinator's correction, counts as "coordinator").
Counts only, never a person. Only participations still on record are counted: data retention
deletes how a person answered with the person (the funnel tables keep their anonymous outcomes).
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from clauses.outreach.participation import ANSWER_ORIGINS
from clauses.storage.outreach import Participation, ParticipationTransition

ANSWER_STATUSES = ("registered", "declined", "waitlisted", "excused")
CHANNELS = ("web", "calendar_reply", "partner_sheet", "coordinator")
CHANNEL_LABELS = {"web": "Page web (lien du courriel)", "calendar_reply": "Réponse d’agenda",
                  "partner_sheet": "Feuille d’un partenaire", "coordinator": "Coordinateur"}
# What each count is, as the report's table names it: counts of invitations (one person at one
# event), not of people, who are counted once each in the funnel.
LABELS = {"invited": "Toutes les invitations", "answered": "Avec une réponse", "registered": "Inscriptions en cours",
          "declined": "Déclinées", "waitlisted": "En liste d’attente"}


def answer_counts(session: Session) -> dict:
    """{"invited", "answered", "registered", "declined", "waitlisted": int, "channels": {channel:
    int}, "shares": {channel: float | None}}."""
    statuses = dict(session.execute(select(Participation.id, Participation.status)).all())
    latest: dict[int, str] = {}
    T = ParticipationTransition
    for pid, origin in session.execute(
        select(T.participation_id, T.origin).where(T.to_status.in_(ANSWER_STATUSES), T.origin != "system").order_by(T.id)
    ):
        latest[pid] = ANSWER_ORIGINS.get(origin, "coordinator")
    channels = Counter(latest.values())
    answered = len(latest)
    now = Counter(statuses.values())
    return {
        "invited": len(statuses),
        "answered": answered,
        "registered": now["registered"],
        "declined": now["declined"],
        "waitlisted": now["waitlisted"] + now["offered"],
        "channels": {c: channels[c] for c in CHANNELS},
        "shares": {c: (channels[c] / answered if answered else None) for c in CHANNELS},
    }
