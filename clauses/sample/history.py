"""The sample's recent past: events already held before the demo starts, and the partners' sheet
saying who came, who trained and who was hired.

The planner only plans ahead, so without a past the demo could not show attendance, follow-ups or
outcomes. This module adds, relative to ``today``: a façadier discovery (28 weeks ago) followed by
its POEC cohort (24 to 13 weeks ago, so the outcome requests are due), and a maçon VRD discovery
(last week, so thanks and "we missed you" are due), with fictitious
invitees from the candidate pool (as if invited before the software was used), then writes the
attendance sheet a partner would send back. Deterministic for a given seed and ``today``.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from clauses.config import Config
from clauses.outreach.participation import record_status
from clauses.planning.store import new_uid
from clauses.storage import Candidate, Event, Participation, Plan
from clauses.storage.base import utcnow
from clauses.storage.reference_sync import sync_reference

PARIS = ZoneInfo("Europe/Paris")
HISTORY_NOTE = "historique de démonstration"
SHEET_HEADER = ["Événement", "Identifiant candidat", "Statut", "Type de contrat", "Date"]


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=PARIS).astimezone(dt.timezone.utc)


def seed_history(session: Session, config: Config, today: dt.date, seed: int = 7) -> list[int]:
    """Create the past events and their invitees once; returns the event ids (idempotent)."""
    existing = session.scalar(select(Plan).where(Plan.decision_note == HISTORY_NOTE))
    if existing is not None:
        return [event.id for event in existing.events]
    sync_reference(session, config)
    # Past events only: recorded as a plan already replaced, so the demo keeps one current approved plan.
    plan = Plan(status="superseded", decided_at=utcnow(), decided_by="démonstration", decision_note=HISTORY_NOTE,
                parameters={"history": True})
    session.add(plan)
    monday = _monday(today)
    discovery_day = monday - dt.timedelta(weeks=28) + dt.timedelta(days=1)
    poec_start = monday - dt.timedelta(weeks=24)
    poec_end = poec_start + dt.timedelta(weeks=11) - dt.timedelta(days=3)
    recent_day = monday - dt.timedelta(weeks=1) + dt.timedelta(days=1)
    specs = [
        ("discovery", "facadier", "geiq_btp_63", "geiq_clermont", _at(discovery_day, 9), _at(discovery_day, 12), 15),
        ("poec", "facadier", "btp_cfa_63", "cfa_ateliers", _at(poec_start, 9), _at(poec_end, 17), 12),
        ("discovery", "macon_vrd", "frtp_aura", "plateforme_tp_cournon", _at(recent_day, 9), _at(recent_day, 12), 14),
    ]
    events = []
    for kind, trade, partner, venue, start, end, capacity in specs:
        event = Event(plan=plan, kind=kind, trade_key=trade, partner_key=partner, venue_key=venue, start=start,
                      end=end, capacity=capacity, target_invitations=capacity * 2, status="held",
                      approved_at=plan.decided_at, announced_at=start - dt.timedelta(days=21), uid=new_uid())
        session.add(event)
        events.append(event)
    session.flush()
    rng = np.random.default_rng(seed)
    for event in (events[0], events[2]):
        interested = [c for c in session.scalars(select(Candidate).order_by(Candidate.id)) if event.trade_key in (c.trades or []) and c.can_be_contacted]
        chosen = rng.permutation(len(interested))[: event.target_invitations]
        for index in sorted(chosen):
            record_status(session, candidate_id=interested[index].id, event_id=event.id, status="invited",
                          origin="import", at=event.start - dt.timedelta(days=14))
    return [event.id for event in events]


def write_attendance_sheet(session: Session, event_ids: list[int], folder: Path, seed: int = 11) -> Path:
    """The sheet partners send back after the events: presence, interest, training and hiring."""
    rng = np.random.default_rng(seed)
    events = {e.id: e for e in session.scalars(select(Event).where(Event.id.in_(event_ids)))}
    discovery, poec, recent = (events[i] for i in event_ids)
    rows: list[list[str]] = []

    def line(event: Event, candidate_id: int, status: str, contract: str = "", when: dt.datetime | None = None) -> None:
        moment = (when or event.start).astimezone(PARIS)
        rows.append([event.uid, str(candidate_id), status, contract, moment.strftime("%d/%m/%Y")])

    trainees = []
    for event in (discovery, recent):
        invited = session.scalars(select(Participation).where(Participation.event_id == event.id).order_by(Participation.id)).all()
        for participation in invited:
            draw = rng.random()
            if draw < 0.45:
                line(event, participation.candidate_id, "présent")
                if event is discovery and rng.random() < 0.6:
                    line(event, participation.candidate_id, "intéressé POEC")
                    trainees.append(participation.candidate_id)
            elif draw < 0.75:
                line(event, participation.candidate_id, "absent")
            elif draw < 0.85:
                line(event, participation.candidate_id, "excusé")
            else:
                line(event, participation.candidate_id, "inscrit", when=event.start - dt.timedelta(days=7))
    for candidate_id in trainees[: poec.capacity]:
        outcome = rng.random()
        if outcome < 0.55:
            contract = str(rng.choice(["CDI", "contrat de professionnalisation", "CDD 12 mois"]))
            line(poec, candidate_id, "embauché", contract, when=poec.end)
        elif outcome < 0.85:
            line(poec, candidate_id, "formation terminée", when=poec.end)
        else:
            line(poec, candidate_id, "entré en formation")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "presences-partenaires.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(SHEET_HEADER)
        writer.writerows(rows)
    return path
