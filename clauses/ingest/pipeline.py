"""Validate a site pipeline (operations and their lots) read from CSV, XLSX or DECP.

Input: a table of strings with canonical column names (see ``PIPELINE_COLUMNS``). Output: typed lots
ready to store, with insertion hours given or computed (and how), plus every problem found, each
with its file, row (or DECP record id), column and reason. Checks run a column at a time so a
100,000-lot file validates in about the time pandas takes to read it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from clauses.config import Config
from clauses.errors import Problem
from clauses.ingest.problems import ProblemCollector
from clauses.readers.values import map_distinct, parse_choices, parse_dates, parse_numbers, parse_rates

# canonical name -> French headers accepted (first one is the documented one)
PIPELINE_COLUMNS: dict[str, list[str]] = {
    "operation_id": ["Identifiant opération", "Id opération", "Code opération"],
    "operation": ["Opération", "Nom de l'opération"],
    "contracting_authority": ["Maître d'ouvrage", "Maitre d'ouvrage", "Acheteur"],
    "commune": ["Commune", "Lieu d'exécution"],
    "lot_id": ["Identifiant lot", "Id lot", "Code lot"],
    "lot": ["Lot", "Intitulé du lot", "Objet"],
    "trade": ["Métier", "Code ROME"],
    "amount_ht": ["Montant HT", "Montant (HT)", "Montant HT (€)"],
    "start": ["Date de début", "Début"],
    "end": ["Date de fin", "Fin"],
    "duration_months": ["Durée (mois)", "Durée en mois", "Durée"],
    "status": ["Statut", "État"],
    "insertion_hours": ["Heures d'insertion", "Nombre d'heures d'insertion"],
    "hours_delivered": ["Heures réalisées"],
    "insertion_rate": ["Taux d'insertion"],
    "award_probability": ["Probabilité d'attribution"],
}
REQUIRED_COLUMNS: list[str | tuple[str, ...]] = [
    ("operation_id", "operation"),
    "lot_id",
    "trade",
    "start",
    ("end", "duration_months"),
    "status",
    ("amount_ht", "insertion_hours"),
]
STATUS_LABELS = {
    "planned": "planned",
    "prévu": "planned",
    "en projet": "planned",
    "tendering": "tendering",
    "en consultation": "tendering",
    "consultation": "tendering",
    "awarded": "awarded",
    "attribué": "awarded",
    "notifié": "awarded",
    "in_progress": "in_progress",
    "in progress": "in_progress",
    "en cours": "in_progress",
    "done": "done",
    "terminé": "done",
    "réceptionné": "done",
}
# Larger than any French public works contract: such an amount is a typing or export error
# (the DECP example file carries a deliberately altered 1e17).
MAX_AMOUNT_HT = 1e10
COMPUTED_FORMULA = "amount_ht × labour_share × insertion_rate ÷ hourly_cost"

LOT_FIELDS = [
    "external_id",
    "operation_external_id",
    "operation_name",
    "contracting_authority",
    "commune",
    "name",
    "trade_key",
    "amount_ht",
    "start",
    "end",
    "status",
    "award_probability",
    "insertion_rate",
    "insertion_hours",
    "hours_source",
    "hours_delivered",
]


@dataclass
class ValidatedPipeline:
    file: str
    source: str  # csv, xlsx, decp
    lots: pd.DataFrame  # valid rows: LOT_FIELDS typed, labour_share, hourly_cost, content_hash
    problems: list[Problem]
    rejected: pd.DataFrame  # the original cells of invalid rows, with a "reasons" column
    skipped: dict[str, int]  # records deliberately not taken (DECP: no clause, out of territory…)

    @property
    def ok(self) -> bool:
        return not self.problems


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame.columns else pd.Series("", index=frame.index, dtype=object)


def add_months(start: pd.Series, months: pd.Series) -> pd.Series:
    """Last day of a contract of ``months`` months starting on ``start`` (whole months by calendar,
    any fraction as 30.4375-day months)."""
    whole = np.floor(months).astype("int64")
    fraction_days = np.round((months - whole) * 30.4375).astype("int64")
    total = start.dt.year * 12 + (start.dt.month - 1) + whole
    year, month = total // 12, total % 12 + 1
    first = pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": 1}))
    days_in_month = first.dt.days_in_month
    day = np.minimum(start.dt.day, days_in_month)
    same_day = first + pd.to_timedelta(day - 1, unit="D")
    return same_day + pd.to_timedelta(fraction_days - 1, unit="D")


def validate_pipeline(
    frame: pd.DataFrame,
    labels: pd.Series,
    *,
    file: str,
    source: str,
    config: Config,
    headers: dict[str, str] | None = None,
    skipped: dict[str, int] | None = None,
    row_problems: list[tuple[int, str, str]] = (),
) -> ValidatedPipeline:
    """Type and check every cell; compute missing insertion hours. Never raises on bad rows:
    problems are returned so the caller decides (reject the file, or skip the rows)."""
    frame = frame.reset_index(drop=True)
    labels = labels.reset_index(drop=True)
    check = ProblemCollector(file=file, labels=labels, headers=headers or {})
    n = len(frame)
    already_explained = pd.Series(False, index=frame.index)
    for position, column, reason in row_problems:
        check.flag_position(position, column, reason)
        already_explained.iloc[position] = True

    def required_value(column: str, values: pd.Series) -> None:
        check.flag(values == "", column, "missing value")

    # Identity of the lot and its operation.
    lot_id = _column(frame, "lot_id")
    required_value("lot_id", lot_id)
    duplicated = lot_id.duplicated(keep="first") & (lot_id != "")
    if duplicated.any():
        firsts: dict[str, object] = {}
        for i, value in enumerate(lot_id):
            firsts.setdefault(value, labels.iloc[i])
        check.flag(duplicated, "lot_id", lambda i: f"duplicate lot id {lot_id.iloc[i]!r} (first seen at row {firsts[lot_id.iloc[i]]})")
    operation_id = _column(frame, "operation_id")
    operation_name = _column(frame, "operation")
    missing_operation = (operation_id == "") & (operation_name == "")
    check.flag(missing_operation, "operation_id" if "operation_id" in frame else "operation", "missing value: an operation id or name is needed")
    operation_external_id = operation_id.where(operation_id != "", "op:" + operation_name.str.lower().str.replace("[ \t]+", "-", regex=True))

    # Trade: a ROME code, key or label of the configuration.
    trade_text = _column(frame, "trade")
    check.flag((trade_text == "") & ~already_explained, "trade", "missing value")
    trade_key = map_distinct(trade_text, lambda v: trade.key if v and (trade := config.find_trade(v)) else None)
    unknown_trade = trade_key.isna() & (trade_text != "")
    check.flag(unknown_trade, "trade", lambda i: f"unknown trade {trade_text.iloc[i]!r}: expected a ROME code or a label from config/trades.yaml")

    # Status.
    status_text = _column(frame, "status")
    required_value("status", status_text)
    status, bad_status = parse_choices(status_text, STATUS_LABELS)
    check.flag(bad_status, "status", lambda i: f"unknown status {status_text.iloc[i]!r}: expected planned/prévu, tendering/en consultation, awarded/attribué, in_progress/en cours or done/terminé")

    # Amounts and hours.
    amount, bad_amount = parse_numbers(_column(frame, "amount_ht"))
    check.flag(bad_amount, "amount_ht", lambda i: f"not a number: {frame['amount_ht'].iloc[i]!r}")
    check.flag(amount < 0, "amount_ht", "negative amount")
    check.flag(amount > MAX_AMOUNT_HT, "amount_ht", lambda i: f"implausible amount {amount.iloc[i]:.0f} € (above {MAX_AMOUNT_HT:.0e} €)")
    given_hours, bad_hours = parse_numbers(_column(frame, "insertion_hours"))
    check.flag(bad_hours, "insertion_hours", lambda i: f"not a number: {frame['insertion_hours'].iloc[i]!r}")
    check.flag(given_hours < 0, "insertion_hours", "negative hours")
    neither = amount.isna() & given_hours.isna() & ~bad_amount & ~bad_hours
    check.flag(neither, "amount_ht" if "amount_ht" in frame else "insertion_hours", "missing value: an amount or insertion hours are needed")
    delivered, bad_delivered = parse_numbers(_column(frame, "hours_delivered"))
    check.flag(bad_delivered, "hours_delivered", lambda i: f"not a number: {frame['hours_delivered'].iloc[i]!r}")
    check.flag(delivered < 0, "hours_delivered", "negative hours")
    rate, bad_rate = parse_rates(_column(frame, "insertion_rate"))
    check.flag(bad_rate, "insertion_rate", lambda i: f"not a rate between 0 and 100 %: {frame['insertion_rate'].iloc[i]!r}")
    probability, bad_probability = parse_rates(_column(frame, "award_probability"))
    check.flag(bad_probability, "award_probability", lambda i: f"not a probability between 0 and 100 %: {frame['award_probability'].iloc[i]!r}")

    # Window.
    start, bad_start = parse_dates(_column(frame, "start"))
    required_value("start", _column(frame, "start"))
    check.flag(bad_start, "start", lambda i: f"unparseable date {frame['start'].iloc[i]!r}: expected dd/mm/yyyy or yyyy-mm-dd, years 1900–2199")
    end, bad_end = parse_dates(_column(frame, "end"))
    check.flag(bad_end, "end", lambda i: f"unparseable date {frame['end'].iloc[i]!r}: expected dd/mm/yyyy or yyyy-mm-dd, years 1900–2199")
    duration, bad_duration = parse_numbers(_column(frame, "duration_months"))
    check.flag(bad_duration | (duration <= 0), "duration_months", lambda i: f"not a positive number of months: {frame['duration_months'].iloc[i]!r}")
    needs_duration = end.isna() & ~bad_end
    no_window_end = needs_duration & duration.isna() & ~bad_duration
    check.flag(no_window_end, "end" if "end" in frame else "duration_months", "missing value: an end date or a duration in months is needed")
    usable = needs_duration & start.notna() & (duration > 0)
    if usable.any():
        end = end.copy()
        end[usable] = add_months(start[usable], duration[usable])
    check.flag(end < start, "end", lambda i: f"end {end.iloc[i]:%d/%m/%Y} is before start {start.iloc[i]:%d/%m/%Y}")

    # Insertion hours: given, or computed from the amount with the trade's figures.
    trades = {t.key: t for t in config.trades}
    labour_share = map_distinct(trade_key, lambda k: trades[k].labour_share if k in trades else np.nan).astype(float)
    hourly_cost = map_distinct(trade_key, lambda k: trades[k].hourly_cost if k in trades else np.nan).astype(float)
    default_rate = map_distinct(trade_key, lambda k: trades[k].insertion_rate if k in trades else np.nan).astype(float)
    effective_rate = rate.fillna(default_rate)
    computed = amount * labour_share * effective_rate / hourly_cost
    hours_source = pd.Series(np.where(given_hours.notna(), "given", "computed"), index=frame.index)
    hours = given_hours.fillna(computed)

    invalid = check.invalid_mask(n)
    valid = ~invalid
    lots = pd.DataFrame(
        {
            "external_id": lot_id,
            "operation_external_id": operation_external_id,
            "operation_name": operation_name.where(operation_name != "", operation_id),
            "contracting_authority": _column(frame, "contracting_authority").replace("", None),
            "commune": _column(frame, "commune").replace("", None),
            "name": _column(frame, "lot").where(_column(frame, "lot") != "", lot_id),
            "trade_key": trade_key,
            "amount_ht": amount,
            "start": start,
            "end": end,
            "status": status,
            "award_probability": probability,
            "insertion_rate": effective_rate,
            "insertion_hours": hours.round(2),
            "hours_source": hours_source,
            "hours_delivered": delivered.fillna(0.0),
            "labour_share": labour_share,
            "hourly_cost": hourly_cost,
        }
    )[valid].reset_index(drop=True)
    lots["amount_ht"] = lots["amount_ht"].fillna(0.0).round(2)
    # Fingerprint of what is stored: an unchanged lot is not rewritten on re-ingestion.
    lots["content_hash"] = pd.util.hash_pandas_object(lots[LOT_FIELDS], index=False).to_numpy().astype(str)
    lots["start"], lots["end"] = lots["start"].dt.date, lots["end"].dt.date

    rejected = frame[invalid.to_numpy()].copy()
    reasons = check.reasons_by_row()
    rejected.insert(0, "row", labels[invalid.to_numpy()].to_numpy())
    rejected["reasons"] = [" | ".join(reasons.get(label, [])) for label in rejected["row"]]
    return ValidatedPipeline(
        file=file, source=source, lots=lots, problems=check.problems, rejected=rejected, skipped=skipped or {}
    )


def hours_parameters(hours_source: str, amount: float, labour_share: float, insertion_rate: float, hourly_cost: float) -> dict:
    """How a lot's insertion hours were obtained, stored beside them."""
    if hours_source == "computed":
        return {
            "formula": COMPUTED_FORMULA,
            "amount_ht": float(amount),
            "labour_share": float(labour_share),
            "insertion_rate": float(insertion_rate),
            "hourly_cost": float(hourly_cost),
        }
    return {"given": True, "insertion_rate": float(insertion_rate)}
