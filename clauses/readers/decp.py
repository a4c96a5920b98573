"""Read DECP open data (données essentielles de la commande publique) into pipeline rows.

Accepts schema 2.x (``{"marches": {"marche": [...]}}``, 2.0.3) and the older 1.x files
(``{"marches": [...]}``) real publishers still produce. Each record becomes one lot of its own
operation (DECP has no notion of operation or lot). A record is taken when:

- it carries a social clause: ``considerationsSociales`` includes "Clause sociale" (also in the
  tabular form "Critère social, Clause sociale"). 1.x files have no such field: with
  ``assume_clause=True`` every construction record (CPV division 45) is taken, with the trade's
  default insertion rate;
- it lies in the territory (``config/territory.yaml`` filter), whatever the type of its place code,
  unless ``whole_country=True``.

The trade is inferred from the CPV code and the objet (``clauses.ingest.trade_inference``); a record
whose trade cannot be inferred is reported as a problem, never guessed. The window runs from
``dateNotification`` (an offset such as "+01:00" is ignored) for ``dureeMois`` months.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from clauses.config import Config
from clauses.errors import InputError, Problem
from clauses.ingest.trade_inference import TradeInferrer, cpv_digits
from clauses.text import normalise_key

CLAUSE = normalise_key("Clause sociale")
COMMUNE_LEVEL = {"code postal", "code commune", "code arrondissement", "code canton"}
DEPARTEMENT_LEVEL = {"code departement"}


@dataclass
class DecpRows:
    frame: pd.DataFrame  # canonical pipeline columns, strings
    labels: pd.Series  # record ids, for messages
    problems: list[Problem] = field(default_factory=list)
    # (row position, column, reason) found while reading: e.g. a trade that cannot be inferred.
    row_problems: list[tuple[int, str, str]] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    schema: str = "2.x"


def load_records(path: Path) -> tuple[list[dict], str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError([Problem(path.name, None, None, f"JSON invalide ({exc})")]) from exc
    marches = data.get("marches") if isinstance(data, dict) else None
    if isinstance(marches, dict) and isinstance(marches.get("marche"), list):
        return marches["marche"], "2.x"
    if isinstance(marches, list):
        return marches, "1.x"
    raise InputError(
        [Problem(path.name, None, "marches", 'pas un fichier DECP : {"marches": {"marche": [...]}} (2.x) ou {"marches": [...]} (1.x) attendu')]
    )


def social_considerations(record: dict) -> list[str]:
    value = record.get("considerationsSociales")
    if isinstance(value, dict):
        value = value.get("considerationSociale")
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        out.extend(part.strip() for part in str(item).split(",") if part.strip())
    return out


def _departement_of(code: str) -> str:
    if code.startswith("97") or code.startswith("98"):
        return code[:3]
    return code[:2]


def in_territory(place: dict | None, config: Config) -> tuple[bool, str | None]:
    """Whether a lieuExecution lies in the territory, and the commune name when known."""
    if not isinstance(place, dict):
        return False, None
    code = str(place.get("code") or "").strip().upper()
    kind = normalise_key(str(place.get("typeCode") or ""))
    rule = config.territory.filter
    if not code:
        return False, None
    if kind in COMMUNE_LEVEL or (not kind and len(code) == 5):
        commune = config.territory.commune_for_code(code)
        if commune is not None:
            return True, commune.name
        if rule.restrict_to_communes:
            return False, None
        return _departement_of(code) in rule.departements, place.get("nom") or code
    if kind in DEPARTEMENT_LEVEL or (not kind and len(code) in (2, 3)):
        return rule.keep_departement_level and code in rule.departements, None
    return False, None  # region or country: too vague to place a site


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_decp(path: Path | str, config: Config, *, assume_clause: bool = False, whole_country: bool = False) -> DecpRows:
    path = Path(path)
    if not path.exists():
        raise InputError([Problem(path.name, None, None, "fichier introuvable")])
    records, schema = load_records(path)
    inferrer = TradeInferrer(config.trades)
    skipped: Counter[str] = Counter()
    problems: list[Problem] = []
    rows: list[dict[str, str]] = []
    labels: list[str] = []
    row_problems: list[tuple[int, str, str]] = []
    published: dict[str, tuple[int, str]] = {}  # lot id -> (row position, publication date)
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            problems.append(Problem(path.name, f"#{index + 1}", None, "un enregistrement n'est pas un objet JSON"))
            continue
        record_id = _text(record.get("id")) or f"#{index + 1}"
        cpv = cpv_digits(_text(record.get("codeCPV")))
        considerations = social_considerations(record)
        if considerations:
            if CLAUSE not in {normalise_key(c) for c in considerations}:
                skipped["pas de clause sociale"] += 1
                continue
        elif schema == "1.x" and assume_clause:
            if not cpv.startswith("45"):
                skipped["pas un marché de travaux (CPV hors division 45)"] += 1
                continue
        else:
            skipped["pas de clause sociale" if schema == "2.x" else "pas de champ considérations sociales (DECP 1.x : utiliser --decp-assume-clause)"] += 1
            continue
        place_ok, commune = in_territory(record.get("lieuExecution"), config)
        if not place_ok and not whole_country:
            skipped["hors du territoire"] += 1
            continue
        if commune is None:
            place = record.get("lieuExecution") or {}
            commune = _text(place.get("nom")) or _text(place.get("code")) or ""
        inference = inferrer.infer(cpv, _text(record.get("objet")))
        buyer = record.get("acheteur") or {}
        buyer_id = _text(buyer.get("id"))
        external_id = f"decp:{buyer_id}:{record_id}" if buyer_id else f"decp:{record_id}"
        duration = _text(record.get("dureeMois"))
        rows.append(
            {
                "operation_id": external_id,
                "operation": _text(record.get("objet")) or record_id,
                "contracting_authority": _text(buyer.get("nom")) or buyer_id,
                "commune": commune,
                "lot_id": external_id,
                "lot": _text(record.get("objet")) or record_id,
                "trade": inference.trade.key if inference.trade else "",
                "amount_ht": _text(record.get("montant")),
                "start": _text(record.get("dateNotification"))[:10],
                "duration_months": duration,
                "status": "awarded",
            }
        )
        publication = _text(record.get("datePublicationDonnees"))[:10]
        previous = published.get(external_id)
        if previous is not None:
            # The same contract published again (real files have such repeats): keep the latest.
            skipped["publication plus ancienne du même marché"] += 1
            if publication < previous[1]:
                rows.pop()
                continue
            position = previous[0]
            rows[position] = rows.pop()
            row_problems[:] = [p for p in row_problems if p[0] != position]
        else:
            position = len(labels)
            labels.append(record_id)
        published[external_id] = (position, publication)
        if inference.trade is None:
            row_problems.append((position, "trade", f"métier impossible à déduire : {inference.reason}"))
    frame = pd.DataFrame(rows, columns=[
        "operation_id", "operation", "contracting_authority", "commune", "lot_id", "lot", "trade",
        "amount_ht", "start", "duration_months", "status",
    ]).fillna("")
    return DecpRows(frame=frame, labels=pd.Series(labels, dtype=object), problems=problems, row_problems=row_problems, skipped=dict(skipped), schema=schema)
