"""Decide which DECP records become lots, and with which trade, window and awardees.

The reader (``clauses.readers.decp``, ``clauses.readers.decp_table``) gives every record as it
stands after its modifications. Here, in order:

1. a concession is not taken ("concession"); nor is a record without "Clause sociale" in
   ``considerationsSociales``. A file without that field (DECP 1.x) has its construction records
   (CPV division 45) taken only with ``assume_clause`` (``--decp-assume-clause``), at the trade's
   default insertion rate;
2. a record must lie in the territory (``config/territory.yaml``) unless ``whole_country``;
3. one contract published several times is taken once, from its latest publication
   (``datePublicationDonnees``, then the later in the file): records of the same buyer whose ids are
   equal, or equal but for a final two-digit modification number (``…04``, ``…05``), and whose
   ``objet``, CPV code and awardees are the same. Records of one buyer sharing an id but not the
   rest are different contracts (a real publisher gives all twelve lots of a consultation one id,
   each with its own awardee and amount): each is kept, its lot id followed by ``#`` and a short
   fingerprint of what tells it apart. (A re-publication whose awardee changed without a
   ``modifications`` entry is therefore counted twice: the data cannot tell it from another lot.)
4. the trade is inferred from the CPV code and the objet (``clauses.ingest.trade_inference``); from
   the CPV alone when the objet's text is damaged. A record whose trade cannot be inferred is
   reported, never guessed.

Every record is named by its buyer and id. A framework agreement (accord-cadre) publishes a
ceiling: its lot keeps the ceiling's hours and gets the expected hours, ceiling hours ×
``config/decp.yaml`` realisation ratio.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from clauses import french
from clauses.config import Config
from clauses.errors import Problem
from clauses.ingest.awardees import among
from clauses.ingest.pipeline import ValidatedPipeline, validate_pipeline
from clauses.ingest.trade_inference import TradeInferrer, cpv_digits
from clauses.readers.decp import DecpFile, DecpRecord
from clauses.text import normalise_key

CLAUSE = normalise_key("Clause sociale")
COMMUNE_LEVEL = {"code postal", "code commune", "code arrondissement", "code canton"}
DEPARTEMENT_LEVEL = {"code departement"}

# Reasons a record is not taken, as the command prints them.
NOT_TAKEN_CONCESSION = "concession"
NOT_TAKEN_NO_CLAUSE = "sans clause sociale"
NOT_TAKEN_NO_FIELD = "champ considerationsSociales absent (DECP 1.x) : relancez avec --decp-assume-clause pour retenir les travaux (CPV 45)"
NOT_TAKEN_NOT_WORKS = "hors travaux de construction (CPV hors division 45)"
NOT_TAKEN_OUTSIDE = "hors du territoire"
NOT_TAKEN_REPUBLISHED = "publication antérieure du même marché"

# The DECP field behind each pipeline column: messages name what the publisher wrote.
DECP_FIELDS = {
    "operation_id": "id",
    "operation": "objet",
    "contracting_authority": "acheteur",
    "commune": "lieuExecution",
    "lot_id": "id",
    "lot": "objet",
    "trade": "codeCPV / objet",
    "amount_ht": "montant",
    "start": "dateNotification",
    "duration_months": "dureeMois",
}
FRAME_COLUMNS = [
    "operation_id", "operation", "contracting_authority", "commune", "lot_id", "lot", "trade",
    "amount_ht", "start", "duration_months", "status",
]


@dataclass
class DecpRows:
    frame: pd.DataFrame  # canonical pipeline columns, strings
    labels: pd.Series  # "buyer / id" of each row, for messages
    problems: list[Problem] = field(default_factory=list)
    # (row position, column, reason) found while reading: e.g. a trade that cannot be inferred.
    row_problems: list[tuple[int, str, str]] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # said once per file, the file still loads
    schema: str = "2.x"
    records_read: int = 0
    # One row per lot and awardee: lot_id, identifier_type, identifier, name.
    awardees: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["lot_id", "identifier_type", "identifier", "name"]))
    # Per lot id: framework agreement, text damaged.
    flags: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["lot_id", "framework", "text_damaged"]))


def _departement_of(code: str) -> str:
    if code.startswith("97") or code.startswith("98"):
        return code[:3]
    return code[:2]


_key = lru_cache(maxsize=4096)(normalise_key)  # place types and consideration items: a few distinct values


def in_territory(code: str, kind: str, config: Config) -> tuple[bool, str | None]:
    """Whether a place code lies in the territory, and the commune name when known."""
    kind = _key(kind)
    rule = config.territory.filter
    if not code:
        return False, None
    if kind in COMMUNE_LEVEL or (not kind and len(code) == 5):
        commune = config.territory.commune_for_code(code)
        if commune is not None:
            return True, commune.name
        if rule.restrict_to_communes:
            return False, None
        return _departement_of(code) in rule.departements, None
    if kind in DEPARTEMENT_LEVEL or (not kind and len(code) in (2, 3)):
        return rule.keep_departement_level and code in rule.departements, None
    return False, None  # region or country: too vague to place a site


def _base_id(record_id: str) -> str:
    """The id without a final two-digit modification number ("2019A0150004" → "2019A01500")."""
    return record_id[:-2] if len(record_id) > 4 and record_id[-2:].isdigit() else record_id


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:6]


def _contracts(records: list[DecpRecord]) -> tuple[list[tuple[DecpRecord, str]], int]:
    """The latest publication of each contract with its lot id, and how many older publications
    were set aside (see the module's rule 3)."""
    by_base: dict[tuple[str, str], list[DecpRecord]] = {}
    for record in records:
        by_base.setdefault((record.buyer_id, _base_id(record.id)), []).append(record)
    out: list[tuple[DecpRecord, str]] = []
    older = 0
    for (buyer, _), group in by_base.items():
        if len(group) == 1:
            record = group[0]
            out.append((record, f"decp:{buyer}:{record.id}" if buyer else f"decp:{record.id}"))
            continue
        by_objet: dict[str, list[DecpRecord]] = {}
        for record in group:
            identity = "|".join([normalise_key(record.objet), cpv_digits(record.cpv), *sorted(a.identifier for a in record.awardees)])
            by_objet.setdefault(identity, []).append(record)
        chosen = []
        for objet, same in by_objet.items():
            latest = max(same, key=lambda r: (r.published, r.id[-2:], r.position))
            first_id = min(r.id for r in same)  # stable while later publications are added
            chosen.append((objet, latest, first_id))
            older += len(same) - 1
        shared = Counter(first_id for _, _, first_id in chosen)
        for objet, latest, first_id in chosen:
            lot_id = f"decp:{buyer}:{first_id}" if buyer else f"decp:{first_id}"
            if shared[first_id] > 1:
                lot_id += f"#{_short_hash(objet)}"
            out.append((latest, lot_id))
    out.sort(key=lambda item: item[0].position)
    return out, older


def _listed(ids: list[str], limit: int = 5) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" et {french.counted(len(ids) - limit, 'autre', 'autres')}" if len(ids) > limit else "")


def decp_rows(decp: DecpFile, config: Config, *, assume_clause: bool = False, whole_country: bool = False) -> DecpRows:
    """The pipeline rows of the DECP records taken, with what was set aside and why."""
    skipped: Counter[str] = Counter()
    taken: list[tuple[DecpRecord, str]] = []
    for record in decp.records:
        if record.kind != "marche":
            skipped[NOT_TAKEN_CONCESSION] += 1
            continue
        cpv = cpv_digits(record.cpv)
        if record.considerations is not None and record.considerations:
            if CLAUSE not in {_key(c) for c in record.considerations}:
                skipped[NOT_TAKEN_NO_CLAUSE] += 1
                continue
        elif assume_clause:
            if not cpv.startswith("45"):
                skipped[NOT_TAKEN_NOT_WORKS] += 1
                continue
        else:
            skipped[NOT_TAKEN_NO_CLAUSE if record.considerations is not None else NOT_TAKEN_NO_FIELD] += 1
            continue
        place_ok, commune = in_territory(record.place_code, record.place_type, config)
        if not place_ok and not whole_country:
            skipped[NOT_TAKEN_OUTSIDE] += 1
            continue
        taken.append((record, commune or record.place_name or record.place_code))
    communes = {id(record): commune for record, commune in taken}
    contracts, older = _contracts([record for record, _ in taken])
    if older:
        skipped[NOT_TAKEN_REPUBLISHED] = older

    inferrer = TradeInferrer.from_config(config)
    rows: list[dict[str, str]] = []
    labels: list[str] = []
    row_problems: list[tuple[int, str, str]] = []
    awardees: list[tuple[str, str, str, str]] = []
    flags: list[tuple[str, bool, bool]] = []
    zero_amounts: list[str] = []
    damaged: list[str] = []
    for position, (record, lot_id) in enumerate(contracts):
        inference = inferrer.infer(record.cpv, record.objet, text_damaged=record.damaged)
        rows.append(
            {
                "operation_id": lot_id,
                "operation": record.objet or record.id,
                "contracting_authority": record.buyer_name or record.buyer_id,
                "commune": communes[id(record)],
                "lot_id": lot_id,
                "lot": record.objet or record.id,
                "trade": inference.trade.key if inference.trade else "",
                "amount_ht": record.amount,
                "start": record.notified,
                "duration_months": record.duration,
                "status": "awarded",
            }
        )
        labels.append(record.label + (lot_id[lot_id.index("#"):] if "#" in lot_id else ""))
        if inference.trade is None:
            row_problems.append((position, "trade", f"métier {inference.reason}"))  # « métier non déduit : … »
        if record.amount in ("0", "0.0"):
            zero_amounts.append(record.label)
        if record.damaged:
            damaged.append(record.label)
        flags.append((lot_id, record.framework, record.damaged))
        for awardee in record.awardees:
            awardees.append((lot_id, awardee.identifier_type, awardee.identifier, awardee.name))

    warnings = []
    if zero_amounts:
        warnings.append(
            f"{french.counted(len(zero_amounts), 'marché retenu', 'marchés retenus')} avec un montant de 0 € (0 heure d'insertion calculée) : "
            f"{_listed(zero_amounts)} ; vérifiez le champ montant auprès de l'acheteur"
        )
    if damaged:
        warnings.append(
            f"{french.counted(len(damaged), 'marché', 'marchés')} au texte abîmé par un mauvais encodage (caractère « � » ou « ? » à la "
            f"place d'une lettre) : métier déduit du seul code CPV, lots marqués « texte abîmé » : {_listed(damaged)}"
        )
    frameworks = sum(1 for _, framework, _ in flags if framework)
    if frameworks:
        ratio = config.decp.framework_realisation_ratio
        warnings.append(
            f"{french.counted(frameworks, 'accord-cadre', 'accords-cadres')} : le montant publié est un plafond ; heures attendues = heures du "
            f"plafond × {french.number(ratio)} (source du taux : {config.decp.framework_realisation_source})"
        )
    frame = pd.DataFrame(rows, columns=FRAME_COLUMNS).fillna("")
    return DecpRows(
        frame=frame,
        labels=pd.Series(labels, dtype=object),
        problems=list(decp.problems),
        row_problems=row_problems,
        skipped=dict(skipped),
        warnings=warnings,
        schema=decp.schema,
        records_read=len(decp.records) + len(decp.problems),
        awardees=pd.DataFrame(awardees, columns=["lot_id", "identifier_type", "identifier", "name"]),
        flags=pd.DataFrame(flags, columns=["lot_id", "framework", "text_damaged"]),
    )


def validate_decp(decp: DecpFile, config: Config, *, assume_clause: bool = False, whole_country: bool = False) -> ValidatedPipeline:
    """The DECP records taken, validated as pipeline lots, with their awardees and flags."""
    rows = decp_rows(decp, config, assume_clause=assume_clause, whole_country=whole_country)
    validated = validate_pipeline(
        rows.frame, rows.labels, file=decp.name, source="decp", config=config, headers=DECP_FIELDS,
        skipped=rows.skipped, row_problems=rows.row_problems,
    )
    validated.problems[:0] = rows.problems
    validated.warnings = rows.warnings
    validated.records_read = rows.records_read
    lots = validated.lots
    validated.awardees = rows.awardees[among(rows.awardees["lot_id"], lots["external_id"])].reset_index(drop=True)
    flags = rows.flags.drop_duplicates("lot_id").set_index("lot_id")
    framework = lots["external_id"].map(flags["framework"]).fillna(False).astype(bool).to_numpy()
    damaged = lots["external_id"].map(flags["text_damaged"]).fillna(False).astype(bool).to_numpy()
    ratio = config.decp.framework_realisation_ratio
    hours = lots["insertion_hours"].to_numpy(dtype=float)
    lots["framework_ceiling_hours"] = np.where(framework, hours, np.nan)
    lots["realisation_ratio"] = np.where(framework, ratio, np.nan)
    lots["insertion_hours"] = np.where(framework, np.round(hours * ratio, 2), hours)
    lots["text_damaged"] = damaged
    marked = framework | damaged
    if marked.any():
        # What the fingerprint does not see: a changed ratio or flag rewrites the lot.
        hashes = lots["content_hash"].to_numpy(dtype=object).copy()
        for i in np.flatnonzero(marked):
            hashes[i] = hashlib.sha256(f"{hashes[i]}|{framework[i]}|{ratio if framework[i] else ''}|{damaged[i]}".encode()).hexdigest()
        lots["content_hash"] = hashes
    return validated
