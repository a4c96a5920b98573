"""Store validated lots: create new ones, update changed ones, leave unchanged ones untouched.

Everything happens in the caller's transaction, so a failure leaves the database as it was.
Lots are matched on their external id; a lot whose content fingerprint is unchanged is not written.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from clauses.ingest.pipeline import hours_parameters
from clauses.storage.base import utcnow
from clauses.storage.pipeline import Lot, Operation

CHUNK = 5000


@dataclass
class StoreCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _store_operations(session: Session, lots: pd.DataFrame) -> dict[str, int]:
    wanted = lots.drop_duplicates("operation_external_id")[
        ["operation_external_id", "operation_name", "contracting_authority", "commune"]
    ]
    existing = {
        row.external_id: row
        for row in session.execute(select(Operation.id, Operation.external_id, Operation.name, Operation.contracting_authority, Operation.commune))
    }
    now = utcnow()
    new, changed = [], []
    for ext, name, authority, commune in wanted.itertuples(index=False):
        values = {"name": name, "contracting_authority": authority, "commune": commune}
        current = existing.get(ext)
        if current is None:
            new.append({"external_id": ext, **values, "created_at": now, "updated_at": now})
        elif (current.name, current.contracting_authority, current.commune) != (name, authority, commune):
            changed.append({"id": current.id, **values, "updated_at": now})
    for start in range(0, len(new), CHUNK):
        session.execute(insert(Operation), new[start : start + CHUNK])
    if changed:
        session.execute(update(Operation), changed)
    return {ext: op_id for op_id, ext in session.execute(select(Operation.id, Operation.external_id))}


def store_lots(session: Session, lots: pd.DataFrame, *, source: str, source_file: str) -> StoreCounts:
    counts = StoreCounts()
    if lots.empty:
        return counts
    operation_ids = _store_operations(session, lots)
    existing = pd.DataFrame(
        session.execute(select(Lot.id, Lot.external_id, Lot.content_hash)).all(),
        columns=["id", "external_id", "stored_hash"],
    )
    merged = lots.merge(existing, on="external_id", how="left")
    unchanged = merged["stored_hash"] == merged["content_hash"]
    counts.unchanged = int(unchanged.sum())
    to_write = merged[~unchanged]
    now = utcnow()
    new, changed = [], []
    columns = [
        "id", "external_id", "operation_external_id", "name", "trade_key", "amount_ht", "start", "end", "status",
        "award_probability", "commune", "insertion_hours", "hours_source", "labour_share", "insertion_rate",
        "hourly_cost", "hours_delivered", "content_hash",
    ]
    for (lot_id, ext, op_ext, name, trade, amount, start, end, status, probability, commune, hours, hours_source,
         share, rate, cost, delivered, digest) in to_write[columns].itertuples(index=False):
        values = {
            "operation_id": operation_ids[op_ext],
            "name": name,
            "trade_key": trade,
            "amount_ht": round(float(amount), 2),
            "start": start,
            "end": end,
            "status": status,
            "award_probability": None if pd.isna(probability) else float(probability),
            "commune": commune,
            "insertion_hours": float(hours),
            "hours_source": hours_source,
            "hours_parameters": hours_parameters(hours_source, amount, share, rate, cost),
            "hours_delivered": float(delivered),
            "source": source,
            "source_file": source_file,
            "content_hash": digest,
            "updated_at": now,
        }
        if pd.isna(lot_id):
            new.append({"external_id": ext, "created_at": now, **values})
        else:
            changed.append({"id": int(lot_id), **values})
    for start in range(0, len(new), CHUNK):
        session.execute(insert(Lot), new[start : start + CHUNK])
    for start in range(0, len(changed), CHUNK):
        session.execute(update(Lot), changed[start : start + CHUNK])
    counts.created, counts.updated = len(new), len(changed)
    return counts
