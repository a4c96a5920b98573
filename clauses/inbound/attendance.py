"""Attendance and registration sheets from partners → participation states.

A sheet (CSV as French offices export it, or XLSX; read by ``clauses.readers.tabular``) has one
line per candidate and event. Headers are matched without regard to case, accents or spaces:

=================  =====================================================================
column             accepted headers (any of)
=================  =====================================================================
event              Événement, Identifiant événement, UID : the event's id or calendar UID
candidate          Identifiant candidat : the candidate's id in this project, or
                   Source + Identifiant source : the partner's own record, and/or
                   Email / Courriel : the address, as a last resort
status             Statut : inscrit, désisté, présent, absent, excusé, intéressé (POEC),
                   entré en formation, formation terminée, embauché (English names too)
contract type      Type de contrat : CDI, CDD, CDDI, contrat de professionnalisation,
                   apprentissage, intérim, CTTI, CDI intérimaire (« CDD 12 mois » keeps the
                   duration); required when the status is « embauché »
date               Date : dd/mm/yyyy or ISO, optionally with a time (Europe/Paris); a day
                   alone means noon that day; empty means the time of the import
=================  =====================================================================

Rules (the foundation's): every problem names file, row (as the spreadsheet numbers it, header =
row 1), column and reason, without quoting personal data. By default a sheet with any problem is
rejected whole and nothing changes; ``skip_invalid`` applies the valid lines and writes the others,
with their reasons, to a CSV in the rejects folder. Re-importing a sheet changes nothing (setting a
participation to the state it has is a no-op, and so is a line whose state the participation went
through and has since left, e.g. "inscrit" for someone now "présent"). Lines are applied in date order, so "inscrit" then
"présent" for the same person may come in any order in the file. A move the participation rules
forbid (``clauses.outreach.participation``) is a problem of that line, as are an unknown event or
candidate, a cancelled event, presence recorded for an event not yet started, and a date in the
future. Every change is recorded with origin "import".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clauses import settings
from clauses.errors import InputError, Problem
from clauses.exports import rejects_path, write_csv
from clauses.inbound.attendance_sheet import is_attendance_sheet, read_attendance_sheet
from clauses.outreach.participation import TransitionError, can_move, record_status
from clauses.readers.tabular import read_sheet
from clauses.storage.base import utcnow
from clauses.storage.candidates import Candidate, CandidateIdentity
from clauses.storage.imports import ImportRun
from clauses.storage.outreach import Participation
from clauses.storage.planning import Event
from clauses.text import normalise_key

PARIS = ZoneInfo("Europe/Paris")

ALIASES: dict[str, list[str]] = {
    "event": ["Événement", "Identifiant événement", "Id événement", "Événement id", "event_id", "Event id",
              "UID", "UID événement", "Session", "Identifiant session"],
    "candidate_id": ["Identifiant candidat", "Id candidat", "N° candidat", "Numéro candidat", "Candidate id"],
    "source": ["Source", "Partenaire source", "Origine"],
    "source_id": ["Identifiant source", "Id source", "Source id", "Identifiant partenaire"],
    "email": ["Email", "E-mail", "Courriel", "Adresse email", "Adresse e-mail", "Adresse électronique", "Mail"],
    "status": ["Statut", "Status", "État", "Situation"],
    "contract_type": ["Type de contrat", "Contrat", "Contract type", "Contract"],
    "date": ["Date", "Date du statut", "Date statut", "Status date", "Date de l'information"],
}
COLUMN_LABELS = {"event": "Événement", "candidate_id": "Identifiant candidat", "source": "Source",
                 "source_id": "Identifiant source", "email": "Email", "status": "Statut",
                 "contract_type": "Type de contrat", "date": "Date"}

STATUS_LABELS: dict[str, list[str]] = {
    "registered": ["inscrit", "inscrite", "registered", "inscription"],
    "declined": ["désisté", "désistée", "désistement", "declined", "refus", "a décliné"],
    "attended": ["présent", "présente", "attended", "venu", "venue"],
    "no_show": ["absent", "absente", "no show", "noshow", "absent non excusé", "absente non excusée"],
    "excused": ["excusé", "excusée", "absent excusé", "absente excusée", "excused"],
    "interested": ["intéressé", "intéressée", "intéressé poec", "intéressée poec", "intéressé par la poec",
                   "intéressée par la poec", "interested"],
    "enrolled": ["entré en formation", "entrée en formation", "en formation", "enrolled"],
    "completed": ["formation terminée", "terminé", "terminée", "fin de formation", "completed"],
    "hired": ["embauché", "embauchée", "recruté", "recrutée", "hired"],
}
CONTRACT_LABELS: dict[str, list[str]] = {
    "CDI": ["cdi", "contrat à durée indéterminée"],
    "CDD": ["cdd", "contrat à durée déterminée"],
    "CDDI": ["cddi", "cdd d'insertion", "cdd insertion"],
    "contrat de professionnalisation": ["contrat de professionnalisation", "professionnalisation", "contrat pro",
                                        "contrat de pro"],
    "apprentissage": ["apprentissage", "contrat d'apprentissage"],
    "intérim": ["intérim", "interim", "mission d'intérim", "ctt", "travail temporaire", "contrat de travail temporaire"],
    "CTTI": ["ctti", "contrat de travail temporaire d'insertion", "intérim d'insertion"],
    "CDI intérimaire": ["cdi intérimaire", "cdi-i", "cdii"],
}
# Statuses that say the event took place: refused for an event that has not started.
AFTER_EVENT = frozenset({"attended", "no_show", "interested", "enrolled", "completed", "hired"})


def _label_key(text: str) -> str:
    text = normalise_key(text)
    text = re.sub(r"\((e|s|es)\)", "", text)
    return re.sub(r"[\s\-_]+", " ", text).strip()


_STATUS_LOOKUP = {_label_key(label): key for key, labels in STATUS_LABELS.items() for label in [key, *labels]}
_CONTRACT_LOOKUP = {_label_key(label): key for key, labels in CONTRACT_LABELS.items() for label in [key, *labels]}
_DURATION = re.compile(r"^(?P<kind>.+?)\s+(?:de\s+)?(?P<months>\d{1,2})\s*mois$")


def parse_status(text: str) -> str | None:
    return _STATUS_LOOKUP.get(_label_key(text))


def parse_contract(text: str) -> str | None:
    """'CDI' → 'CDI'; 'contrat pro' → 'contrat de professionnalisation'; 'CDD 12 mois' → 'CDD 12 mois'."""
    key = _label_key(text)
    if key in _CONTRACT_LOOKUP:
        return _CONTRACT_LOOKUP[key]
    match = _DURATION.match(key)
    if match and match["kind"] in _CONTRACT_LOOKUP:
        return f"{_CONTRACT_LOOKUP[match['kind']]} {int(match['months'])} mois"
    return None


_DATE_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y %Hh%M", "%d/%m/%Y")


def parse_when(text: str) -> dt.datetime | None:
    """A French or ISO date, optionally with a time, in Europe/Paris unless it carries an offset.
    A day alone is noon that day. Returns UTC, or None when unreadable."""
    text = text.strip()
    value: dt.datetime | None = None
    for fmt in _DATE_FORMATS:
        try:
            value = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        if fmt == "%d/%m/%Y":
            value = value.replace(hour=12)
        break
    if value is None:
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            return None
        if len(text) == 10:
            value = value.replace(hour=12)
    if value.tzinfo is None:
        value = value.replace(tzinfo=PARIS)
    return value.astimezone(dt.timezone.utc)


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


# --------------------------------------------------------------------------------------------------
# Rejects


def write_rejects_csv(stem: str, headers: list[str], rows: list[dict]) -> Path:
    """Write rejected lines with their reasons to ``exports.rejects_path(stem)`` (``;``, UTF-8 with
    BOM, no cell a spreadsheet would run as a formula)."""
    path = rejects_path(stem)
    frame = pd.DataFrame([{h: str(row.get(h, "")) for h in headers} for row in rows], columns=headers, dtype=object)
    return write_csv(frame, path)


# --------------------------------------------------------------------------------------------------
# Reading and resolving


@dataclass
class AttendanceLine:
    row: int
    event_id: int
    candidate_id: int
    status: str
    contract_type: str | None
    at: dt.datetime | None


@dataclass
class AttendanceOutcome:
    file: str
    lines: int
    created: int = 0  # participations that did not exist
    changed: int = 0  # participations moved to another state
    unchanged: int = 0
    rejected: int = 0
    statuses: Counter = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    rejects_file: str | None = None
    walk_in_rows: list[int] = field(default_factory=list)  # attendance sheet: people to match by hand
    walk_ins_file: str | None = None  # their lines (names: a local file, never an artifact)
    unfilled: int = 0  # attendance sheet: numbered lines with no status yet

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "lines": self.lines,
            "created": self.created,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "statuses": dict(sorted(self.statuses.items())),
            "problems": [p.as_dict() for p in self.problems],
            "rejects_file": self.rejects_file,
            "walk_in_rows": list(self.walk_in_rows),
            "walk_ins_file": self.walk_ins_file,
            "unfilled": self.unfilled,
        }


class _Resolver:
    """Looks up events and candidates for a whole sheet in a few queries."""

    def __init__(self, session: Session, frame, default_source: str | None) -> None:
        self.session = session
        events = [v for v in frame["event"] if v] if "event" in frame else []
        ids = sorted({int(v) for v in events if v.isdigit()})
        uids = sorted({v for v in events if not v.isdigit()})
        self.events_by_id = {e.id: e for e in session.scalars(select(Event).where(Event.id.in_(ids)))} if ids else {}
        self.events_by_uid = {e.uid: e for e in session.scalars(select(Event).where(Event.uid.in_(uids)))} if uids else {}
        cids = sorted({int(v) for v in frame.get("candidate_id", []) if v.isdigit()})
        self.candidates = {c.id: c for c in session.scalars(select(Candidate).where(Candidate.id.in_(cids)))} if cids else {}
        self.default_source = default_source
        numbers = sorted({int(v) for v in frame.get("participation", []) if v.isdigit()})
        self.participations = {p.id: p for p in session.scalars(
            select(Participation).where(Participation.id.in_(numbers)))} if numbers else {}

    def event(self, value: str) -> Event | None:
        if value.isdigit():
            return self.events_by_id.get(int(value)) or self.events_by_uid.get(value)
        return self.events_by_uid.get(value)

    def candidate(self, candidate_id: int) -> Candidate | None:
        if candidate_id not in self.candidates:
            found = self.session.get(Candidate, candidate_id)
            if found is None:
                return None
            self.candidates[candidate_id] = found
        return self.candidates[candidate_id]

    def by_identity(self, source: str, source_id: str) -> int | None:
        return self.session.scalar(
            select(CandidateIdentity.candidate_id).where(
                func.lower(CandidateIdentity.source) == source.lower(), CandidateIdentity.source_id == source_id
            )
        )

    def by_email(self, email: str) -> list[int]:
        return list(
            self.session.scalars(
                select(Candidate.id).where(func.lower(Candidate.email) == email.strip().lower()).order_by(Candidate.id)
            )
        )


def _resolve_line(
    resolver: _Resolver, cells: dict[str, str], row: int, file: str, default_status: str | None, now: dt.datetime
) -> tuple[AttendanceLine | None, list[Problem]]:
    problems: list[Problem] = []

    def problem(column: str, reason: str) -> None:
        problems.append(Problem(file, row, COLUMN_LABELS.get(column, column), reason))

    # Event
    event = None
    if not cells.get("event"):
        problem("event", "vide : donner le numéro de l'événement ou son UID de calendrier")
    else:
        event = resolver.event(cells["event"])
        if event is None:
            problem("event", f"événement inconnu : {cells['event'][:60]!r}")
        elif event.status == "cancelled":
            problem("event", f"l'événement n° {event.id} est annulé")

    # Status
    status = None
    raw_status = cells.get("status", "")
    if raw_status:
        status = parse_status(raw_status)
        if status is None:
            problem("status", f"statut inconnu {raw_status[:40]!r} ; valeurs possibles : "
                    + ", ".join(labels[0] for labels in STATUS_LABELS.values()))
    elif default_status:
        status = default_status
    else:
        problem("status", "vide : donner le statut (inscrit, présent, absent…)")

    # Contract type
    contract = None
    raw_contract = cells.get("contract_type", "")
    if status == "hired":
        if not raw_contract:
            problem("contract_type", "obligatoire quand le statut est « embauché » (CDI, CDD, contrat de professionnalisation…)")
        else:
            contract = parse_contract(raw_contract)
            if contract is None:
                problem("contract_type", f"type de contrat inconnu {raw_contract[:40]!r} ; valeurs possibles : "
                        + ", ".join(CONTRACT_LABELS))

    # Date
    at = None
    if cells.get("date"):
        at = parse_when(cells["date"])
        if at is None:
            problem("date", f"pas une date : {cells['date'][:30]!r} (jj/mm/aaaa ou aaaa-mm-jj attendu)")
        elif at > now + dt.timedelta(days=1):
            problem("date", "date dans le futur")
    if event is not None and status in AFTER_EVENT and _utc(event.start) > now:
        problem("status", f"l'événement n° {event.id} n'a pas encore commencé : « {raw_status or status} » est impossible")

    # Candidate: a line of an attendance sheet by its number, any other sheet by its columns
    if "participation" in cells:
        candidate_id = None
        participation = resolver.participations.get(int(cells["participation"])) if cells["participation"].isdigit() else None
        if participation is None or (event is not None and participation.event_id != event.id):
            problems.append(Problem(file, row, "N°", f"le numéro de ligne {cells['participation'][:20]!r} n'est pas "
                                    "sur la feuille de cet événement : gardez les numéros de la feuille telle qu'elle a été écrite"))
        else:
            candidate_id = participation.candidate_id
    else:
        candidate_id = _resolve_candidate(resolver, cells, problem)
    if candidate_id is not None:
        candidate = resolver.candidate(candidate_id)
        if candidate is not None and candidate.anonymised_at is not None:
            problem("candidate_id", f"le candidat n° {candidate_id} a été anonymisé")
    if problems:
        return None, problems
    return AttendanceLine(row, event.id, candidate_id, status, contract, at), []


def _resolve_candidate(resolver: _Resolver, cells: dict[str, str], problem) -> int | None:
    given: list[str] = []
    found: dict[str, int] = {}
    raw_id = cells.get("candidate_id", "")
    if raw_id:
        given.append("candidate_id")
        if not raw_id.isdigit():
            problem("candidate_id", "pas un numéro de candidat (nombre entier)")
            return None
        if resolver.candidate(int(raw_id)) is None:
            problem("candidate_id", f"candidat inconnu : {raw_id}")
            return None
        found["candidate_id"] = int(raw_id)
    source_id = cells.get("source_id", "")
    if source_id:
        given.append("source_id")
        source = cells.get("source") or resolver.default_source
        if not source:
            problem("source", "vide : l'identifiant du partenaire a besoin de sa source (ou utiliser --source)")
        else:
            match = resolver.by_identity(source, source_id)
            if match is not None:
                found["source_id"] = match
    email = cells.get("email", "")
    if email:
        given.append("email")
        matches = resolver.by_email(email)
        if len(matches) > 1 and not found:
            problem("email", f"{len(matches)} candidats ont cette adresse : donner le numéro du candidat")
            return None
        if len(matches) == 1:
            found["email"] = matches[0]
    if not given:
        problem("candidate_id", "aucun candidat : donner le numéro du candidat, la source et son identifiant, ou l'adresse e-mail")
        return None
    if not found:
        column = given[0]
        problem(column, "candidat inconnu" + (" (source et identifiant)" if column == "source_id" else ""))
        return None
    if len(set(found.values())) > 1:
        columns = ", ".join(COLUMN_LABELS[c] for c in found)
        problem(next(iter(found)), f"les colonnes du candidat ({columns}) désignent des personnes différentes")
        return None
    return next(iter(found.values()))


# --------------------------------------------------------------------------------------------------
# Importing


def _already_past(session: Session, line: AttendanceLine) -> bool:
    """A state the participation went through and has since left, which it may not go back to:
    the sheet repeats what is known (re-import, cumulative lists). Not an error, not a change."""
    participation = session.scalar(
        select(Participation).where(
            Participation.candidate_id == line.candidate_id, Participation.event_id == line.event_id
        )
    )
    if participation is None or participation.status == line.status:
        return False
    if can_move(participation.status, line.status, "import"):
        return False
    return any(t.to_status == line.status for t in participation.transitions)


# A registration list often has no status column: every line on it is a registration.
_MISSING_HINTS = {"status": "pour une liste où toutes les lignes ont le même statut, donnez-le avec --status (par ex. --status inscrit)"}


def record_attendance(
    db,
    path: Path | str,
    *,
    skip_invalid: bool = False,
    default_status: str | None = None,
    default_source: str | None = None,
    now: dt.datetime | None = None,
) -> AttendanceOutcome:
    """Read an attendance or registration sheet and record every line, all or nothing.

    ``default_status`` (e.g. "registered" for a registration list) applies to lines with an empty
    status or to a sheet without a status column; ``default_source`` to lines whose partner
    identifier has no source. Raises ``InputError`` when the sheet is rejected (nothing changed).
    """
    path = Path(path)
    if default_status is not None and default_status not in STATUS_LABELS:
        parsed = parse_status(default_status)
        if parsed is None:
            raise InputError([Problem(path.name, None, None, f"statut par défaut inconnu : {default_status!r}")])
        default_status = parsed
    required: list = ["event", ("candidate_id", "source_id", "email")]
    if default_status is None:
        required.append("status")
    filled = read_attendance_sheet(path) if is_attendance_sheet(path) else None
    sheet = filled.sheet if filled is not None else read_sheet(path, ALIASES, required, missing_hints=_MISSING_HINTS)
    now = now or utcnow()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    records = sheet.frame.to_dict("records")
    outcome = AttendanceOutcome(file=sheet.file, lines=len(records))
    if filled is not None:
        outcome.unfilled = filled.unfilled
        outcome.walk_in_rows = [w["ligne"] for w in filled.walk_ins]
    rejected_rows: dict[int, list[str]] = {}
    cells_by_row: dict[int, dict[str, str]] = {}

    with db.transaction() as session:
        resolver = _Resolver(session, sheet.frame, default_source)
        lines: list[AttendanceLine] = []
        for cells, row in zip(records, sheet.rows):
            row = int(row)
            cells_by_row[row] = cells
            line, problems = _resolve_line(resolver, cells, row, sheet.file, default_status, now)
            if line is None:
                outcome.problems.extend(problems)
                rejected_rows[row] = [p.reason for p in problems]
            else:
                lines.append(line)
        far_future = dt.datetime.max.replace(tzinfo=dt.timezone.utc)
        for line in sorted(lines, key=lambda x: (x.at or far_future, x.row)):
            if _already_past(session, line):
                outcome.statuses[line.status] += 1
                outcome.unchanged += 1
                continue
            try:
                participation, changed = record_status(
                    session,
                    candidate_id=line.candidate_id,
                    event_id=line.event_id,
                    status=line.status,
                    origin="import",
                    at=line.at or now,
                    contract_type=line.contract_type,
                )
            except TransitionError as exc:
                outcome.problems.append(Problem(sheet.file, line.row, COLUMN_LABELS["status"], str(exc)))
                rejected_rows[line.row] = [str(exc)]
                continue
            outcome.statuses[line.status] += 1
            if not changed:
                outcome.unchanged += 1
                continue
            if len(participation.transitions) == 1 and participation.transitions[0].from_status is None:
                outcome.created += 1
            else:
                outcome.changed += 1
            candidate = resolver.candidate(line.candidate_id)
            when = line.at or now
            if candidate is not None and _utc(candidate.last_activity_at) < when:
                candidate.last_activity_at = when
        outcome.rejected = len(rejected_rows)
        outcome.problems.sort(key=lambda p: (p.row if isinstance(p.row, int) else 0))
        if outcome.problems and not skip_invalid:
            raise InputError(outcome.problems, hint="Corriger ces lignes, ou utiliser --skip-invalid pour enregistrer les autres.")
        session.add(
            ImportRun(
                kind="attendance",
                file_name=sheet.file[:300],
                sha256=digest,
                created=outcome.created,
                updated=outcome.changed,
                unchanged=outcome.unchanged,
                rejected=outcome.rejected,
            )
        )

    if rejected_rows:
        headers = ["ligne", *(sheet.original_headers[c] for c in sheet.frame.columns), "motif"]
        rows = []
        for row in sorted(rejected_rows):
            cells = cells_by_row[row]
            out = {"ligne": row, "motif": " ; ".join(rejected_rows[row])}
            out.update({sheet.original_headers[c]: cells.get(c, "") for c in sheet.frame.columns})
            rows.append(out)
        outcome.rejects_file = str(write_rejects_csv(Path(sheet.file).stem, headers, rows))
    if filled is not None and filled.walk_ins:
        headers = list(filled.walk_ins[0])
        path_out = settings.output_dir("rejects") / f"{Path(sheet.file).stem}-a-rapprocher-{utcnow():%Y%m%d-%H%M%S-%f}.csv"
        frame = pd.DataFrame(filled.walk_ins, columns=headers, dtype=object)
        outcome.walk_ins_file = str(write_csv(frame, path_out))
    return outcome
