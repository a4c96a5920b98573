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
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from clauses.errors import InputError, Problem

PARIS = ZoneInfo("Europe/Paris")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_WITH_OFFSET = re.compile(r"(\d{4}-\d{2}-\d{2})(?:Z|[+-]\d{2}:?\d{2})")
_SLASHED = re.compile(r"(\d{4})/(\d{2})/(\d{2})")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
# "�" (U+FFFD), or a "?" standing for a letter: "l?air", "mise en ?uvre".
_DAMAGED = re.compile(r"\ufffd|[^\W\d_]\?[^\W\d_]|(?<![^\W\d_])\?uvre")
CONCESSION = "concession"

if sys.version_info >= (3, 12):
    from functools import cached_property
else:

    class cached_property:  # noqa: N801 (functools' name)
        """``functools.cached_property`` as Python 3.12 has it: without the lock that 3.11 takes on
        every first read (a national file's 100,000 records read a dozen fields each: 1.2 s of the
        4.5 s their fields take, ``bench/bench_decp.py``). Records are read by one thread."""

        def __init__(self, func) -> None:
            self.func = func
            self.attrname = func.__name__
            self.__doc__ = func.__doc__

        def __set_name__(self, owner: type, name: str) -> None:
            self.attrname = name

        def __get__(self, instance, owner=None):
            if instance is None:
                return self
            value = instance.__dict__[self.attrname] = self.func(instance)
            return value


MARCHE = "marche"


@dataclass(slots=True)
class Awardee:
    identifier_type: str  # SIRET, TVA, TAHITI, RIDET, FRWF, IREP, HORS-UE, or "" when not given
    identifier: str
    name: str  # "" when the file gives none (2.x gives none)


class DecpRecord:
    """One DECP record as it stands after its modifications. Its fields are read from the raw
    record when first asked for: ingestion looks at a few fields of every record (kind, social
    considerations, CPV, place) and at the others only for the few it takes."""

    def __init__(self, raw: dict, position: int, kind: str = MARCHE, *, modifications: int | None = None) -> None:
        self.raw = raw
        self.position = position  # 1-based place in the file (a table: the line of its first row)
        if kind == MARCHE and "concession" in text(raw.get("_type")).lower():
            kind = CONCESSION
        self.kind = kind  # MARCHE or CONCESSION
        self._modifications = modifications

    @cached_property
    def id(self) -> str:
        return text(self.raw.get("id")) or f"#{self.position}"

    @cached_property
    def _buyer(self) -> tuple[str, str]:
        raw = self.raw
        return _party(raw.get("acheteur") if "acheteur" in raw else raw.get("autoriteConcedante"))

    @property
    def buyer_id(self) -> str:
        return self._buyer[0]

    @property
    def buyer_name(self) -> str:
        return self._buyer[1]

    @property
    def label(self) -> str:
        """The record in messages: buyer and id (the same id is used by several buyers)."""
        return f"{self.buyer_id} / {self.id}" if self.buyer_id else self.id

    @cached_property
    def nature(self) -> str:
        return text(self.raw.get("nature"))

    @cached_property
    def objet(self) -> str:
        return text(self.raw.get("objet"))

    @cached_property
    def cpv(self) -> str:
        return text(self.raw.get("codeCPV"))

    @cached_property
    def _place(self) -> tuple[str, str, str]:
        return _place(self.raw.get("lieuExecution"))

    @property
    def place_code(self) -> str:
        return self._place[0]

    @property
    def place_type(self) -> str:
        return self._place[1]

    @property
    def place_name(self) -> str:
        return self._place[2]

    @cached_property
    def considerations(self) -> list[str] | None:
        """``considerationsSociales`` items; None when the record has no such field (1.x)."""
        return considerations_of(self.raw.get("considerationsSociales"))

    @cached_property
    def notified(self) -> str:
        """Paris date yyyy-mm-dd, or the value as written when it is not a date."""
        get = self.raw.get
        return paris_date(get("dateNotification") or get("dateSignature") or get("dateDebutExecution"))

    @cached_property
    def published(self) -> str:
        return paris_date(self.raw.get("datePublicationDonnees"))

    @cached_property
    def framework(self) -> bool:
        """An accord-cadre: its amount is a ceiling."""
        return _is_framework(self.raw, self.nature)

    @cached_property
    def _current(self) -> tuple[str, str, list[Awardee], int]:
        """(amount, duration, awardees, modifications applied): the latest modification's amount,
        duration and awardees, each from the last modification that sets it."""
        raw = self.raw
        get = raw.get
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
        count = len(modifications) if self._modifications is None else self._modifications
        return text(amount), text(duration), awardees, count

    @property
    def amount(self) -> str:
        return self._current[0]

    @property
    def duration(self) -> str:
        """As written ("NC" stays "NC": the validator names it)."""
        return self._current[1]

    @property
    def awardees(self) -> list[Awardee]:
        return self._current[2]

    @property
    def modifications(self) -> int:
        return self._current[3]

    @cached_property
    def damaged(self) -> bool:
        """Text damaged by a wrong encoding."""
        return is_damaged(self.objet, self.buyer_name, *(a.name for a in self.awardees))


@dataclass
class DecpFile:
    name: str
    schema: str  # "2.x", "1.x", "table"
    records: list[DecpRecord]
    problems: list[Problem] = field(default_factory=list)


def text(value: object) -> str:
    if type(value) is str:
        return value.strip()
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
    return any(("?" in value or "\ufffd" in value) and _DAMAGED.search(value) for value in values)


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
    if not value:
        return []
    if type(value) is list and all(type(item) is dict and wrapper not in item for item in value):
        return value  # 1.x: the objects themselves
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
    if not value:
        return []
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
    try:
        # The standard library reads NaN, which real exports (and the official example) carry; on
        # these files orjson is no faster (bench/bench_decp.py): most of the time goes to objects.
        data = json.loads(path.read_bytes().removeprefix(b"\xef\xbb\xbf"))
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
            records.append(DecpRecord(raw, position, kind))
        else:
            problems.append(Problem(path.name, f"#{position}", None, "un enregistrement n'est pas un objet JSON"))
    return DecpFile(name=path.name, schema=schema, records=records, problems=problems)
