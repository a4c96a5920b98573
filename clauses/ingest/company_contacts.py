"""Employers' contact addresses, given by coordinators (DECP publishes none):
``clauses entreprises contacts FICHIER`` (CSV or XLSX).

Columns (headers in French or English, case and accents ignored):

| column | French header | |
|---|---|---|
| ``siret`` | SIRET | the company's SIRET (spaces allowed), or |
| ``company`` | Entreprise | its name, for a company known by name only |
| ``email`` | Courriel | required: where its invitations go |
| ``contact_name`` | Contact | optional: the person to greet |

The company must be known: an awardee of a stored lot, or a GEIQ member of
``config/employers.yaml``. One line per company; a new address for a company replaces the old one
(and clears a bounce; an unsubscribe stays, only the company can undo it). The file is taken whole
or refused whole, every problem named by row and column. Addresses and names are personal data:
the command's summary gives counts only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session

from clauses.config import Config
from clauses.errors import InputError
from clauses.ingest.awardees import NAME_ONLY
from clauses.ingest.problems import ProblemCollector
from clauses.outreach.employers import sync_members
from clauses.readers.tabular import read_sheet
from clauses.storage.base import utcnow
from clauses.storage.companies import Company
from clauses.storage.employers import CompanyContact
from clauses.text import normalise_key

COLUMNS = {
    "siret": ["SIRET", "N° SIRET", "Numéro SIRET"],
    "company": ["Entreprise", "Société", "Raison sociale", "Nom de l'entreprise"],
    "email": ["Courriel", "Email", "E-mail", "Adresse e-mail"],
    "contact_name": ["Contact", "Nom du contact", "Interlocuteur"],
}
_UNSAFE = re.compile(r"[\x00-\x1f\x7f<>]")


@dataclass
class ContactImport:
    file: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"file": self.file, "rows": self.rows, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "warnings": self.warnings}


def import_contacts(session: Session, config: Config, path: Path | str) -> ContactImport:
    """Validate the whole file, then store its contacts (raises ``InputError``: nothing changed)."""
    sheet = read_sheet(path, COLUMNS, [("siret", "company"), "email"])
    frame = sheet.frame
    check = ProblemCollector(file=sheet.file, labels=sheet.rows, headers=sheet.original_headers)
    col = lambda name: frame[name] if name in frame.columns else None  # noqa: E731
    sync_members(session, config)
    by_siret = dict(session.execute(select(Company.identifier, Company.id).where(Company.identifier_type == "SIRET")).all())
    by_name: dict[str, list[int]] = {}
    for company_id, name, kind, identifier in session.execute(select(Company.id, Company.name, Company.identifier_type, Company.identifier)):
        for key in {normalise_key(name or ""), identifier if kind == NAME_ONLY else ""} - {""}:
            by_name.setdefault(key, []).append(company_id)
    wanted: dict[int, tuple[str, str | None]] = {}
    seen: dict[int, int] = {}
    for pos in range(len(frame)):
        row = int(sheet.rows.iloc[pos])
        siret = "".join(str(col("siret").iloc[pos]).split()) if col("siret") is not None else ""
        name = col("company").iloc[pos] if col("company") is not None else ""
        raw_email = col("email").iloc[pos]
        person = col("contact_name").iloc[pos] if col("contact_name") is not None else ""
        company_id = None
        if siret:
            company_id = by_siret.get(siret)
            if company_id is None:
                check.flag_position(pos, "siret", f"entreprise inconnue (SIRET {siret}) : ni titulaire d'un lot importé, "
                                                  "ni membre du GEIQ dans config/employers.yaml")
        elif name:
            found = by_name.get(normalise_key(name), [])
            if len(found) == 1:
                company_id = found[0]
            else:
                check.flag_position(pos, "company", "entreprise inconnue : ni titulaire d'un lot importé, ni membre du GEIQ"
                                    if not found else "plusieurs entreprises portent ce nom : donnez le SIRET")
        else:
            check.flag_position(pos, "siret", "valeur manquante : il faut le SIRET ou le nom de l'entreprise")
        email = None
        if not raw_email:
            check.flag_position(pos, "email", "valeur manquante : l'adresse où envoyer les invitations")
        else:
            try:
                email = validate_email(raw_email, check_deliverability=False).normalized.lower()
            except EmailNotValidError:
                check.flag_position(pos, "email", "adresse e-mail invalide (forme attendue : nom@domaine.fr)")
        if person and _UNSAFE.search(person):
            check.flag_position(pos, "contact_name", "caractère interdit dans un nom (saut de ligne, « < » ou « > ») : "
                                                     "corrigez la cellule")
        if company_id is not None:
            if company_id in seen:
                check.flag_position(pos, "siret" if siret else "company",
                                    f"entreprise déjà donnée ligne {seen[company_id]} : une adresse par entreprise")
            seen.setdefault(company_id, row)
            if email:
                wanted[company_id] = (email, person or None)
    if check.problems:
        raise InputError(check.problems)
    result = ContactImport(file=sheet.file, rows=len(frame))
    if not len(frame):
        result.warnings.append("aucune ligne dans le fichier")
    existing = {c.company_id: c for c in session.scalars(select(CompanyContact).where(CompanyContact.company_id.in_(list(wanted))))} if wanted else {}
    now = utcnow()
    for company_id, (email, person) in wanted.items():
        contact = existing.get(company_id)
        if contact is None:
            session.add(CompanyContact(company_id=company_id, email=email, name=person, email_status="valid", opted_out=False))
            result.created += 1
        elif (contact.email, contact.name) == (email, person):
            result.unchanged += 1
        else:
            if contact.email != email:
                contact.email_status = "valid"  # a new address: the old one's bounce does not apply
            contact.email, contact.name, contact.updated_at = email, person, now
            result.updated += 1
    session.flush()
    return result
