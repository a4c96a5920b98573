"""One person's history, for a coordinator: who they are, their invitations and answers,
attendance, and every message with its state, in time order, in French.

Printed on the coordinator's terminal only (``clauses candidate show``): this module returns text
and is never called from a flow, so nothing of it reaches a log, a Prefect artifact or a file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clauses import french
from clauses.errors import ClausesError
from clauses.messages.compose import References
from clauses.storage.candidates import Candidate, CandidateIdentity
from clauses.storage.outreach import EmailEvent, Message, Participation
from clauses.storage.planning import Event

STATUS_FR = {"invited": "invité·e", "registered": "inscrit·e", "declined": "désisté·e", "waitlisted": "en liste d'attente",
             "offered": "place proposée", "attended": "présent·e", "no_show": "absent·e", "excused": "excusé·e",
             "interested": "intéressé·e", "enrolled": "entré·e en formation", "completed": "formation terminée",
             "hired": "embauché·e"}
ORIGIN_FR = {"import": "feuille partenaire", "webhook": "messagerie", "coordinator": "coordination", "system": "système",
             "web": "réponse en ligne", "calendar": "réponse d'agenda"}
MESSAGE_FR = {"invitation": "invitation", "reminder": "rappel", "update": "changement", "cancellation": "annulation",
              "thanks": "remerciement", "missed_you": "« nous vous attendions »", "poec_offer": "proposition de POEC",
              "outcome_request": "demande de nouvelles"}
STATE_FR = {"pending": "en attente", "sending": "en cours d'envoi", "sent": "envoyé", "failed": "en échec"}
EMAIL_EVENT_FR = {"delivered": "remis", "bounce": "adresse en échec", "dropped": "non remis", "deferred": "différé",
                  "open": "ouvert", "click": "lien cliqué", "spamreport": "signalé comme indésirable",
                  "unsubscribe": "désinscription", "group_unsubscribe": "désinscription", "processed": "pris en charge"}


@dataclass
class History:
    candidate_id: int
    lines: list[str]


def find_candidate(session: Session, key: str) -> Candidate:
    """By id (digits), email (with @) or a partner's source id (``SOURCE:ID`` or the id alone)."""
    key = key.strip()
    found: list[Candidate] = []
    if key.isdigit():
        candidate = session.get(Candidate, int(key))
        found = [candidate] if candidate else []
    if not found and "@" in key:
        found = list(session.scalars(select(Candidate).where(func.lower(Candidate.email) == key.lower())))
    if not found:
        source, _, source_id = key.partition(":") if ":" in key else ("", "", key)
        # Distinct ids, not candidates: PostgreSQL cannot compare the candidates' JSON columns.
        query = select(CandidateIdentity.candidate_id).where(CandidateIdentity.source_id == source_id)
        if source:
            query = query.where(func.lower(CandidateIdentity.source) == source.lower())
        ids = sorted(set(session.scalars(query)))
        found = list(session.scalars(select(Candidate).where(Candidate.id.in_(ids)).order_by(Candidate.id))) if ids else []
    if not found:
        raise ClausesError(f"aucun candidat pour « {key} » : donnez son numéro, son adresse électronique ou "
                           "son identifiant chez le partenaire (SOURCE:IDENTIFIANT)")
    if len(found) > 1:
        numbers = ", ".join(str(c.id) for c in found)
        raise ClausesError(f"plusieurs candidats pour « {key} » (n° {numbers}) : donnez le numéro")
    return found[0]


def _when(moment: dt.datetime | None) -> str:
    return french.datetime_long(moment) if moment else "—"


def candidate_history(session: Session, key: str) -> History:
    candidate = find_candidate(session, key)
    refs = References.load(session)
    events = {e.id: e for e in session.scalars(select(Event).join(Participation, Participation.event_id == Event.id)
                                                 .where(Participation.candidate_id == candidate.id))}
    events.update({e.id: e for e in session.scalars(select(Event).join(Message, Message.event_id == Event.id)
                                                      .where(Message.candidate_id == candidate.id))})

    def event_name(event_id: int | None) -> str:
        event = events.get(event_id)
        if event is None:
            return "—"
        info = refs.event_info(event)
        return f"n° {event.id}, {info.title} du {french.when_short(info.start)}"

    lines = [f"Candidat n° {candidate.id} : {candidate.first_name} {candidate.last_name}"]
    if candidate.anonymised_at:
        lines.append(f"Données anonymisées le {_when(candidate.anonymised_at)}")
    lines.append(f"Adresse électronique : {candidate.email or '—'}"
                 + (" (en échec)" if candidate.email_status == "bounced" else ""))
    phone = french.phone_number(candidate.phone) if candidate.phone else "—"
    lines.append(f"Téléphone : {phone} ; commune : {candidate.commune or '—'}")
    trades = ", ".join(refs.trades.get(t, t) for t in candidate.trades or []) or "—"
    lines.append(f"Métiers souhaités : {trades}")
    identities = ", ".join(f"{i.source} {i.source_id}" for i in candidate.identities) or "—"
    lines.append(f"Identifiants chez les partenaires : {identities}")
    if candidate.opted_out:
        lines.append(f"Ne veut plus recevoir de messages (depuis le {_when(candidate.opted_out_at)})")

    lines += ["", "Participations :"]
    participations = session.scalars(select(Participation).where(Participation.candidate_id == candidate.id)
                                     .order_by(Participation.id)).all()
    if not participations:
        lines.append("  aucune")
    for participation in participations:
        contract = f" ({participation.contract_type})" if participation.contract_type else ""
        lines.append(f"  {event_name(participation.event_id)} : {STATUS_FR.get(participation.status, participation.status)}{contract}")
        for t in participation.transitions:
            lines.append(f"    {_when(t.at)} : {STATUS_FR.get(t.to_status, t.to_status)} "
                         f"({ORIGIN_FR.get(t.origin, t.origin)})")

    lines += ["", "Messages :"]
    messages = session.scalars(select(Message).where(Message.candidate_id == candidate.id)
                               .order_by(Message.created_at, Message.id)).all()
    if not messages:
        lines.append("  aucun")
    email_events: dict[int, list[EmailEvent]] = {}
    if messages:
        for e in session.scalars(select(EmailEvent).where(EmailEvent.message_id.in_([m.id for m in messages]))
                                 .order_by(EmailEvent.occurred_at)):
            email_events.setdefault(e.message_id, []).append(e)
    for message in messages:
        state = STATE_FR.get(message.state, message.state)
        when = message.sent_at or message.created_at
        lines.append(f"  {_when(when)} : {MESSAGE_FR.get(message.kind, message.kind)} ({event_name(message.event_id)}) "
                     f"– {state}" + (f", {message.attempts} tentatives" if message.attempts > 1 else ""))
        for e in email_events.get(message.id, []):
            lines.append(f"    {_when(e.occurred_at)} : {EMAIL_EVENT_FR.get(e.type, e.type)}")
    return History(candidate_id=candidate.id, lines=lines)
