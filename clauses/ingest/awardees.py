"""Store the companies that won the lots, and name them in artifacts without naming a person.

A company is known by its identifier (SIRET, or another DECP ``typeIdentifiant``), else by its
name. Company data is public, but an individual entrepreneur's company often bears the person's
name ("Jean Dupont", "DUPONT Jean", "EI Dupont"). Such a name is ``person_like``: kept in the
database (the facilitator needs it) but never put in a Prefect artifact or log, where the company
is shown by its identifier instead (``public_label``).

``person_like`` errs on the side of privacy: a name is a company's only when it carries a legal
form or a business word (SAS, SARL, BTP, Construction, Entreprise…) or is a single word; any other
name of two to four words is taken as possibly a person's.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from clauses.readers.tabular import STR_DTYPE
from clauses.storage.base import utcnow
from clauses.storage.bulk import execute_many
from clauses.storage.companies import Company, LotCompany
from clauses.storage.pipeline import Lot
from clauses.text import normalise_key

COMPANIES = Company.__table__
LINKS = LotCompany.__table__
NAME_ONLY = "NOM"
# What Python's ``\s`` matches, in RE2's words (its own ``\s`` is ASCII only).
_SPACES = r"[\s\v\x{1c}-\x{1f}\x{85}\p{Z}]"

_PERSON_MARKS = re.compile(r"^(m|mr|mme|mlle|monsieur|madame|ei|eirl|ae)\b|entreprise individuelle|auto[- ]?entrepreneur|micro[- ]?entreprise")
_BUSINESS_WORDS = set(
    """sa sas sasu sarl eurl snc scop sci scp gie sem spl scic selarl cie ste societe ets etablissements entreprise
    entreprises groupe group groupement btp tp travaux construction constructions batiment batiments renovation
    bureau etudes ingenierie services service agence atelier ateliers industrie industries france
    europe international menuiserie menuiseries maconnerie peinture electricite plomberie chauffage couverture
    charpente etancheite facades terrassement voirie reseaux paysage paysages energie energies environnement
    technologies solutions systems systemes conseil consulting location transports transport nettoyage
    securite association asso fondation office mutuelle banque assurances commune ville departement region
    et fils freres cooperative""".split()
)


def person_like(name: str | None) -> bool:
    """Whether a company name may be a person's (see the module's rule)."""
    if not name:
        return False
    key = normalise_key(name)
    if _PERSON_MARKS.search(key):
        return True
    words = re.findall(r"[a-z]+", key)
    if len(words) < 2 or len(words) > 4 or re.search(r"\d", key):
        return False
    return not any(word in _BUSINESS_WORDS for word in words)


def public_label(identifier_type: str, identifier: str, name: str | None, is_person_like: bool) -> str:
    """The company as an artifact may show it: its name, or its identifier when the name may be a
    person's (a company known by name only is then "entreprise individuelle")."""
    if name and not is_person_like:
        return name
    if identifier_type != NAME_ONLY and identifier:
        return f"{identifier_type} {identifier}"
    return "entreprise individuelle"


def among(values: pd.Series, wanted: pd.Series) -> np.ndarray:
    """Whether each of ``values`` is one of ``wanted`` (text), by Arrow's hash lookup: pandas 3.1's
    ``str`` ``isin`` turns every wanted value into a Python object first (7 s at a million lots)."""
    return pc.is_in(pa.array(values, pa.large_string()), value_set=pa.array(wanted, pa.large_string())).to_numpy(zero_copy_only=False)


def _without_spaces(ids: pd.Series) -> pd.Series:
    """SIRET cells without the spaces of their French formatting (``999 015 000 00006``, no-break
    spaces included). Arrow's regular expressions run only when a cell holds more than digits."""
    column = pa.array(ids, pa.large_string())
    spaced = pc.and_(pc.invert(pc.utf8_is_digit(column)), pc.greater(pc.binary_length(column), 0))
    if not pc.any(spaced).as_py():
        return ids
    return pd.Series(pc.replace_substring_regex(column, _SPACES, ""), index=ids.index, dtype=ids.dtype)


def _filled(column: pd.Series | None) -> np.ndarray | bool:
    """Which cells of ``column`` are not empty, from Arrow's lengths (False for a missing column)."""
    return False if column is None else pc.binary_length(pa.array(column, pa.large_string())).to_numpy() > 0


def sheet_awardees(frame: pd.DataFrame, kept: np.ndarray | None = None) -> pd.DataFrame:
    """The awardees a pipeline file names in its optional company / SIRET columns, for the rows of
    ``frame`` that are ``kept`` (a boolean mask: those of valid lots; None: every row)."""
    names = frame["company"] if "company" in frame.columns else None
    ids = _without_spaces(frame["company_id"]) if "company_id" in frame.columns else None
    if names is None and ids is None:
        return pd.DataFrame(columns=["lot_id", "identifier_type", "identifier", "name"])
    rows = _filled(ids) | _filled(names)
    if kept is not None:
        rows &= kept
    count = int(rows.sum())
    every_row = count == len(frame)  # taking every row would copy each column for nothing

    def cells(column: pd.Series | None) -> pd.api.extensions.ExtensionArray:
        if column is None:  # a column the file lacks: empty cells, made for the rows kept only
            return _repeated("", count)
        # A boolean mask filters Arrow's chunks one by one; positions (``take``) cost more: 73 → 54 ms
        # for the 214,000 of a million lots that name a company.
        return column.array if every_row else column.array[rows]

    # Built from arrays, not Series: Series taken apart carry indexes pandas would align.
    return pd.DataFrame({
        "lot_id": cells(frame["lot_id"]), "identifier_type": _repeated("SIRET", count),
        "identifier": cells(ids), "name": cells(names),
    })


def _repeated(text: str, length: int) -> pd.api.extensions.ExtensionArray:
    """``text`` ``length`` times, as a str column (Arrow repeats it without a Python string a row)."""
    return pd.array(pa.chunked_array([pa.repeat(pa.scalar(text, pa.large_string()), length)]), dtype=STR_DTYPE)


def store_awardees(session: Session, awardees: pd.DataFrame | None, lot_external_ids: list[str]) -> int:
    """Link each of ``lot_external_ids`` to its awardees, creating companies not yet known and
    updating a changed name. The links of those lots are replaced; other lots keep theirs. Returns
    the number of links written."""
    if awardees is None or not lot_external_ids:
        return 0
    awardees = awardees.fillna("")
    lot_ids = dict(session.execute(select(Lot.external_id, Lot.id).where(Lot.external_id.in_(lot_external_ids))).all()) \
        if len(lot_external_ids) < 30000 else dict(session.execute(select(Lot.external_id, Lot.id)).all())
    wanted: dict[tuple[str, str], str] = {}
    links: set[tuple[str, tuple[str, str]]] = set()
    for lot, kind, identifier, name in awardees[["lot_id", "identifier_type", "identifier", "name"]].itertuples(index=False):
        if lot not in lot_ids:
            continue
        key = (kind or "SIRET", identifier) if identifier else (NAME_ONLY, normalise_key(name))
        if name or key not in wanted:
            wanted[key] = name
        links.add((lot, key))
    existing = {(row.identifier_type, row.identifier): row for row in session.execute(select(COMPANIES.c.id, COMPANIES.c.identifier_type, COMPANIES.c.identifier, COMPANIES.c.name))}
    now = utcnow()
    new = [key for key in wanted if key not in existing]
    if new:
        execute_many(
            session, insert(COMPANIES),
            {
                "identifier_type": [k[0] for k in new], "identifier": [k[1] for k in new],
                "name": [wanted[k] or None for k in new], "person_like": [person_like(wanted[k]) for k in new],
            },
            {"created_at": now, "updated_at": now},
        )
    for key, name in wanted.items():
        current = existing.get(key)
        if current is not None and name and current.name != name:
            session.execute(COMPANIES.update().where(COMPANIES.c.id == current.id).values(name=name, person_like=person_like(name), updated_at=now))
    company_ids = {(row.identifier_type, row.identifier): row.id for row in session.execute(select(COMPANIES.c.id, COMPANIES.c.identifier_type, COMPANIES.c.identifier))}
    touched = [lot_ids[lot] for lot in lot_external_ids if lot in lot_ids]
    for start in range(0, len(touched), 500):
        session.execute(delete(LINKS).where(LINKS.c.lot_id.in_(touched[start:start + 500])))
    if links:
        pairs = sorted((lot_ids[lot], company_ids[key]) for lot, key in links)
        execute_many(session, insert(LINKS), {"lot_id": [p[0] for p in pairs], "company_id": [p[1] for p in pairs]})
    return len(links)
