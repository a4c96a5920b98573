"""Store validated lots: create new ones, update changed ones, leave unchanged ones untouched.

Everything happens in the caller's transaction, so a failure leaves the database as it was.
Lots are matched on their external id; a lot whose content fingerprint is unchanged is not written.
Values are prepared a column at a time and written with one executemany per statement
(``clauses.storage.bulk``): the ORM's per-object work took most of a 100,000-lot ingestion.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from clauses.ingest.pipeline import hours_parameters
from clauses.storage.base import utcnow
from clauses.storage.bulk import execute_many
from clauses.storage.pipeline import Lot, Operation

LOTS = Lot.__table__
OPERATIONS = Operation.__table__


@dataclass
class StoreCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _values(column: pd.Series) -> list:
    """The column as Python values, None where missing (never NaN, which PostgreSQL would refuse in
    a text column)."""
    return column.astype(object).where(column.notna(), None).tolist()


def _dates(column: pd.Series) -> list:
    """Python dates of a datetime64 column, converted by numpy."""
    return column.to_numpy().astype("datetime64[D]").astype(object).tolist()


def _store_operations(session: Session, lots: pd.DataFrame) -> dict[str, int]:
    wanted = lots.drop_duplicates("operation_external_id")
    existing = {
        row.external_id: row
        for row in session.execute(select(OPERATIONS.c.id, OPERATIONS.c.external_id, OPERATIONS.c.name, OPERATIONS.c.contracting_authority, OPERATIONS.c.commune))
    }
    now = utcnow()
    new, changed = [], []
    for ext, name, authority, commune in zip(
        _values(wanted["operation_external_id"]), _values(wanted["operation_name"]),
        _values(wanted["contracting_authority"]), _values(wanted["commune"]),
    ):
        current = existing.get(ext)
        if current is None:
            new.append((ext, name, authority, commune))
        elif (current.name, current.contracting_authority, current.commune) != (name, authority, commune):
            changed.append((current.id, name, authority, commune))
    if new:
        ext, name, authority, commune = zip(*new)
        execute_many(
            session, insert(OPERATIONS),
            {"external_id": ext, "name": name, "contracting_authority": authority, "commune": commune},
            {"created_at": now, "updated_at": now},
        )
    if changed:
        ids, name, authority, commune = zip(*changed)
        execute_many(
            session, update(OPERATIONS).where(OPERATIONS.c.id == bindparam("operation_id")),
            {"operation_id": ids, "name": name, "contracting_authority": authority, "commune": commune},
            {"updated_at": now},
        )
    return {ext: op_id for op_id, ext in session.execute(select(OPERATIONS.c.id, OPERATIONS.c.external_id))}


def _lot_columns(lots: pd.DataFrame, operation_ids: dict[str, int]) -> dict[str, list]:
    """The stored values of ``lots`` that vary from lot to lot, column by column (without the lot's
    id or external id)."""
    amounts = lots["amount_ht"].tolist()
    hours_source = _values(lots["hours_source"])
    parameters = [
        hours_parameters(*values)
        for values in zip(hours_source, amounts, lots["labour_share"].tolist(), lots["insertion_rate"].tolist(), lots["hourly_cost"].tolist())
    ]
    decp_columns = {}
    if "framework_ceiling_hours" in lots.columns:  # DECP: framework agreements and damaged text
        ceiling = lots["framework_ceiling_hours"].astype(float)
        for params, hours, ratio in zip(parameters, ceiling.tolist(), lots["realisation_ratio"].astype(float).tolist()):
            if hours == hours:  # not NaN: an accord-cadre
                params.update({"framework_ceiling_hours": hours, "realisation_ratio": ratio})
        decp_columns = {
            "framework_ceiling_hours": _values(ceiling),
            "text_damaged": lots["text_damaged"].astype(bool).tolist(),
        }
    return {
        "operation_id": [operation_ids[ext] for ext in _values(lots["operation_external_id"])],
        "name": _values(lots["name"]),
        "trade_key": _values(lots["trade_key"]),
        "amount_ht": [round(amount, 2) for amount in amounts],
        "start": _dates(lots["start"]),
        "end": _dates(lots["end"]),
        "status": _values(lots["status"]),
        "award_probability": _values(lots["award_probability"]),
        "commune": _values(lots["commune"]),
        "insertion_hours": lots["insertion_hours"].astype(float).tolist(),
        "hours_source": hours_source,
        "hours_parameters": parameters,
        "hours_delivered": lots["hours_delivered"].astype(float).tolist(),
        "content_hash": _values(lots["content_hash"]),
        **decp_columns,
    }


def store_lots(session: Session, lots: pd.DataFrame, *, source: str, source_file: str) -> StoreCounts:
    counts = StoreCounts()
    if lots.empty:
        return counts
    operation_ids = _store_operations(session, lots)
    stored = session.execute(select(LOTS.c.id, LOTS.c.external_id, LOTS.c.content_hash)).all()
    ids, external_ids, hashes = zip(*stored) if stored else ((), (), ())
    existing = pd.DataFrame({"id": ids, "external_id": external_ids, "stored_hash": hashes})
    merged = lots.merge(existing, on="external_id", how="left")
    to_write = merged[(merged["stored_hash"] != merged["content_hash"]).to_numpy()]
    new, changed = to_write[to_write["id"].isna()], to_write[to_write["id"].notna()]
    now = utcnow()
    if len(new):
        execute_many(
            session, insert(LOTS),
            {"external_id": _values(new["external_id"]), **_lot_columns(new, operation_ids)},
            {"source": source, "source_file": source_file, "created_at": now, "updated_at": now},
        )
    if len(changed):
        execute_many(
            session, update(LOTS).where(LOTS.c.id == bindparam("lot_id")),
            {"lot_id": changed["id"].astype(int).tolist(), **_lot_columns(changed, operation_ids)},
            {"source": source, "source_file": source_file, "updated_at": now},
        )
    counts.created, counts.updated = len(new), len(changed)
    counts.unchanged = len(lots) - len(to_write)
    return counts
