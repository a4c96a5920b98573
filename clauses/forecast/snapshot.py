"""Store forecasts as snapshots, compare each with the previous one, and read them back.

``load_snapshot(session, snapshot_id=None)`` is the contract other parts (the planner) rely on.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from clauses.forecast.parameters import ForecastError
from clauses.storage.forecast import FORECAST_MEASURES, FORECAST_STATISTICS, ForecastRow, ForecastSnapshot

VALUE_COLUMNS = [f"{m}_{s}" for m in FORECAST_MEASURES for s in FORECAST_STATISTICS]
SNAPSHOT_COLUMNS = ["trade_key", "period_start", "period_end", *VALUE_COLUMNS]


def _previous(session: Session, period: str, before_id: int | None = None) -> ForecastSnapshot | None:
    query = select(ForecastSnapshot).where(ForecastSnapshot.period == period)
    if before_id is not None:
        query = query.where(ForecastSnapshot.id < before_id)
    return session.scalars(query.order_by(ForecastSnapshot.id.desc()).limit(1)).first()


def compare_totals(previous: dict, current: dict) -> dict:
    """Per trade: how far the P50 peak FTE and the mean total hours (and people) moved."""
    changes = {}
    for key in sorted(set(previous) | set(current)):
        before, after = previous.get(key), current.get(key)

        def value(totals, path):
            if totals is None:
                return 0.0
            group, stat = path
            return float(totals[group][stat])

        entry = {"status": "new" if before is None else "removed" if after is None else "changed"}
        for name, path in (
            ("peak_fte_p50", ("peak_fte", "p50")),
            ("total_hours_mean", ("hours", "mean")),
            ("total_people_mean", ("people", "mean")),
        ):
            b, a = value(before, path), value(after, path)
            entry[name] = {"before": round(b, 3), "after": round(a, 3), "delta": round(a - b, 3)}
        if entry["status"] == "changed":
            moved = any(abs(entry[n]["delta"]) > 1e-6 for n in ("peak_fte_p50", "total_hours_mean"))
            entry["status"] = "changed" if moved else "unchanged"
        changes[key] = entry
    return changes


def save_snapshot(session: Session, result, created_at: dt.datetime | None = None) -> ForecastSnapshot:
    """Store ``result`` (a ``ForecastResult``) as a new snapshot; earlier snapshots are kept."""
    params = result.params
    previous = _previous(session, params.period)
    snapshot = ForecastSnapshot(
        as_of=params.as_of,
        horizon_weeks=int(params.horizon_weeks),
        period=params.period,
        scenarios=int(params.scenarios),
        seed=int(params.seed),
        parameters=params.as_json(),
        input_fingerprint=result.fingerprint,
        lot_count=int(result.lot_count),
        totals=result.totals,
        changes=(
            {"previous_snapshot_id": previous.id, "trades": compare_totals(previous.totals, result.totals)}
            if previous is not None
            else None
        ),
        previous_snapshot_id=previous.id if previous is not None else None,
        diagnostics=result.diagnostics,
    )
    if created_at is not None:
        snapshot.created_at = created_at
    session.add(snapshot)
    session.flush()
    table = result.table
    extra_cols = [c for c in table.columns if c not in SNAPSHOT_COLUMNS]
    records = []
    for row in table.itertuples(index=False):
        data = row._asdict()
        record = {c: data[c] for c in SNAPSHOT_COLUMNS}
        for c in VALUE_COLUMNS:
            record[c] = float(record[c])
        record["extra"] = {c: float(data[c]) for c in extra_cols} or None
        record["snapshot_id"] = snapshot.id
        records.append(record)
    if records:
        session.execute(ForecastRow.__table__.insert(), records)
    session.flush()
    return snapshot


def latest_snapshot(session: Session) -> ForecastSnapshot | None:
    return session.scalars(select(ForecastSnapshot).order_by(ForecastSnapshot.id.desc()).limit(1)).first()


def load_snapshot(session: Session, snapshot_id: int | None = None) -> pd.DataFrame:
    """The table of snapshot ``snapshot_id`` (the latest when None), one row per trade × period.

    Columns: trade_key (str), period_start (date), period_end (date, inclusive), then for each of
    hours, fte, headcount (people in place), people (new placements to bring in): ``_mean``,
    ``_p10``, ``_p50``, ``_p90`` (floats), e.g. ``people_p50``. Sorted by trade_key, period_start.
    ``df.attrs`` carries snapshot_id, as_of, period, horizon_weeks, scenarios, seed, created_at,
    input_fingerprint. Raises ``ForecastError`` when there is no such snapshot.
    """
    if snapshot_id is None:
        snapshot = latest_snapshot(session)
        if snapshot is None:
            raise ForecastError("aucune prévision enregistrée : lancer d'abord « clauses forecast »")
    else:
        snapshot = session.get(ForecastSnapshot, snapshot_id)
        if snapshot is None:
            raise ForecastError(f"la prévision n° {snapshot_id} n'existe pas")
    columns = [getattr(ForecastRow, c) for c in SNAPSHOT_COLUMNS]
    rows = session.execute(
        select(*columns)
        .where(ForecastRow.snapshot_id == snapshot.id)
        .order_by(ForecastRow.trade_key, ForecastRow.period_start)
    ).all()
    frame = pd.DataFrame(rows, columns=SNAPSHOT_COLUMNS)
    for c in VALUE_COLUMNS:
        frame[c] = frame[c].astype(float)
    frame.attrs.update(
        snapshot_id=snapshot.id,
        as_of=snapshot.as_of,
        period=snapshot.period,
        horizon_weeks=snapshot.horizon_weeks,
        scenarios=snapshot.scenarios,
        seed=snapshot.seed,
        created_at=snapshot.created_at,
        input_fingerprint=snapshot.input_fingerprint,
    )
    return frame
