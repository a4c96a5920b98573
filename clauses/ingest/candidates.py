"""Import candidates sent by partners (France Travail, PLIE, Mission Locale, SIAE).

Validation: emails by syntax (``email-validator``, no network), phones normalised to E.164
(``phonenumbers``, French numbering by default), names kept as given (accents, hyphens), trades and
eligibility criteria from known vocabularies. Same error and atomicity rules as the pipeline.

Merge rule (a person referred by two partners is one candidate):
1. a (source, source id) already imported is the same candidate;
2. otherwise the same email address (case-insensitive) is the same candidate;
3. otherwise the same phone number with the same first and last name (case and accents ignored) is
   the same candidate;
4. otherwise it is a new candidate.
When merging, the newest non-empty values win for name, email, phone, commune, QPV and availability;
trades and eligibility criteria are united; the most recent consent is kept. An import never
clears an opt-out: only the person can (through the email provider's resubscribe).
A candidate without a recorded consent date is stored but can never be invited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import phonenumbers
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session

from clauses.config import Config
from clauses.errors import InputError, Problem
from clauses.exports import rejects_path, write_csv
from clauses.ingest.problems import ProblemCollector
from clauses.ingest.results import IngestResult, file_sha256
from clauses.outreach.selection import reach
from clauses.readers.tabular import read_sheet
from clauses.readers.values import date_problem, parse_booleans, parse_dates
from clauses.storage import Candidate, CandidateIdentity, Database, ImportRun
from clauses.storage.base import utcnow
from clauses.text import normalise_key

CANDIDATE_COLUMNS: dict[str, list[str]] = {
    "source": ["Source", "Structure", "Prescripteur"],
    "source_id": ["Identifiant source", "Identifiant", "N° dossier"],
    "first_name": ["Prénom"],
    "last_name": ["Nom", "Nom de famille"],
    "email": ["Email", "E-mail", "Courriel", "Adresse e-mail"],
    "phone": ["Téléphone", "Tél", "Portable"],
    "commune": ["Commune", "Ville"],
    "qpv_resident": ["Résident QPV", "QPV"],
    "eligibility": ["Critères d'éligibilité", "Éligibilité", "Public"],
    "trades": ["Métiers", "Métiers visés", "Métiers d'intérêt"],
    "consent_date": ["Date de consentement", "Consentement le"],
    "consent_basis": ["Base du consentement", "Base légale"],
    "availability_notes": ["Disponibilités", "Disponibilité"],
}
REQUIRED_COLUMNS: list[str | tuple[str, ...]] = ["source_id", "first_name", "last_name", ("email", "phone")]

# Publics the clauses target (Code de la commande publique L2112-2 and the clause guides).
ELIGIBILITY = {
    "deld": ["demandeur d'emploi de longue durée", "DELD", "chômeur de longue durée", "longue durée"],
    "rsa": ["bénéficiaire du RSA", "RSA", "BRSA"],
    "jeune": ["jeune sans qualification", "jeune", "moins de 26 ans"],
    "rqth": ["travailleur handicapé", "RQTH", "TH"],
    "qpv": ["résident QPV", "QPV"],
    "senior": ["senior", "plus de 50 ans"],
    "ass": ["bénéficiaire de l'ASS", "ASS"],
    "siae": ["salarié en SIAE", "SIAE", "parcours IAE"],
}
_ELIGIBILITY_LOOKUP = {normalise_key(label): code for code, labels in ELIGIBILITY.items() for label in [code, *labels]}
LIST_SEPARATORS = r"[;,|/]"
# A name greets the person in every email: no line break or other control character (a header
# injection, "Jean\r\nBcc: …"), no markup.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_MARKUP = re.compile(r"[<>]")
NAME_COLUMNS = ("first_name", "last_name")


@dataclass
class CandidateRecord:
    row: int
    source: str
    source_id: str
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    commune: str | None
    qpv_resident: bool
    eligibility: list[str]
    trades: list[str]
    consent_date: dt.date | None
    consent_basis: str | None
    availability_notes: str | None
    content_hash: str = field(default="")


def _split(value: str) -> list[str]:
    return [part.strip() for part in pd.Series([value]).str.split(LIST_SEPARATORS, regex=True).iloc[0] if part.strip()]


def normalise_phone(value: str, region: str = "FR") -> str | None:
    """E.164 form of a possible phone number (right length for its country), or None.

    Possible rather than valid: new number ranges (and the fiction range 06 39 98) must not be refused
    because the metadata does not know them yet."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_candidates(path: Path | str, config: Config, *, default_source: str | None = None) -> tuple[list[CandidateRecord], ProblemCollector, pd.DataFrame]:
    required = REQUIRED_COLUMNS if default_source else ["source", *REQUIRED_COLUMNS]
    sheet = read_sheet(path, CANDIDATE_COLUMNS, required)
    frame = sheet.frame
    check = ProblemCollector(file=sheet.file, labels=sheet.rows, headers=sheet.original_headers)
    col = lambda name: frame[name] if name in frame.columns else pd.Series("", index=frame.index)  # noqa: E731

    qpv, bad_qpv = parse_booleans(col("qpv_resident"))
    check.flag(bad_qpv, "qpv_resident", lambda i: f"oui ou non attendu, lu : {frame['qpv_resident'].iloc[i]!r}")
    consent, bad_consent = parse_dates(col("consent_date"))
    check.flag(bad_consent, "consent_date", lambda i: date_problem(frame["consent_date"].iloc[i]))
    check.flag(consent > pd.Timestamp(dt.date.today()), "consent_date", "la date de consentement est dans le futur")

    in_reach = reach(config)
    records: list[CandidateRecord] = []
    seen: dict[tuple[str, str], int] = {}
    for pos in range(len(frame)):
        row = int(sheet.rows.iloc[pos])
        source = col("source").iloc[pos] or (default_source or "")
        source_id = col("source_id").iloc[pos]
        first, last = col("first_name").iloc[pos], col("last_name").iloc[pos]
        for name, value in (("source", source), ("source_id", source_id), ("first_name", first), ("last_name", last)):
            if not value:
                check.flag_position(pos, name, "valeur manquante")
        for name, value in zip(NAME_COLUMNS, (first, last)):
            if _CONTROL_CHARACTERS.search(value):
                check.flag_position(pos, name, "caractère de contrôle interdit dans un nom (saut de ligne, tabulation…) : corrigez la cellule")
            if _MARKUP.search(value):
                check.flag_position(pos, name, "balisage interdit dans un nom (« < » ou « > ») : corrigez la cellule")
        commune = col("commune").iloc[pos]
        if not commune:
            check.warn_position(pos, "commune", "sans commune : importé, mais ne sera invité à aucun événement (la commune dit s'il habite le territoire)")
        elif normalise_key(commune) not in in_reach and commune.strip() not in in_reach:
            check.warn_position(pos, "commune", "commune hors du territoire (config/territory.yaml) : importé, mais ne sera invité à aucun événement")
        key = (normalise_key(source), source_id)
        if source and source_id:
            if key in seen:
                check.flag_position(pos, "source_id", f"identifiant en double pour le même partenaire (déjà vu ligne {seen[key]})")
            seen.setdefault(key, row)
        email = None
        raw_email = col("email").iloc[pos]
        if raw_email:
            try:
                email = validate_email(raw_email, check_deliverability=False).normalized.lower()
            except EmailNotValidError as exc:
                check.flag_position(pos, "email", f"adresse e-mail invalide : {exc}")
        phone = None
        raw_phone = col("phone").iloc[pos]
        if raw_phone:
            phone = normalise_phone(raw_phone)
            if phone is None:
                check.flag_position(pos, "phone", "invalid phone number")
        if not raw_email and not raw_phone:
            check.flag_position(pos, "email", "valeur manquante : il faut une adresse e-mail ou un téléphone")
        trades: list[str] = []
        for label in _split(col("trades").iloc[pos]):
            trade = config.find_trade(label)
            if trade is None:
                check.flag_position(pos, "trades", config.unknown_trade(label))
            elif trade.key not in trades:
                trades.append(trade.key)
        eligibility: list[str] = []
        for label in _split(col("eligibility").iloc[pos]):
            code = _ELIGIBILITY_LOOKUP.get(normalise_key(label))
            if code is None:
                known = ", ".join(labels[0] for labels in ELIGIBILITY.values())
                check.flag_position(pos, "eligibility", f"critère d'éligibilité inconnu {label!r} : l'un de {known} est attendu")
            elif code not in eligibility:
                eligibility.append(code)
        if qpv.iloc[pos] and "qpv" not in eligibility:
            eligibility.append("qpv")
        consent_date = consent.iloc[pos].date() if pd.notna(consent.iloc[pos]) else None
        record = CandidateRecord(
            row=row,
            source=source,
            source_id=source_id,
            first_name=first,
            last_name=last,
            email=email,
            phone=phone,
            commune=commune or None,
            qpv_resident=bool(qpv.iloc[pos]),
            eligibility=sorted(eligibility),
            trades=sorted(trades),
            consent_date=consent_date,
            consent_basis=col("consent_basis").iloc[pos] or None,
            availability_notes=col("availability_notes").iloc[pos] or None,
        )
        digest_fields = {k: v for k, v in record.__dict__.items() if k not in ("row", "content_hash")}
        record.content_hash = hashlib.sha256(json.dumps(digest_fields, default=str, sort_keys=True).encode()).hexdigest()
        records.append(record)
    invalid = check.invalid_mask(len(frame))
    valid_records = [r for r, bad in zip(records, invalid) if not bad]
    return valid_records, check, check.rejects(frame, np.flatnonzero(invalid))


def _find_existing(session: Session, record: CandidateRecord) -> Candidate | None:
    identity = session.scalar(
        select(CandidateIdentity).where(CandidateIdentity.source == record.source, CandidateIdentity.source_id == record.source_id)
    )
    if identity is not None:
        return identity.candidate
    if record.email:
        found = session.scalar(select(Candidate).where(Candidate.email == record.email).order_by(Candidate.id))
        if found is not None:
            return found
    if record.phone:
        for found in session.scalars(select(Candidate).where(Candidate.phone == record.phone).order_by(Candidate.id)):
            if normalise_key(found.first_name) == normalise_key(record.first_name) and normalise_key(found.last_name) == normalise_key(record.last_name):
                return found
    return None


def _merge(candidate: Candidate, record: CandidateRecord) -> None:
    candidate.first_name = record.first_name
    candidate.last_name = record.last_name
    if record.email and record.email != candidate.email:
        candidate.email = record.email
        candidate.email_status = "valid"  # a new address has not bounced
    if record.phone:
        candidate.phone = record.phone
    if record.commune:
        candidate.commune = record.commune
    candidate.qpv_resident = candidate.qpv_resident or record.qpv_resident
    candidate.trades = sorted(set(candidate.trades or []) | set(record.trades))
    candidate.eligibility = sorted(set(candidate.eligibility or []) | set(record.eligibility))
    if record.consent_date and (candidate.consent_date is None or record.consent_date >= candidate.consent_date):
        candidate.consent_date = record.consent_date
        candidate.consent_basis = record.consent_basis
    if record.availability_notes:
        candidate.availability_notes = record.availability_notes
    candidate.last_activity_at = utcnow()


def store_candidates(session: Session, records: list[CandidateRecord]) -> tuple[int, int, int, int]:
    """Returns (created, updated, unchanged, merged): merged counts rows joined to an existing person
    through another source."""
    created = updated = unchanged = merged = 0
    for record in records:
        identity = session.scalar(
            select(CandidateIdentity).where(CandidateIdentity.source == record.source, CandidateIdentity.source_id == record.source_id)
        )
        if identity is not None and identity.content_hash == record.content_hash:
            unchanged += 1
            continue
        candidate = identity.candidate if identity is not None else _find_existing(session, record)
        if candidate is None:
            candidate = Candidate(first_name=record.first_name, last_name=record.last_name, trades=[], eligibility=[])
            _merge(candidate, record)
            session.add(candidate)
            created += 1
        else:
            _merge(candidate, record)
            if identity is None:
                merged += 1
            else:
                updated += 1
        if identity is None:
            candidate.identities.append(CandidateIdentity(source=record.source, source_id=record.source_id, content_hash=record.content_hash))
        else:
            identity.content_hash = record.content_hash
            identity.imported_at = utcnow()
        session.flush()
    return created, updated, unchanged, merged


def import_candidates_file(
    db: Database, path: Path | str, config: Config, *, default_source: str | None = None, skip_invalid: bool = False
) -> IngestResult:
    path = Path(path)
    records, check, rejected = validate_candidates(path, config, default_source=default_source)
    if check.problems and not skip_invalid:
        raise InputError(check.problems, hint="Corriger le fichier puis l'importer de nouveau, ou utiliser --skip-invalid pour n'importer que les lignes valides.")
    with db.transaction() as session:
        created, updated, unchanged, merged = store_candidates(session, records)
        session.add(
            ImportRun(kind="candidates", file_name=path.name, sha256=file_sha256(path), created=created,
                      updated=updated + merged, unchanged=unchanged, rejected=len(rejected))
        )
    result = IngestResult(
        kind="candidates", file=path.name, created=created, updated=updated + merged, unchanged=unchanged,
        rejected=len(rejected), problems=check.problems, warnings=check.warnings_for(~check.invalid_mask(len(check.labels))),
        details={"fusionnés avec un candidat d'un autre partenaire": merged,
                 "sans consentement enregistré (ne peuvent pas être invités)": sum(1 for r in records if r.consent_date is None)},
    )
    if not records and not len(rejected):
        result.warnings.append(Problem(path.name, None, None, "aucun candidat dans le fichier : rien n'a été importé"))
    if len(rejected):
        result.rejects_file = str(write_csv(rejected, rejects_path(path.stem)))
    return result
