"""Read DECP open data (données essentielles de la commande publique) as plain records.

This module only reads: it decides nothing about clauses, territory or trades (that is
``clauses.ingest.decp``). Every shape the official schema 2.0.3 allows, and those real publishers
produce, gives the same ``DecpRecord``:

- ``{"marches": {"marche": [...]}}`` (2.x), with ``marche`` a list or a single object, and
  ``"contrat-concession"`` beside it;
- ``{"marches": [...]}`` (1.x), concessions marked by ``"_type": "Contrat de concession"``;
- a flat list of records, ``{"marche": ...}``, or one record alone;
- ``acheteur`` and ``lieuExecution`` as objects or as plain strings.

Each record is given as it stands after its latest modification (``modifications``, 2.x and 1.x
shapes): the amount, duration and awardees of the last modification that sets them. Dates are
Paris dates: a time in UTC or with an offset is converted, ``2024/05/15`` and ``20240515`` are read
as ``2024-05-15``. Text damaged by a wrong encoding (``�``, or ``?`` in place of a letter as in
``mise en ?uvre``) is flagged on the record, never silently kept.

JSON is parsed with orjson (several times faster than the standard library on large files).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson

from clauses.errors import InputError, Problem

PARIS = ZoneInfo("Europe/Paris")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_WITH_OFFSET = re.compile(r"(\d{4}-\d{2}-\d{2})(?:Z|[+-]\d{2}:?\d{2})")
_SLASHED = re.compile(r"(\d{4})/(\d{2})/(\d{2})")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
# "�" (U+FFFD), or a "?" standing for a letter: "l?air", "mise en ?uvre".
_DAMAGED = re.compile(r"\ufffd|[^\W\d_]\?[^\W\d_]|(?<![^\W\d_])\?uvre")
CONCESSION = "concession"
MARCHE = "marche"


@dataclass(slots=True)
class Awardee:
    identifier_type: str  # SIRET, TVA, TAHITI, RIDET, FRWF, IREP, HORS-UE, or "" when not given
    identifier: str
    name: str  # "" when the file gives none (2.x gives none)


@dataclass(slots=True)
class DecpRecord:
    position: int  # 1-based place in the file (rows of a table: first row of the contract)
    id: str
    buyer_id: str
    buyer_name: str
    kind: str  # MARCHE or CONCESSION
    nature: str
    objet: str
    cpv: str
    place_code: str
    place_type: str
    place_name: str
    duration: str  # as written ("NC" stays "NC": the validator reports it)
    notified: str  # Paris date yyyy-mm-dd, or the value as written when it is not a date
    published: str  # yyyy-mm-dd or ""
    amount: str
    considerations: list[str] | None  # None: the record has no such field (1.x)
    framework: bool  # an accord-cadre: its amount is a ceiling
    awardees: list[Awardee] = field(default_factory=list)
    modifications: int = 0  # how many modifications were applied
    damaged: bool = False  # text damaged by a wrong encoding

    @property
    def label(self) -> str:
        """The record in messages: buyer and id (the same id is used by several buyers)."""
        return f"{self.buyer_id} / {self.id}" if self.buyer_id else self.id


@dataclass
class DecpFile:
    name: str
    schema: str  # "2.x", "1.x", "table"
    records: list[DecpRecord]
    problems: list[Problem] = field(default_factory=list)


def text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def paris_date(value: object) -> str:
    """The Paris date of a DECP date or date-time, as yyyy-mm-dd; the value as written when it is
    not one (the validator then names it). A date written with an offset ("2018-11-16+01:00") is
    the date as written; a time is converted to Paris time first."""
    raw = text(value)
    if len(raw) == 10 and _ISO_DATE.fullmatch(raw):
        return raw
    if not raw:
        return ""
    match = _DATE_WITH_OFFSET.fullmatch(raw)
    if match:
        return match.group(1)
    if "T" in raw or " " in raw.strip():
        try:
            moment = dt.datetime.fromisoformat(raw)
        except ValueError:
            return raw
        if moment.tzinfo is not None:
            moment = moment.astimezone(PARIS)
        return moment.date().isoformat()
    match = _SLASHED.fullmatch(raw) or _COMPACT.fullmatch(raw)
    if match:
        try:
            return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3))).isoformat()
        except ValueError:
            return raw
    return raw


def is_damaged(*values: str) -> bool:
    return any(value and _DAMAGED.search(value) for value in values)


def considerations_of(value: object) -> list[str] | None:
    """``considerationsSociales`` as a list of items (2.x object or list; tabular "A, B")."""
    if value is None:
        return None
    if isinstance(value, dict):
        value = value.get("considerationSociale")
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if item is not None:
            out.extend(part.strip() for part in str(item).split(",") if part.strip())
    return out


def _unwrapped(value: object, wrapper: str) -> list[dict]:
    """The objects of a DECP list, whatever the shape: 2.x ``[{"titulaire": {...}}]``, 1.x
    ``[{...}]``, ``{"titulaire": [...]}`` or ``{"titulaire": {...}}`` (``wrapper`` = "titulaire")."""
    if isinstance(value, dict):
        value = value.get(wrapper, value)
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        return []
    items = (item[wrapper] if isinstance(item, dict) and isinstance(item.get(wrapper), dict) else item for item in value)
    return [item for item in items if isinstance(item, dict)]


def awardees_of(value: object) -> list[Awardee]:
    """``titulaires`` (or ``concessionnaires``) as awardees."""
    out = []
    for item in _unwrapped(value, "titulaire") or _unwrapped(value, "concessionnaire"):
        identifier = text(item.get("id"))
        name = text(item.get("denominationSociale") or item.get("nom"))
        if identifier or name:
            out.append(Awardee(text(item.get("typeIdentifiant")).upper(), identifier, name))
    return out


def _modification_order(item: tuple[int, dict]) -> tuple:
    position, modification = item
    number = modification.get("id")
    return (
        paris_date(modification.get("dateNotificationModification")),
        paris_date(modification.get("datePublicationDonneesModification")),
        number if isinstance(number, int) else 0,
        position,
    )


def _party(value: object) -> tuple[str, str]:
    """(id, name) of an ``acheteur`` / ``autoriteConcedante`` object or string."""
    if isinstance(value, dict):
        return text(value.get("id")), text(value.get("nom"))
    return text(value), ""


def _place(value: object) -> tuple[str, str, str]:
    """(code, type of code, name) of a ``lieuExecution`` object or string."""
    if isinstance(value, dict):
        return text(value.get("code")).upper(), text(value.get("typeCode")), text(value.get("nom"))
    return text(value).upper(), "", ""


def _is_framework(record: dict, nature: str) -> bool:
    if "accord" in nature.lower() and "cadre" in nature.lower():
        return True
    techniques = record.get("techniques")
    if isinstance(techniques, dict):
        techniques = techniques.get("technique")
    if isinstance(techniques, str):
        techniques = [techniques]
    return isinstance(techniques, list) and any("accord" in str(t).lower() for t in techniques)


def to_record(raw: dict, position: int, kind: str = MARCHE) -> DecpRecord:
    """One JSON record as a ``DecpRecord``, its latest modifications applied."""
    get = raw.get
    if kind == MARCHE and "concession" in text(get("_type")).lower():
        kind = CONCESSION
    buyer_id, buyer_name = _party(get("acheteur") if "acheteur" in raw else get("autoriteConcedante"))
    place_code, place_type, place_name = _place(get("lieuExecution"))
    nature = text(get("nature"))
    amount = get("montant") if "montant" in raw else get("valeurGlobale")
    duration = get("dureeMois")
    awardees = awardees_of(get("titulaires") if "titulaires" in raw else get("concessionnaires"))
    modifications = _unwrapped(get("modifications"), "modification")
    for _, modification in sorted(enumerate(modifications), key=_modification_order):
        new_amount = modification.get("montant", modification.get("valeurGlobale"))
        if isinstance(new_amount, (int, float)) and new_amount > 0 or isinstance(new_amount, str) and new_amount.strip():
            amount = new_amount
        if modification.get("dureeMois") not in (None, "", 0):
            duration = modification["dureeMois"]
        changed = awardees_of(modification.get("titulaires"))
        if changed:
            awardees = changed
    objet = text(get("objet"))
    return DecpRecord(
        position=position,
        id=text(get("id")) or f"#{position}",
        buyer_id=buyer_id,
        buyer_name=buyer_name,
        kind=kind,
        nature=nature,
        objet=objet,
        cpv=text(get("codeCPV")),
        place_code=place_code,
        place_type=place_type,
        place_name=place_name,
        duration=text(duration),
        notified=paris_date(get("dateNotification") or get("dateSignature") or get("dateDebutExecution")),
        published=paris_date(get("datePublicationDonnees")),
        amount=text(amount),
        considerations=considerations_of(get("considerationsSociales")),
        framework=_is_framework(raw, nature),
        awardees=awardees,
        modifications=len(modifications),
        damaged=is_damaged(objet, buyer_name, *(a.name for a in awardees)),
    )


_SHAPES = (
    'pas un fichier DECP : attendu {"marches": {"marche": [...]}} (2.x), {"marches": [...]} (1.x), '
    "une liste d'enregistrements ou un enregistrement seul"
)


def _looks_like_record(value: object) -> bool:
    return isinstance(value, dict) and "id" in value and ("objet" in value or "codeCPV" in value)


def _entries(data: object) -> tuple[list[tuple[object, str]], str] | None:
    """(raw entries with their kind, schema) of a parsed DECP document, None when it is not one."""
    def listed(value: object) -> list:
        return value if isinstance(value, list) else [value] if isinstance(value, dict) else []

    if isinstance(data, dict) and "marches" in data:
        marches = data["marches"]
        if isinstance(marches, dict) and ("marche" in marches or "contrat-concession" in marches):
            entries = [(r, MARCHE) for r in listed(marches.get("marche"))]
            entries += [(r, CONCESSION) for r in listed(marches.get("contrat-concession"))]
            return entries, "2.x"
        if isinstance(marches, list):
            return [(r, MARCHE) for r in marches], "1.x"
        return None
    if isinstance(data, dict) and ("marche" in data or "contrat-concession" in data):
        entries = [(r, MARCHE) for r in listed(data.get("marche"))]
        entries += [(r, CONCESSION) for r in listed(data.get("contrat-concession"))]
        return entries, "2.x"
    if isinstance(data, list) and (not data or any(_looks_like_record(r) for r in data[:100])):
        return [(r, MARCHE) for r in data], "2.x" if any(isinstance(r, dict) and "considerationsSociales" in r for r in data[:100]) else "1.x"
    if _looks_like_record(data):
        return [(data, MARCHE)], "2.x" if "considerationsSociales" in data else "1.x"
    return None


def read_decp_json(path: Path | str) -> DecpFile:
    """Every record of a DECP JSON file; a record that is not an object is a problem."""
    path = Path(path)
    if not path.exists():
        raise InputError([Problem(path.name, None, None, "fichier introuvable")])
    content = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    try:
        data = orjson.loads(content)
    except orjson.JSONDecodeError:
        try:  # the standard library also reads NaN, which real exports (and the official example) carry
            data = json.loads(content)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError([Problem(path.name, None, None, f"JSON invalide : {exc}")]) from exc
    found = _entries(data)
    if found is None:
        raise InputError([Problem(path.name, None, "marches", _SHAPES)])
    entries, schema = found
    del data
    records, problems = [], []
    for position, (raw, kind) in enumerate(entries, start=1):
        if isinstance(raw, dict):
            records.append(to_record(raw, position, kind))
        else:
            problems.append(Problem(path.name, f"#{position}", None, "un enregistrement n'est pas un objet JSON"))
    return DecpFile(name=path.name, schema=schema, records=records, problems=problems)
