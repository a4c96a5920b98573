"""Storage: SQLAlchemy 2 models and the database they live in (SQLite by default, PostgreSQL by URL).

Import the models from here so that every table is registered on ``Base.metadata``.
"""

from clauses.storage.answers import MessageToken, TradeOptOut
from clauses.storage.base import Base
from clauses.storage.candidates import Candidate, CandidateIdentity
from clauses.storage.companies import Company, LotCompany
from clauses.storage.database import Database, upgrade_schema
from clauses.storage.employers import CompanyContact, EmployerParticipation
from clauses.storage.forecast import ForecastRow, ForecastSnapshot
from clauses.storage.imports import ImportRun
from clauses.storage.outreach import (
    MESSAGE_STATES,
    PARTICIPATION_STATUSES,
    EmailEvent,
    Message,
    Participation,
    ParticipationTransition,
)
from clauses.storage.pipeline import LOT_STATUSES, Lot, Operation
from clauses.storage.planning import EVENT_KINDS, EVENT_STATUSES, PLAN_STATUSES, Event, EventChange, Plan
from clauses.storage.reference import PartnerRow, TradeRow, VenueRow
from clauses.storage.replies import InboundReply
from clauses.storage.retention import AnonymousParticipation, RetentionRun

__all__ = [
    "Base",
    "Candidate",
    "CandidateIdentity",
    "Company",
    "LotCompany",
    "CompanyContact",
    "EmployerParticipation",
    "Database",
    "EVENT_KINDS",
    "EVENT_STATUSES",
    "Event",
    "EventChange",
    "PLAN_STATUSES",
    "Plan",
    "EmailEvent",
    "ImportRun",
    "InboundReply",
    "MESSAGE_STATES",
    "Message",
    "PARTICIPATION_STATUSES",
    "Participation",
    "ParticipationTransition",
    "LOT_STATUSES",
    "Lot",
    "Operation",
    "PartnerRow",
    "TradeRow",
    "VenueRow",
    "MessageToken",
    "TradeOptOut",
    "upgrade_schema",
]
