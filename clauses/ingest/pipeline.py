"""Validate a site pipeline (operations and their lots) read from CSV, XLSX or DECP.

Input: a table of strings with canonical column names (see ``PIPELINE_COLUMNS``). Output: typed lots
ready to store, with insertion hours given or computed (and how), plus every problem found, each
with its file, row (or DECP record id), column and reason. Checks run a column at a time, on Arrow
kernels and numpy, with Python code only for the rows that have a problem: a 100,000-lot file is
read and validated in a few times what ``pandas.read_csv`` takes to read it (``bench/bench_ingest.py``).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from clauses.config import Config
from clauses.errors import Problem
from clauses.ingest.fingerprint import content_fingerprints, text_hashes
from clauses.ingest.problems import ProblemCollector
from clauses.readers.freed_memory import release_freed_memory
from clauses.readers.values import FIRST_YEAR, LAST_YEAR, date_problem, parse_choices, parse_dates, parse_numbers, parse_rates

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
    # Optional: the awardee of the lot (public company data), stored with the lot.
    "company": ["Entreprise", "Titulaire", "Company"],
    "company_id": ["SIRET", "SIRET entreprise", "SIRET titulaire"],
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
    lots: pd.DataFrame  # valid rows: LOT_FIELDS typed (start and end datetime64), labour_share, hourly_cost, content_hash
    problems: list[Problem]
    rejected: pd.DataFrame  # the invalid rows as the rejects file shows them (``ProblemCollector.rejects``)
    skipped: dict[str, int]  # records deliberately not taken (DECP: no clause, out of territory…)
    warnings: list[str] = field(default_factory=list)  # said once per file; the file still loads
    # One row per lot and awardee (lot_id, identifier_type, identifier, name): DECP titulaires, or
    # the pipeline file's optional company and SIRET columns.
    awardees: pd.DataFrame | None = None
    records_read: int | None = None  # DECP: records in the file (a table: rows)
    kept: np.ndarray | None = None  # which rows of the frame validated became lots (a boolean mask)

    @property
    def ok(self) -> bool:
        return not self.problems


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame.columns else pd.Series("", index=frame.index, dtype="str")


# Columns whose empty cells matter: the lot's text fields, and the required columns checked for blanks.
_CHECKED_FOR_EMPTY = ("operation_id", "operation", "contracting_authority", "commune", "lot_id", "lot", "trade", "status", "start")


def _empty(frame: pd.DataFrame, name: str) -> np.ndarray:
    """Which cells of column ``name`` are empty (all of them when the file has no such column)."""
    if name not in frame.columns:
        return np.ones(len(frame), dtype=bool)
    # From the cells' lengths, several times faster than comparing them with "" (a missing cell,
    # whose length is missing, is not empty).
    cells = pa.array(frame[name])
    if pa.types.is_null(cells.type):  # every cell missing
        return np.zeros(len(frame), dtype=bool)
    return pc.binary_length(cells).to_numpy() == 0


def _as_array(values: pd.Series) -> np.ndarray | pd.Categorical:
    return values.array if isinstance(values.dtype, pd.CategoricalDtype) else values.to_numpy()


def _parsed(frame: pd.DataFrame, name: str, parse, **options) -> tuple[np.ndarray | pd.Categorical, np.ndarray]:
    """``parse`` (a column parser) applied to column ``name``, as arrays. A column the file does not
    have is all empty: one empty cell is parsed, and its result repeated."""
    if name in frame.columns:
        values, invalid = parse(frame[name], **options)
        return _as_array(values), invalid.to_numpy()
    values, invalid = parse(pd.Series([""], dtype="str"), **options)
    every_row = np.zeros(len(frame), dtype=np.int64)
    return _as_array(values).take(every_row), invalid.to_numpy().take(every_row)


# Windows start in 1900–2199 (see readers.values) and last at most that span: the first day of every
# month they can reach (as days since 1970-01-01), so that calendar arithmetic is a table look-up.
_LONGEST_MONTHS = (LAST_YEAR - FIRST_YEAR + 1) * 12
_FIRST_DAYS = (
    np.arange(np.datetime64(f"{FIRST_YEAR}-01"), np.datetime64(f"{FIRST_YEAR}-01") + 2 * _LONGEST_MONTHS + 1, dtype="datetime64[M]")
    .astype("datetime64[D]")
    .astype(np.int64)
)
_LAST_DAY = np.datetime64(f"{LAST_YEAR}-12-31").astype(np.int64)
# The month (counted from January of the first year) of every day a window can start on: numpy's
# own conversion of dates to months costs several times more than the rest of the arithmetic.
_MONTH_OF_DAY = np.repeat(np.arange(_LONGEST_MONTHS), np.diff(_FIRST_DAYS[: _LONGEST_MONTHS + 1]))


def add_months(start: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Last day of a contract of ``months`` months starting on ``start`` (datetime64; whole months by
    calendar, the day kept or brought back to the month's last; any fraction as 30.4375-day
    months). NaT when that day falls after the last plausible year, as a date written there would
    be."""
    # In place where it can be: on a first call, every new array costs page faults as well.
    months = np.minimum(np.asarray(months, dtype=float), _LONGEST_MONTHS)
    whole = np.floor(months)
    start_day = start.astype("datetime64[D]").view(np.int64)
    month = _MONTH_OF_DAY[start_day - _FIRST_DAYS[0]]
    day = start_day - _FIRST_DAYS[month]  # in its month, from 0
    month += whole.astype(np.int64)  # the month the contract ends in
    first = _FIRST_DAYS[month]
    month += 1
    longest = _FIRST_DAYS[month]
    longest -= first + 1
    np.minimum(day, longest, out=day)
    day += first - 1  # the day before the same day, months later
    fraction = months - whole
    if fraction.any():
        day += np.round(fraction * 30.4375).astype(np.int64)
    day[day > _LAST_DAY] = np.datetime64("NaT").astype(np.int64)
    return day.view("datetime64[D]").astype("datetime64[ns]")


def trade_figures(trade_text: pd.Series, config: Config) -> dict[str, np.ndarray | pd.Categorical]:
    """Each row's trade key and figures (NaN when the trade is unknown), looked up once per distinct
    label: a pipeline names a few dozen trades over thousands of lots."""
    codes, labels = pd.factorize(trade_text, use_na_sentinel=False)
    found = [config.find_trade(label) if isinstance(label, str) and label else None for label in labels]
    return {
        "trade_key": pd.Categorical([t.key if t else None for t in found]).take(codes),
        "labour_share": np.array([t.labour_share if t else np.nan for t in found], dtype=float).take(codes),
        "hourly_cost": np.array([t.hourly_cost if t else np.nan for t in found], dtype=float).take(codes),
        "insertion_rate": np.array([t.insertion_rate if t else np.nan for t in found], dtype=float).take(codes),
    }


# The parser of each typed column, and its options.
_TYPED_COLUMNS = {
    "amount_ht": (parse_numbers, {}),
    "insertion_hours": (parse_numbers, {}),
    "hours_delivered": (parse_numbers, {}),
    "insertion_rate": (parse_rates, {}),
    "award_probability": (parse_rates, {}),
    "start": (parse_dates, {}),
    "end": (parse_dates, {}),
    "duration_months": (parse_numbers, {"repeated": True}),
    "status": (parse_choices, {"choices": STATUS_LABELS}),
}
# Columns read by a parser that trims what it reads, and whose emptiness is only known from it: the
# reader need not trim them first.
SELF_TRIMMED_COLUMNS = frozenset(_TYPED_COLUMNS) - set(_CHECKED_FOR_EMPTY)


def _or_else(values: pd.Series, empty: np.ndarray, fallback: pd.Series | None) -> pd.Series:
    """``values`` with its ``empty`` cells taken from ``fallback`` (missing when None): the column
    itself, uncopied, when no cell is empty (the usual case)."""
    if not empty.any():
        return values
    return values.where(~empty, fallback) if fallback is not None else values.mask(empty)


def lot_text(frame: pd.DataFrame, empty: dict[str, np.ndarray]) -> pd.DataFrame:
    """The lot's text fields as stored (the first six of ``LOT_FIELDS``): an operation without an
    id is named by its name, a lot without a name by its id, empty places are missing. ``empty``
    gives the empty cells of each column (see ``_empty``)."""
    lot_id = _column(frame, "lot_id")
    operation_id = _column(frame, "operation_id")
    operation_name = _column(frame, "operation")
    no_operation_id = empty["operation_id"]
    operation_external_id = operation_id
    if no_operation_id.any():
        named = operation_name[no_operation_id]
        operation_external_id = operation_id.where(~no_operation_id, "op:" + named.str.lower().str.replace("[ \t]+", "-", regex=True))
    return pd.DataFrame(
        {
            "external_id": lot_id,
            "operation_external_id": operation_external_id,
            "operation_name": _or_else(operation_name, empty["operation"], operation_id),
            "contracting_authority": _or_else(_column(frame, "contracting_authority"), empty["contracting_authority"], None),
            "commune": _or_else(_column(frame, "commune"), empty["commune"], None),
            "name": _or_else(_column(frame, "lot"), empty["lot"], lot_id),
        },
        copy=False,
    )


def window_ends(parsed: dict[str, tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each window's end: the date written, or else the last day after its duration in months from
    its start. Also returns which rows need the duration (no end written, none unreadable) and
    which of those have what it takes (a start and a positive duration)."""
    start, _ = parsed["start"]
    end, bad_end = parsed["end"]
    duration, _ = parsed["duration_months"]
    needs_duration = np.isnat(end) & ~bad_end
    usable = needs_duration & ~np.isnat(start) & (duration > 0)
    if usable.all():  # every window given by its duration: no rows to gather and scatter back
        end = add_months(start, duration)
    elif usable.any():
        end = end.copy()
        end[usable] = add_months(start[usable], duration[usable])
    return end, needs_duration, usable


def _column_work(frame: pd.DataFrame, text: pd.DataFrame, config: Config) -> tuple[dict, dict, dict, tuple[np.ndarray, np.ndarray], tuple]:
    """The work done column by column, two tasks at a time (the Arrow kernels of the parsers and of
    the hashing, and numpy's arithmetic, release the GIL): (values, invalid mask) of every typed
    column, the fingerprint hashes of every text field, the trade figures, the duplicated lot ids
    and the ``window_ends``. The longest tasks are given first.

    The window ends wait for three parsed columns: given last, they are taken by a thread only once
    every other task has been taken, so the tasks they wait for are running or done. In the pool,
    they overlap the last hashing tasks instead of holding the main thread alone after it (at a
    million lots, 0.05–0.11 s of calendar arithmetic)."""
    lot_id = text["external_id"]

    def lot_ids() -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
        # Lot ids are all different: hashed cell by cell, without looking for repeats.
        hashes = text_hashes(lot_id, distinct=True)
        return hashes, _duplicates(lot_id, hashes)

    with ThreadPoolExecutor(max_workers=2) as pool:
        ids = pool.submit(lot_ids)
        typed = {name: pool.submit(_parsed, frame, name, parse, **options) for name, (parse, options) in _TYPED_COLUMNS.items()}
        trade = pool.submit(trade_figures, _column(frame, "trade"), config)
        hashes = {name: pool.submit(text_hashes, text[name]) for name in text.columns if name != "external_id"}
        ends = pool.submit(lambda: window_ends({name: typed[name].result() for name in ("start", "end", "duration_months")}))
    id_hashes, duplicates = ids.result()
    hashed = {"external_id": id_hashes} | {name: future.result() for name, future in hashes.items()}
    return {name: future.result() for name, future in typed.items()}, hashed, trade.result(), duplicates, ends.result()


def _duplicates(lot_id: pd.Series, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose lot id was already seen on an earlier row, and for each row the position of the
    first row with its id. Equal ids have equal hashes (those of the fingerprint): only rows
    sharing a hash are compared."""
    first = np.arange(len(lot_id))
    # Usually no hash repeats, which sorting tells fastest (numpy's vectorised sort: at a million
    # lots 0.012 s, where looking each one up in a hash table takes 0.11 s).
    ordered = np.sort(hashes)
    if not (ordered[1:] == ordered[:-1]).any():
        return np.zeros(len(lot_id), dtype=bool), first
    same_hash = pd.Series(hashes).duplicated(keep=False).to_numpy()
    candidates = lot_id[same_hash]
    first[same_hash] = candidates.index.to_series().groupby(candidates.to_numpy()).transform("first").to_numpy()
    duplicated = (first != np.arange(len(lot_id))) & (lot_id != "").to_numpy()
    return duplicated, first


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
    problems are returned so the caller decides (reject the file, or skip the rows).

    Checks run on numpy arrays: each pandas operation costs tens of Python calls, whatever the
    size of the file, and a file is checked with about a hundred of them."""
    frame = frame.reset_index(drop=True)
    labels = labels.reset_index(drop=True)
    check = ProblemCollector(file=file, labels=labels, headers=headers or {})
    n = len(frame)
    already_explained = np.zeros(n, dtype=bool)
    for position, column, reason in row_problems:
        check.flag_position(position, column, reason)
        already_explained[position] = True

    empty = {name: _empty(frame, name) for name in _CHECKED_FOR_EMPTY}
    text = lot_text(frame, empty)
    parsed, hashed, trade, (duplicated, first), (end, needs_duration, usable) = _column_work(frame, text, config)
    release_freed_memory()  # the temporaries of the column work, kept by its threads' allocator
    status, bad_status = parsed["status"]
    amount, bad_amount = parsed["amount_ht"]
    given_hours, bad_hours = parsed["insertion_hours"]
    delivered, bad_delivered = parsed["hours_delivered"]
    rate, bad_rate = parsed["insertion_rate"]
    probability, bad_probability = parsed["award_probability"]
    start, bad_start = parsed["start"]
    _, bad_end = parsed["end"]
    duration, bad_duration = parsed["duration_months"]
    # Insertion hours: given, or computed from the amount with the trade's figures.
    effective_rate = np.where(np.isnan(rate), trade["insertion_rate"], rate)
    computed = amount * trade["labour_share"] * effective_rate / trade["hourly_cost"]
    hours_given = ~np.isnan(given_hours)
    # One frame built over the arrays as they are (assigning column after column costs several times more).
    lots = pd.DataFrame(
        {
            **{name: text[name] for name in text.columns},
            "trade_key": trade["trade_key"],
            "amount_ht": np.round(np.where(np.isnan(amount), 0.0, amount), 2),
            "start": start,
            "end": end,
            "status": status,
            "award_probability": probability,
            "insertion_rate": effective_rate,
            "insertion_hours": np.round(np.where(hours_given, given_hours, computed), 2),
            "hours_source": pd.Categorical.from_codes(hours_given.astype("int8"), ["computed", "given"]),
            "hours_delivered": np.where(np.isnan(delivered), 0.0, delivered),
            "labour_share": trade["labour_share"],
            "hourly_cost": trade["hourly_cost"],
        },
        copy=False,
    )
    # Every row is fingerprinted while the rows are checked: the hashing runs on numpy and Arrow,
    # which release the GIL, the checks mostly in Python.
    fingerprinting = ThreadPoolExecutor(max_workers=1)
    fingerprints = fingerprinting.submit(content_fingerprints, lots[LOT_FIELDS], hashed=hashed)
    fingerprinting.shutdown(wait=False)  # its thread ends with the task, whatever happens here

    # Identity of the lot and its operation.
    lot_id = text["external_id"]
    check.flag(empty["lot_id"], "lot_id", "valeur manquante")
    check.flag(duplicated, "lot_id", lambda i: f"identifiant de lot {lot_id.iloc[i]!r} en double (déjà vu ligne {labels.iloc[first[i]]})")
    no_operation = empty["operation_id"] & empty["operation"]
    check.flag(no_operation, "operation_id" if "operation_id" in frame else "operation", "valeur manquante : il faut un identifiant ou un nom d'opération")

    # Trade: a ROME code, key or label of the configuration.
    no_trade = empty["trade"]
    check.flag(no_trade & ~already_explained, "trade", "valeur manquante")
    check.flag(trade["trade_key"].isna() & ~no_trade, "trade", lambda i: config.unknown_trade(frame['trade'].iloc[i]))

    # Status.
    check.flag(empty["status"], "status", "valeur manquante")
    check.flag(bad_status, "status", lambda i: f"statut inconnu {frame['status'].iloc[i]!r} : prévu, en consultation, attribué, en cours ou terminé (ou planned, tendering, awarded, in_progress, done) est attendu")

    # Amounts and hours.
    check.flag(bad_amount, "amount_ht", lambda i: f"pas un nombre : {frame['amount_ht'].iloc[i]!r}")
    check.flag(amount < 0, "amount_ht", "montant négatif")
    check.flag(amount > MAX_AMOUNT_HT, "amount_ht", lambda i: f"montant invraisemblable : {amount[i]:.0f} € (plus de {MAX_AMOUNT_HT:.0e} €)")
    check.flag(bad_hours, "insertion_hours", lambda i: f"pas un nombre : {frame['insertion_hours'].iloc[i]!r}")
    check.flag(given_hours < 0, "insertion_hours", "heures négatives")
    neither = np.isnan(amount) & ~hours_given & ~bad_amount & ~bad_hours
    check.flag(neither, "amount_ht" if "amount_ht" in frame else "insertion_hours", "valeur manquante : il faut un montant ou des heures d'insertion")
    check.flag(bad_delivered, "hours_delivered", lambda i: f"pas un nombre : {frame['hours_delivered'].iloc[i]!r}")
    check.flag(delivered < 0, "hours_delivered", "heures négatives")
    check.flag(bad_rate, "insertion_rate", lambda i: f"pas un taux entre 0 et 100 % : {frame['insertion_rate'].iloc[i]!r}")
    check.flag(bad_probability, "award_probability", lambda i: f"pas une probabilité entre 0 et 100 % : {frame['award_probability'].iloc[i]!r}")

    # Window.
    check.flag(empty["start"], "start", "valeur manquante")
    check.flag(bad_start, "start", lambda i: date_problem(frame["start"].iloc[i]))
    check.flag(bad_end, "end", lambda i: date_problem(frame["end"].iloc[i]))
    check.flag(bad_duration | (duration <= 0), "duration_months", lambda i: f"pas un nombre de mois positif : {frame['duration_months'].iloc[i]!r}")
    no_window_end = needs_duration & np.isnan(duration) & ~bad_duration
    check.flag(no_window_end, "end" if "end" in frame else "duration_months", "valeur manquante : il faut une date de fin ou une durée en mois")
    check.flag(usable & np.isnat(end), "duration_months", lambda i: f"durée invraisemblable : {duration[i]:g} mois, le marché finirait après {LAST_YEAR}")
    check.flag(end < start, "end", lambda i: f"la fin ({pd.Timestamp(end[i]):%d/%m/%Y}) précède le début ({pd.Timestamp(start[i]):%d/%m/%Y})")

    valid = ~check.invalid_mask(n)
    lots["content_hash"] = fingerprints.result()
    if not valid.all():
        lots = lots[valid].reset_index(drop=True)

    rejected = check.rejects(frame, np.flatnonzero(~valid))
    return ValidatedPipeline(
        file=file, source=source, lots=lots, problems=check.problems, rejected=rejected, skipped=skipped or {},
        kept=valid,
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
