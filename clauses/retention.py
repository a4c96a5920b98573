"""Data retention: candidates inactive for ``inactive_months`` (24 by default, as rdv-insertion) lose
their personal data, and the run is recorded with counts only (``retention_runs``).

Activity is the latest of: ``Candidate.last_activity_at`` (import, merge), a status change of one of
their participations (``ParticipationTransition.at``), a message sent to them (``Message.sent_at``).

Mode "anonymise" (default) keeps the candidate row for the aggregates and removes what is personal:
- first and last name become "Anonyme"; email, phone, commune, availability notes, consent basis
  and consent date become empty. The commune goes too: with the trades, eligibility and dates it
  could single a person out in a small commune.
- kept, because the reports count them and none identifies a person: eligibility criteria, trades
  of interest, QPV residence, email status (bounced) and opt-out, participations and transitions.
- partner identities (``candidate_identities``: partner ids) are deleted.
- messages keep their counts; their last error (a provider message may quote the address) is
  emptied; their .eml copies in the file transport's outbox are deleted.
- replies received by email (``inbound_replies``) lose their sender, subject and excerpt, theirs
  and, whoever wrote them, those received before the cutoff.

Mode "delete" removes the candidate, identities, participations and transitions; before that, each
participation's outcome is copied without the person into ``anonymous_participations`` (a random
token per deleted person keeps them from being counted twice), so the report's counts do not move.
Messages and email events stay, detached from the person (their candidate id is emptied).

Company contacts (``company_contacts``: the address a company's invitations to recruitment events
go to, and the person to greet) with no activity since the cutoff either (contact imported or
changed, message sent to the company, answer to an event) are retired, in both modes: the contact
is deleted, and the company, its answers and its messages stay. A contact who unsubscribed keeps its
address and opt-out, so that a later import cannot write to them again, but loses the person's name.

A dry run counts what would be done, changes nothing and is recorded as such.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from pathlib import Path

from dateutil.relativedelta import relativedelta
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from clauses import settings
from clauses.config import Config
from clauses.inbound.calendar_replies import scrub_personal_details
from clauses.reporting.facts import aware
from clauses.storage.base import utcnow
from clauses.storage.candidates import Candidate, CandidateIdentity
from clauses.storage.employers import CompanyContact, EmployerParticipation
from clauses.storage.outreach import EmailEvent, Message, Participation, ParticipationTransition
from clauses.storage.replies import InboundReply
from clauses.storage.retention import RETENTION_MODES, AnonymousParticipation, RetentionRun

ANONYMOUS_NAME = "Anonyme"
BATCH = 500


@dataclass
class RetentionResult:
    run_id: int
    mode: str
    dry_run: bool
    inactive_months: int
    cutoff: dt.datetime
    candidates_examined: int = 0
    candidates_inactive: int = 0
    candidates_anonymised: int = 0
    candidates_deleted: int = 0
    identities_deleted: int = 0
    participations_archived: int = 0
    messages_scrubbed: int = 0
    outbox_files_deleted: int = 0
    company_contacts_retired: int = 0

    def as_dict(self) -> dict:
        out = asdict(self)
        out["cutoff"] = self.cutoff.isoformat()
        return out


def cutoff_for(now: dt.datetime, inactive_months: int) -> dt.datetime:
    return aware(now) - relativedelta(months=inactive_months)


def last_activity(session: Session, candidate_ids: list[int] | None = None) -> dict[int, dt.datetime]:
    """Per candidate, the latest activity (UTC-aware)."""
    query = select(Candidate.id, Candidate.last_activity_at, Candidate.created_at)
    if candidate_ids is not None:
        query = query.where(Candidate.id.in_(candidate_ids))
    latest: dict[int, dt.datetime] = {}
    for cid, last, created in session.execute(query):
        latest[cid] = aware(last or created)

    def bump(rows):
        for cid, moment in rows:
            if cid in latest and moment is not None and aware(moment) > latest[cid]:
                latest[cid] = aware(moment)

    bump(
        session.execute(
            select(Participation.candidate_id, func.max(ParticipationTransition.at))
            .join(ParticipationTransition, ParticipationTransition.participation_id == Participation.id)
            .group_by(Participation.candidate_id)
        )
    )
    bump(
        session.execute(
            select(Message.candidate_id, func.max(Message.sent_at))
            .where(Message.candidate_id.is_not(None))
            .group_by(Message.candidate_id)
        )
    )
    return latest


def inactive_candidates(session: Session, cutoff: dt.datetime, mode: str) -> tuple[int, list[int]]:
    """(number examined, ids inactive since before ``cutoff``). Anonymising skips candidates already
    anonymised; deleting also takes them."""
    activity = last_activity(session)
    already = set(session.scalars(select(Candidate.id).where(Candidate.anonymised_at.is_not(None))))
    examined = [cid for cid in activity if mode == "delete" or cid not in already]
    return len(examined), sorted(cid for cid in examined if activity[cid] < cutoff)


def inactive_contacts(session: Session, cutoff: dt.datetime) -> list[CompanyContact]:
    """Company contacts with no activity since ``cutoff`` and something personal left."""
    latest: dict[int, dt.datetime] = {}
    for company_id, moment in [
        *session.execute(select(Message.company_id, func.max(Message.sent_at)).where(Message.company_id.is_not(None)).group_by(Message.company_id)),
        *session.execute(select(EmployerParticipation.company_id, func.max(EmployerParticipation.status_at)).group_by(EmployerParticipation.company_id)),
    ]:
        if moment is not None and (company_id not in latest or aware(moment) > latest[company_id]):
            latest[company_id] = aware(moment)
    contacts = session.scalars(select(CompanyContact).order_by(CompanyContact.id))
    return [c for c in contacts if max(aware(c.updated_at), latest.get(c.company_id, aware(c.updated_at))) < cutoff
            and (not c.opted_out or c.name)]


def _retire_contacts(contacts: list[CompanyContact], session: Session) -> None:
    for contact in contacts:
        if contact.opted_out:
            contact.name = None  # the address stays with its opt-out
        else:
            session.delete(contact)


def _outbox_files(session: Session, ids: list[int], outbox: Path) -> list[Path]:
    public_ids = session.scalars(select(Message.public_id).where(Message.candidate_id.in_(ids)))
    paths = []
    for public_id in public_ids:
        for suffix in (".eml", ".eml.part"):
            path = outbox / f"{public_id}{suffix}"
            if path.exists():
                paths.append(path)
    return paths


def _scrub_messages(session: Session, ids: list[int]) -> int:
    return session.execute(
        update(Message).where(Message.candidate_id.in_(ids)).values(last_error=None).execution_options(synchronize_session=False)
    ).rowcount or 0


def _anonymise(session: Session, ids: list[int], now: dt.datetime) -> int:
    return session.execute(
        update(Candidate)
        .where(Candidate.id.in_(ids))
        .values(
            first_name=ANONYMOUS_NAME,
            last_name=ANONYMOUS_NAME,
            email=None,
            phone=None,
            commune=None,
            availability_notes=None,
            consent_basis=None,
            consent_date=None,
            anonymised_at=now,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    ).rowcount or 0


def _delete(session: Session, config: Config, ids: list[int], run_id: int) -> tuple[int, int]:
    from clauses.reporting.facts import anonymous_rows

    outcomes = anonymous_rows(session, config, ids, run_id)
    if outcomes:
        session.execute(insert(AnonymousParticipation), outcomes)
    participation_ids = select(Participation.id).where(Participation.candidate_id.in_(ids))
    session.execute(
        delete(ParticipationTransition)
        .where(ParticipationTransition.participation_id.in_(participation_ids))
        .execution_options(synchronize_session=False)
    )
    session.execute(delete(Participation).where(Participation.candidate_id.in_(ids)).execution_options(synchronize_session=False))
    session.execute(update(Message).where(Message.candidate_id.in_(ids)).values(candidate_id=None).execution_options(synchronize_session=False))
    session.execute(update(EmailEvent).where(EmailEvent.candidate_id.in_(ids)).values(candidate_id=None).execution_options(synchronize_session=False))
    session.execute(update(InboundReply).where(InboundReply.candidate_id.in_(ids)).values(candidate_id=None).execution_options(synchronize_session=False))
    deleted = session.execute(delete(Candidate).where(Candidate.id.in_(ids)).execution_options(synchronize_session=False)).rowcount or 0
    return deleted, len(outcomes)


def apply_retention(
    session: Session,
    config: Config,
    *,
    now: dt.datetime | None = None,
    mode: str | None = None,
    inactive_months: int | None = None,
    dry_run: bool = False,
    outbox: Path | None = None,
) -> RetentionResult:
    """Anonymise or delete the candidates inactive for ``inactive_months`` and record the run.

    Runs in the caller's transaction: commit it to keep the changes (``Database.transaction()``).
    Files in the outbox are deleted only when not a dry run; they are deleted before the commit, so
    a failed commit can leave messages whose .eml copy is already gone (never the reverse).
    """
    now = aware(now) if now is not None else utcnow()
    settings_ = config.retention
    mode = mode or settings_.mode
    if mode not in RETENTION_MODES:
        raise ValueError(f"unknown retention mode {mode!r}; expected one of {', '.join(RETENTION_MODES)}")
    months = inactive_months if inactive_months is not None else settings_.inactive_months
    if months < 1:
        raise ValueError(f"inactive_months must be at least 1 (got {months})")
    cutoff = cutoff_for(now, months)
    run = RetentionRun(mode=mode, dry_run=dry_run, inactive_months=months, cutoff=cutoff, started_at=now)
    session.add(run)
    session.flush()
    result = RetentionResult(run_id=run.id, mode=mode, dry_run=dry_run, inactive_months=months, cutoff=cutoff)
    result.candidates_examined, inactive = inactive_candidates(session, cutoff, mode)
    result.candidates_inactive = len(inactive)
    outbox = outbox or settings.output_dir("outbox")
    for i in range(0, len(inactive), BATCH):
        ids = inactive[i : i + BATCH]
        result.identities_deleted += session.scalar(
            select(func.count()).select_from(CandidateIdentity).where(CandidateIdentity.candidate_id.in_(ids))
        ) or 0
        result.messages_scrubbed += session.scalar(
            select(func.count()).select_from(Message).where(Message.candidate_id.in_(ids))
        ) or 0
        files = _outbox_files(session, ids, outbox) if settings_.delete_outbox_files else []
        result.outbox_files_deleted += len(files)
        if dry_run:
            if mode == "delete":
                result.candidates_deleted += len(ids)
                result.participations_archived += session.scalar(
                    select(func.count()).select_from(Participation).where(Participation.candidate_id.in_(ids))
                ) or 0
            else:
                result.candidates_anonymised += len(ids)
            continue
        for path in files:
            path.unlink(missing_ok=True)
        _scrub_messages(session, ids)
        scrub_personal_details(session, candidate_ids=ids)
        session.execute(delete(CandidateIdentity).where(CandidateIdentity.candidate_id.in_(ids)).execution_options(synchronize_session=False))
        if mode == "anonymise":
            result.candidates_anonymised += _anonymise(session, ids, now)
        else:
            deleted, archived = _delete(session, config, ids, run.id)
            result.candidates_deleted += deleted
            result.participations_archived += archived
    contacts = inactive_contacts(session, cutoff)
    result.company_contacts_retired = len(contacts)
    if not dry_run:
        scrub_personal_details(session, received_before=cutoff)
        _retire_contacts(contacts, session)
    for name in (
        "candidates_examined", "candidates_inactive", "candidates_anonymised", "candidates_deleted",
        "identities_deleted", "participations_archived", "messages_scrubbed", "outbox_files_deleted",
        "company_contacts_retired",
    ):
        setattr(run, name, getattr(result, name))
    run.finished_at = utcnow()
    session.flush()
    session.expire_all()
    return result
