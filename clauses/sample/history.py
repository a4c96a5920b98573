"""The sample's recent past: events already held before the demo starts, and the partners' sheet
saying who came, who trained and who was hired.

The planner only plans ahead, so without a past the demo could not show attendance, follow-ups or
outcomes. This module adds, relative to ``today``, the façadier chain to a job, linked as the
planner links it: a France Travail information session (30 weeks ago) and a discovery (28 weeks
ago) recruiting for a POEC cohort (24 to 13 weeks ago, so the outcome requests are due), whose
completers meet employers at a GEIQ recruitment event (11 weeks ago, ``hiring_event_id``) where
most are hired; and a maçon VRD discovery (last week, so thanks and "we missed you" are due). The
invitees are fictitious, drawn from the candidate pool (as if invited before the software was
used); the attendance sheet a partner would send back says who came, trained, met the employers
and was hired (a hire is written on the recruitment event and on the cohort, as both partners
report it; the report counts it once). Deterministic for a given seed and ``today``.
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
    session_day = monday - dt.timedelta(weeks=30) + dt.timedelta(days=1)
    discovery_day = monday - dt.timedelta(weeks=28) + dt.timedelta(days=1)
    poec_start = monday - dt.timedelta(weeks=24)
    poec_end = poec_start + dt.timedelta(weeks=11) - dt.timedelta(days=3)
    hiring_day = monday - dt.timedelta(weeks=11) + dt.timedelta(days=2)  # 12 days after the cohort ends
    recent_day = monday - dt.timedelta(weeks=1) + dt.timedelta(days=1)
    specs = [
        ("discovery", "facadier", "geiq_btp_63", "geiq_clermont", _at(discovery_day, 9), _at(discovery_day, 12), 15),
        ("poec", "facadier", "btp_cfa_63", "cfa_ateliers", _at(poec_start, 9), _at(poec_end, 17), 12),
        ("discovery", "macon_vrd", "frtp_aura", "plateforme_tp_cournon", _at(recent_day, 9), _at(recent_day, 12), 14),
        ("information_session", "facadier", "france_travail_clermont_nord", "ft_clermont_nord", _at(session_day, 9),
         _at(session_day, 11), 20),
        ("recruitment", "facadier", "geiq_btp_63", "geiq_clermont", _at(hiring_day, 9), _at(hiring_day, 12), 20),
    ]
    events = []
    for kind, trade, partner, venue, start, end, capacity in specs:
        event = Event(plan=plan, kind=kind, trade_key=trade, partner_key=partner, venue_key=venue, start=start,
                      end=end, capacity=capacity, target_invitations=capacity * 2, status="held",
                      approved_at=plan.decided_at, announced_at=start - dt.timedelta(days=21), uid=new_uid())
        session.add(event)
        events.append(event)
    discovery, poec, recent, information, recruitment = events
    recruitment.target_invitations = None  # its candidates are the cohort's completers
    recruitment.employer_capacity = 8
    session.flush()
    # The chain's links, as the planner stores them.
    discovery.recruits_for_event_id = information.recruits_for_event_id = poec.id
    poec.hiring_event_id = recruitment.id
    rng = np.random.default_rng(seed)
    for event in (discovery, recent):
        _invite(session, event, rng)
    _invite(session, information, np.random.default_rng(seed + 1))  # its own draws: the others' stay the same
    return [event.id for event in events]


def _invite(session: Session, event: Event, rng: np.random.Generator) -> None:
    interested = [c for c in session.scalars(select(Candidate).order_by(Candidate.id)) if event.trade_key in (c.trades or []) and c.can_be_contacted]
    chosen = rng.permutation(len(interested))[: event.target_invitations]
    for index in sorted(chosen):
        record_status(session, candidate_id=interested[index].id, event_id=event.id, status="invited",
                      origin="import", at=event.start - dt.timedelta(days=14))


def write_attendance_sheet(session: Session, event_ids: list[int], folder: Path, seed: int = 11) -> Path:
    """The sheet partners send back after the events: presence, interest, training and hiring."""
    rng, chain_rng = np.random.default_rng(seed), np.random.default_rng(seed + 1)
    events = {(e.kind, e.trade_key): e for e in session.scalars(select(Event).where(Event.id.in_(event_ids)))}
    discovery, poec, recent = events["discovery", "facadier"], events["poec", "facadier"], events["discovery", "macon_vrd"]
    information, recruitment = events.get(("information_session", "facadier")), events.get(("recruitment", "facadier"))
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
    if information is not None:
        invited = session.scalars(select(Participation).where(Participation.event_id == information.id)
                                  .order_by(Participation.id)).all()
        for participation in invited:
            draw = chain_rng.random()
            line(information, participation.candidate_id, "présent" if draw < 0.5 else "absent" if draw < 0.8 else "excusé")
    for candidate_id in trainees[: poec.capacity]:
        outcome = rng.random()
        if outcome < 0.55:
            contract = str(rng.choice(["CDI", "contrat de professionnalisation", "CDD 12 mois"]))
            if recruitment is None:
                line(poec, candidate_id, "embauché", contract, when=poec.end)
                continue
            # Trained, met the GEIQ's member companies at the recruitment event, hired a week later.
            hired_on = recruitment.start + dt.timedelta(days=7)
            line(poec, candidate_id, "formation terminée", when=poec.end)
            line(recruitment, candidate_id, "présent")
            line(recruitment, candidate_id, "embauché", contract, when=hired_on)
            line(poec, candidate_id, "embauché", contract, when=hired_on)
        elif outcome < 0.85:
            line(poec, candidate_id, "formation terminée", when=poec.end)
            if recruitment is not None:  # met the employers (or not), no hire yet
                line(recruitment, candidate_id, "présent" if chain_rng.random() < 0.6 else "excusé")
        else:
            line(poec, candidate_id, "entré en formation")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "presences-partenaires.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(SHEET_HEADER)
        writer.writerows(rows)
    return path
