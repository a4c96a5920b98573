"""Which employers are invited to a recruitment event, in what order, and who waits.

**The lots an event serves.** A recruitment event (kind ``recruitment``) serves the lots of its
trade that still owe insertion hours (``insertion_hours > hours_delivered``, status not "done")
and whose work window ``[start, end]`` overlaps the event's *serving window*: from the event's day
to ``employers.serving_window_weeks`` weeks after it (``config/employers.yaml``, 26 weeks by
default). Those are the jobs the event's candidates can take.

**Its employers**, in this order:

1. the companies holding those lots (DECP awardees, or a pipeline file's company column), the one
   owing the most clause hours first (a lot won jointly counts in equal shares, as in the report;
   hours owed = the lots' insertion hours not yet delivered), then by company id;
2. the GEIQ's member companies (``employers.geiq_members``) whose trades include the event's
   trade (no trades listed: every trade), in the configuration's order. A member that also holds a
   lot is listed once, among the holders.

**Who is invited.** At most the event's ``employer_capacity`` companies hold an invitation or a
place at a time (participation "invited" or "registered"; without a value on the event, the
trade's ``recruitment.employer_capacity``). Going down the list, a company is:

- ``invited``: it has a contact address (``clauses entreprises contacts``) that has neither
  unsubscribed nor bounced, and there is room: a participation "invited" and an
  ``employer_invitation`` in the ledger (exactly once per event version);
- ``no_contact`` / ``opted_out`` / ``bounced``: not invited, listed with the reason (never silently
  skipped); the room goes to the next company;
- ``waiting``: no room left; invited by a later run when a company declines (its answer frees the
  room) or the capacity grows;
- ``already``: invited earlier (its answer is shown). When the event moved since its invitation (a
  higher SEQUENCE), the invitation is sent again with the new date (same calendar UID, new
  SEQUENCE); when the event is cancelled, an ``employer_cancellation`` goes to those invited.

Events: approved, scheduled or moved, kind recruitment, at least ``outreach.min_days_before_event``
days ahead (as for candidates).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clauses.config import Config
from clauses.ingest.awardees import person_like, public_label
from clauses.messages import ledger
from clauses.storage.base import utcnow
from clauses.storage.companies import Company, LotCompany
from clauses.storage.employers import CompanyContact, EmployerParticipation
from clauses.storage.outreach import Message
from clauses.storage.pipeline import Lot, Operation
from clauses.storage.planning import Event

RECRUITMENT = "recruitment"
INVITATION = "employer_invitation"
CANCELLATION = "employer_cancellation"
EMPLOYER_KINDS = (INVITATION, CANCELLATION)
HOLDING = ("invited", "registered")  # statuses that take one of the event's employer places

REASONS_FR = {
    "no_contact": "pas d'adresse de contact (clauses entreprises contacts FICHIER)",
    "opted_out": "désinscrite de nos messages",
    "bounced": "adresse de contact en échec (rebond)",
    "waiting": "en attente : les places employeurs sont prises",
}
SOURCE_FR = {"awardee": "titulaire", "geiq_member": "membre du GEIQ", "both": "titulaire et membre du GEIQ"}


@dataclass(frozen=True)
class ServedLot:
    lot_id: int
    external_id: str
    name: str
    operation: str
    commune: str
    hours: float  # the company's share of the lot's insertion hours
    owed: float  # of which not yet delivered
    start: dt.date
    end: dt.date


@dataclass
class Employer:
    company_id: int
    label: str  # public label: the name, or the identifier for a name that may be a person's
    source: str  # awardee / geiq_member / both
    lots: list[ServedLot] = field(default_factory=list)

    @property
    def owed(self) -> float:
        return sum(lot.owed for lot in self.lots)


@dataclass
class EmployerDecision:
    company_id: int
    label: str
    source: str
    owed_hours: float
    outcome: str  # invited, already, waiting, no_contact, opted_out, bounced
    status: str | None = None  # the company's answer, for "already"

    @property
    def reason_fr(self) -> str:
        return REASONS_FR.get(self.outcome, "")


@dataclass
class EmployerSelection:
    event_id: int
    trade_key: str
    start: dt.datetime
    capacity: int
    decisions: list[EmployerDecision] = field(default_factory=list)
    lots: int = 0  # lots the event serves

    def count(self, outcome: str) -> int:
        return sum(1 for d in self.decisions if d.outcome == outcome)

    def as_dict(self) -> dict:
        """Counts and public labels only (company names that may be a person's are identifiers)."""
        data = asdict(self)
        data["start"] = self.start.isoformat()
        return data


def serving_window(event: Event, config: Config) -> tuple[dt.date, dt.date]:
    """[event day, event day + serving_window_weeks] in Paris dates."""
    from clauses.french import PARIS

    day = _aware(event.start).astimezone(PARIS).date()
    return day, day + dt.timedelta(weeks=config.employers.serving_window_weeks)


def employer_capacity(event: Event, config: Config) -> int:
    if event.employer_capacity:
        return event.employer_capacity
    trade = config.find_trade(event.trade_key)
    return trade.recruitment.employer_capacity if trade is not None else 0


def served_lots(session: Session, config: Config, event: Event) -> dict[int, list[ServedLot]]:
    """Company id → the lots of the event's trade it holds in the serving window (hours owed > 0)."""
    first, last = serving_window(event, config)
    rows = session.execute(
        select(Lot.id, Lot.external_id, Lot.name, Lot.commune, Operation.name, Operation.commune, Lot.insertion_hours,
               Lot.hours_delivered, Lot.start, Lot.end, LotCompany.company_id)
        .join(Operation, Operation.id == Lot.operation_id)
        .join(LotCompany, LotCompany.lot_id == Lot.id)
        .where(Lot.trade_key == event.trade_key, Lot.status != "done", Lot.start <= last, Lot.end >= first,
               Lot.insertion_hours > Lot.hours_delivered)
        .order_by(Lot.start, Lot.id)
    ).all()
    holders: dict[int, int] = defaultdict(int)
    for row in rows:
        holders[row[0]] += 1
    by_company: dict[int, list[ServedLot]] = defaultdict(list)
    for lot_id, external, name, commune, operation, op_commune, hours, delivered, start, end, company in rows:
        share = holders[lot_id]
        by_company[company].append(ServedLot(
            lot_id=lot_id, external_id=external, name=name, operation=operation, commune=commune or op_commune or "",
            hours=round(hours / share, 1), owed=round(max(0.0, hours - (delivered or 0.0)) / share, 1),
            start=start, end=end))
    return dict(by_company)


def sync_members(session: Session, config: Config) -> dict[str, int]:
    """The GEIQ's member companies as ``companies`` rows (created when unknown); SIRET → company id."""
    members = config.employers.geiq_members
    if not members:
        return {}
    sirets = [m.siret for m in members]
    known = dict(session.execute(select(Company.identifier, Company.id).where(
        Company.identifier_type == "SIRET", Company.identifier.in_(sirets))).all())
    for member in members:
        if member.siret not in known:
            company = Company(identifier_type="SIRET", identifier=member.siret, name=member.name,
                              person_like=person_like(member.name))
            session.add(company)
            session.flush()
            known[member.siret] = company.id
    return known


def employers_for_event(session: Session, config: Config, event: Event) -> list[Employer]:
    """The event's employers in invitation order (see the module's docstring)."""
    lots = served_lots(session, config, event)
    member_ids = sync_members(session, config)
    members = [member_ids[m.siret] for m in config.employers.geiq_members
               if not m.trades or event.trade_key in m.trades]
    ids = set(lots) | set(members)
    companies = {c.id: c for c in session.scalars(select(Company).where(Company.id.in_(ids)))} if ids else {}
    label = {i: public_label(c.identifier_type, c.identifier, c.name, c.person_like) for i, c in companies.items()}
    holders = [Employer(i, label[i], "both" if i in members else "awardee", lots[i]) for i in lots]
    holders.sort(key=lambda e: (-e.owed, e.company_id))
    others = [Employer(i, label[i], "geiq_member") for i in dict.fromkeys(members) if i not in lots]
    return holders + others


def eligible_events(session: Session, config: Config, *, now: dt.datetime, event_ids: list[int] | None = None) -> list[Event]:
    earliest = now + dt.timedelta(days=config.outreach.min_days_before_event)
    query = (select(Event).where(Event.approved_at.is_not(None), Event.status.in_(("scheduled", "moved")),
                                 Event.kind == RECRUITMENT, Event.start >= earliest)
             .order_by(Event.start, Event.id))
    if event_ids is not None:
        query = query.where(Event.id.in_(event_ids))
    return list(session.scalars(query))


def _contact_problem(contact: CompanyContact | None) -> str | None:
    if contact is None or not contact.email:
        return "no_contact"
    if contact.opted_out:
        return "opted_out"
    if contact.email_status != "valid":
        return "bounced"
    return None


def _last_versions(session: Session, event_id: int) -> dict[int, int]:
    return dict(session.execute(
        select(Message.company_id, func.max(Message.event_sequence))
        .where(Message.event_id == event_id, Message.kind == INVITATION, Message.state != "failed",
               Message.company_id.is_not(None))
        .group_by(Message.company_id)).all())


def select_employers(
    session: Session,
    config: Config,
    *,
    now: dt.datetime | None = None,
    event_ids: list[int] | None = None,
    transport: str = "file",
) -> list[EmployerSelection]:
    """Choose the employers of every eligible recruitment event, record their participation
    ("invited") and queue one ``employer_invitation`` each in the ledger; queue cancellations for
    cancelled events. Idempotent: re-running adds only what is missing."""
    now = now or utcnow()
    planned: list[ledger.Planned] = []
    selections: list[EmployerSelection] = []
    for event in eligible_events(session, config, now=now, event_ids=event_ids):
        employers = employers_for_event(session, config, event)
        capacity = employer_capacity(event, config)
        selection = EmployerSelection(event.id, event.trade_key, _aware(event.start), capacity,
                                      lots=len({lot.lot_id for e in employers for lot in e.lots}))
        selections.append(selection)
        ids = [e.company_id for e in employers]
        contacts = {c.company_id: c for c in session.scalars(select(CompanyContact).where(CompanyContact.company_id.in_(ids)))} if ids else {}
        answers = {p.company_id: p for p in session.scalars(select(EmployerParticipation).where(EmployerParticipation.event_id == event.id))}
        versions = _last_versions(session, event.id)
        room = capacity - sum(1 for p in answers.values() if p.status in HOLDING)
        for employer in employers:
            decision = EmployerDecision(employer.company_id, employer.label, employer.source, round(employer.owed, 1), "")
            selection.decisions.append(decision)
            answer = answers.get(employer.company_id)
            if answer is not None:
                decision.outcome, decision.status = "already", answer.status
                told = versions.get(employer.company_id)
                if answer.status in HOLDING and told is not None and told < event.sequence:
                    planned.append(ledger.Planned(candidate_id=None, company_id=employer.company_id, event_id=event.id,
                                                  kind=INVITATION, version=event.sequence))
                continue
            problem = _contact_problem(contacts.get(employer.company_id))
            if problem is not None:
                decision.outcome = problem
                continue
            if room <= 0:
                decision.outcome = "waiting"
                continue
            room -= 1
            decision.outcome, decision.status = "invited", "invited"
            session.add(EmployerParticipation(event_id=event.id, company_id=employer.company_id, status="invited",
                                              status_at=now, origin="system"))
            planned.append(ledger.Planned(candidate_id=None, company_id=employer.company_id, event_id=event.id,
                                          kind=INVITATION, version=event.sequence))
    planned += _cancellations(session, now=now, event_ids=event_ids)
    session.flush()
    ledger.enqueue(session, planned, transport=transport, now=now)
    return selections


def _cancellations(session: Session, *, now: dt.datetime, event_ids: list[int] | None) -> list[ledger.Planned]:
    """Companies invited to a recruitment event cancelled since, whose invitation left."""
    query = (select(EmployerParticipation.company_id, Event.id, Event.sequence)
             .join(Event, Event.id == EmployerParticipation.event_id)
             .where(Event.kind == RECRUITMENT, Event.status == "cancelled", Event.start > now,
                    EmployerParticipation.status.in_(HOLDING)))
    if event_ids is not None:
        query = query.where(Event.id.in_(event_ids))
    rows = session.execute(query).all()
    sent = set(session.execute(select(Message.company_id, Message.event_id).where(
        Message.kind == INVITATION, Message.state == "sent",
        Message.event_id.in_({r[1] for r in rows}))).all()) if rows else set()
    return [ledger.Planned(candidate_id=None, company_id=company, event_id=event_id, kind=CANCELLATION, version=sequence)
            for company, event_id, sequence in rows if (company, event_id) in sent]


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
