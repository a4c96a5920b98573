"""Rows for the employer tests: lots with their awardees, a recruitment event and its POEC cohort."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from clauses.storage.companies import Company, LotCompany
from clauses.storage.employers import CompanyContact
from clauses.storage.pipeline import Lot, Operation
from tests import outreach_data as data

_n = itertools.count(1)
# The recruitment event: Monday 1 March 2027, 9:00 in Paris.
EVENT_START = dt.datetime(2027, 3, 1, 9, 0, tzinfo=data.PARIS)
NOW = dt.datetime(2027, 2, 1, 8, 0, tzinfo=dt.timezone.utc)


def company(session, name: str, siret: str | None = None, *, person_like: bool = False) -> Company:
    row = Company(identifier_type="SIRET", identifier=siret or f"1234567800{next(_n):04d}", name=name,
                  person_like=person_like)
    session.add(row)
    session.flush()
    return row


def lot(session, holders: list[Company], *, trade="macon", hours=800.0, delivered=0.0, start=dt.date(2027, 2, 1),
        end=dt.date(2027, 12, 31), status="in_progress", name=None, commune="Clermont-Ferrand") -> Lot:
    n = next(_n)
    operation = Operation(external_id=f"OP-{n}", name=f"Opération {n}", commune=commune)
    session.add(operation)
    session.flush()
    row = Lot(external_id=f"LOT-{n}", operation_id=operation.id, name=name or f"Lot {n} – Gros œuvre", trade_key=trade,
              amount_ht=Decimal("1000000"), start=start, end=end, status=status, commune=commune,
              insertion_hours=hours, hours_source="given", hours_parameters={}, hours_delivered=delivered,
              source="csv", source_file="test.csv", content_hash=f"h{n}")
    session.add(row)
    session.flush()
    for holder in holders:
        session.add(LotCompany(lot_id=row.id, company_id=holder.id))
    session.flush()
    return row


def contact(session, holder: Company, email: str | None = None, *, name=None, opted_out=False, status="valid") -> CompanyContact:
    row = CompanyContact(company_id=holder.id, email=email or f"recrutement{holder.id}@example.org", name=name,
                         opted_out=opted_out, email_status=status)
    session.add(row)
    session.flush()
    return row


def recruitment(session, plan, *, start=EVENT_START, trade="macon", capacity=12, employer_capacity=3, **kw):
    row = data.event(session, plan, start=start, trade=trade, kind="recruitment", capacity=capacity, **kw)
    row.employer_capacity = employer_capacity
    session.flush()
    return row
