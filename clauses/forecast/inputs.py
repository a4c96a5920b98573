"""The forecast's inputs: lots read from the pipeline, filtered, checked and turned into arrays.

Rules (documented in the report and the flow's summary):
- A lot counts with its remaining hours: insertion hours minus hours already delivered (never below 0).
- ``done`` lots and lots with no hours left are left out. So are lots whose window ended before the
  as-of date and lots that start after the horizon (counted in the diagnostics, never silently).
- A lot not yet started (planned, tendering, awarded) whose start date has passed but whose window has
  not ended cannot start in the past: its window moves to start on the as-of date, keeping its length.
  Whatever its status, a lot whose window ended before the as-of date is left out (stale data).
- A lot in progress delivers its remaining hours over the rest of its window, with the shape of its
  trade's loading curve there.
- The award probability is the lot's own, or the configured default for its status.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from clauses.config import Config
from clauses.config.forecast import STATUSES
from clauses.forecast.parameters import ForecastError, ForecastParameters
from clauses.french import counted
from clauses.text import normalise_key

NOT_STARTED = ("planned", "tendering", "awarded")
LOT_COLUMNS = [
    "lot_id",
    "trade_key",
    "start",
    "end",
    "status",
    "award_probability",
    "insertion_hours",
    "hours_delivered",
    "commune",
]


def read_lots(session: Session) -> pd.DataFrame:
    """Every lot of the pipeline, with its commune (the lot's, else its operation's)."""
    from clauses.storage.pipeline import Lot, Operation

    query = (
        select(
            Lot.id,
            Lot.trade_key,
            Lot.start,
            Lot.end,
            Lot.status,
            Lot.award_probability,
            Lot.insertion_hours,
            Lot.hours_delivered,
            Lot.commune,
            Operation.commune,
        )
        .join(Operation, Lot.operation_id == Operation.id)
        .order_by(Lot.id)
    )
    rows = session.execute(query).all()
    frame = pd.DataFrame(
        [(*r[:8], r[8] or r[9]) for r in rows], columns=LOT_COLUMNS
    )
    return frame


def grid_origin(as_of: dt.date) -> dt.date:
    """Monday of the as-of week: week 0 of the forecast."""
    return as_of - dt.timedelta(days=as_of.weekday())


@dataclass
class LotArrays:
    """The lots to simulate, sorted by lot id; days count from the grid origin (a Monday)."""

    lot_id: np.ndarray  # int64
    trade: np.ndarray  # int16, index into trade_keys
    status: np.ndarray  # int8, index into STATUSES
    award_threshold: np.ndarray  # int32 in [0, 65536]: awarded when a uniform 16-bit draw is below
    window_start: np.ndarray  # float64, curve origin (day)
    window_end: np.ndarray  # float64, exclusive (day)
    hours: np.ndarray  # float64, remaining hours

    def __len__(self) -> int:
        return len(self.lot_id)

    def slice(self, start: int, stop: int) -> "LotArrays":
        return LotArrays(**{k: v[start:stop] for k, v in self.__dict__.items()})

    def take(self, rows: np.ndarray) -> "LotArrays":
        return LotArrays(**{k: v[rows] for k, v in self.__dict__.items()})


@dataclass
class PreparedInputs:
    lots: LotArrays
    trade_keys: list[str]
    trade_curves: list[str]
    origin: dt.date
    as_of_day: int  # days from the origin to the as-of date (0..6)
    fingerprint: str
    diagnostics: dict


def _matches_commune(values: pd.Series, wanted: set[str]) -> pd.Series:
    return values.fillna("").map(normalise_key).isin(wanted)


def _resolve_communes(config: Config, names: tuple[str, ...], known: set[str]) -> set[str]:
    wanted: set[str] = set()
    unknown = []
    for name in names:
        commune = config.territory.commune_for_code(str(name).strip())
        key = normalise_key(commune.name if commune else name)
        territory_names = {normalise_key(c.name) for c in config.territory.communes}
        if key not in territory_names and key not in known:
            unknown.append(name)
        wanted.add(key)
    if unknown:
        raise ForecastError(
            f"{'commune inconnue' if len(unknown) == 1 else 'communes inconnues'} dans le filtre : {', '.join(map(str, unknown))} ;"
            " donner une commune du territoire (nom, code INSEE ou code postal)"
        )
    return wanted


def fingerprint(lots: pd.DataFrame, params: ForecastParameters, config: Config) -> str:
    """SHA-256 of the lots used, the parameters and the configuration the result depends on."""
    digest = hashlib.sha256()
    digest.update(pd.util.hash_pandas_object(lots[LOT_COLUMNS], index=False).to_numpy().tobytes())
    meta = {
        "parameters": params.as_json(),
        "forecast": config.forecast.model_dump(mode="json"),
        "curves": {t.key: t.loading_curve for t in config.trades},
    }
    digest.update(json.dumps(meta, sort_keys=True).encode())
    return digest.hexdigest()


def prepare(lots: pd.DataFrame, config: Config, params: ForecastParameters) -> PreparedInputs:
    """Filter and check the lots for ``params``; raise ``ForecastError`` when nothing can be forecast."""
    params.check()
    known_trades = {t.key for t in config.trades}
    trade_keys = list(params.trades) if params.trades else [t.key for t in config.trades]
    resolved = []
    unknown = []
    for name in trade_keys:
        trade = config.find_trade(name)
        if trade is None:
            unknown.append(name)
        else:
            resolved.append(trade.key)
    if unknown:
        raise ForecastError(
            f"{'métier inconnu' if len(unknown) == 1 else 'métiers inconnus'} dans le filtre : {', '.join(unknown)} ;"
            f" métiers connus : {', '.join(sorted(known_trades))}"
        )
    trade_keys = list(dict.fromkeys(resolved))
    if lots.empty:
        raise ForecastError("aucun chantier : pas de lot à prévoir (charger d'abord les chantiers : clauses ingest pipeline)")

    frame = lots.sort_values("lot_id", kind="stable").reset_index(drop=True)
    diagnostics: dict = {"lots_in_pipeline": int(len(frame))}
    strange_status = sorted(set(frame["status"]) - set(STATUSES))
    if strange_status:
        raise ForecastError(f"lots au statut inconnu : {', '.join(map(str, strange_status))}")

    frame = frame[frame["trade_key"].isin(trade_keys)]
    if params.communes:
        known_communes = set(frame["commune"].dropna().map(normalise_key))
        wanted = _resolve_communes(config, params.communes, known_communes)
        frame = frame[_matches_commune(frame["commune"], wanted)]
    diagnostics["lots_matching_filters"] = int(len(frame))
    if frame.empty:
        raise ForecastError(
            "aucun lot ne correspond aux filtres (métiers : "
            f"{', '.join(params.trades) or 'tous'} ; communes : {', '.join(params.communes) or 'toutes'})"
        )
    fp = fingerprint(frame, params, config)

    origin = grid_origin(params.as_of)
    as_of_day = (params.as_of - origin).days
    horizon_end_day = 7 * int(params.horizon_weeks)
    start = (pd.to_datetime(frame["start"]) - pd.Timestamp(origin)).dt.days.to_numpy(np.float64)
    # Windows are whole days: the end date is included.
    end = (pd.to_datetime(frame["end"]) - pd.Timestamp(origin)).dt.days.to_numpy(np.float64) + 1.0
    end = np.maximum(end, start + 1.0)
    status = frame["status"].to_numpy()
    hours = np.maximum(
        frame["insertion_hours"].to_numpy(np.float64) - frame["hours_delivered"].fillna(0).to_numpy(np.float64),
        0.0,
    )
    not_started = np.isin(status, NOT_STARTED)
    window_over = end <= as_of_day  # judged on the dates given, before any move
    late_start = not_started & (start < as_of_day) & ~window_over
    shift = np.where(late_start, as_of_day - start, 0.0)
    start, end = start + shift, end + shift

    done = status == "done"
    no_hours = ~done & (hours <= 0)
    ended = ~done & ~no_hours & window_over
    after = ~done & ~no_hours & ~ended & (start >= horizon_end_day)
    keep = ~(done | no_hours | ended | after)
    diagnostics.update(
        lots_done=int(done.sum()),
        lots_without_remaining_hours=int(no_hours.sum()),
        lots_ended_before_as_of=int(ended.sum()),
        lots_starting_after_horizon=int(after.sum()),
        lots_moved_to_as_of=int((late_start & keep).sum()),
        lots_used=int(keep.sum()),
        hours_used=float(hours[keep].sum()),
    )
    if not keep.any():
        latest = max(frame["end"])
        raise ForecastError(
            f"rien à prévoir à partir du {params.as_of:%d/%m/%Y} sur {params.horizon_weeks} semaines :"
            f" sur {counted(len(frame), 'lot', 'lots')}, {counted(diagnostics['lots_done'], 'terminé', 'terminés')},"
            f" {diagnostics['lots_without_remaining_hours']} sans heures restantes,"
            f" {counted(diagnostics['lots_ended_before_as_of'], 'fini', 'finis')} avant cette date (dernière fin : {latest}),"
            f" {diagnostics['lots_starting_after_horizon']} commençant après l'horizon"
        )
    kept = frame[keep]
    award = kept["award_probability"].to_numpy(np.float64, na_value=np.nan)
    status_code = pd.Index(STATUSES).get_indexer(kept["status"])  # every status is known (checked above)
    default_award = np.array([config.forecast.default_award_probability[s] for s in STATUSES], dtype=np.float64)
    defaults = default_award[status_code]
    award = np.where(np.isnan(award), defaults, award)
    if ((award < 0) | (award > 1)).any():
        raise ForecastError("des lots ont une probabilité d'attribution hors de [0, 1]")
    arrays = LotArrays(
        lot_id=kept["lot_id"].to_numpy(np.int64),
        trade=pd.Index(trade_keys).get_indexer(kept["trade_key"]).astype(np.int16),
        status=status_code.astype(np.int8),
        award_threshold=np.rint(award * 65536).astype(np.int32),
        window_start=start[keep],
        window_end=end[keep],
        hours=hours[keep],
    )
    return PreparedInputs(
        lots=arrays,
        trade_keys=trade_keys,
        trade_curves=[config.trade(k).loading_curve for k in trade_keys],
        origin=origin,
        as_of_day=as_of_day,
        fingerprint=fp,
        diagnostics=diagnostics,
    )
