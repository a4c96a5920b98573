"""Parse cells written the French way, a whole column at a time.

Each parser returns the parsed values and a boolean mask of cells that were not empty but could not
be parsed, so callers can report every bad cell with its row and column.

Parsing runs on Arrow compute kernels over whole columns, with no Python code per cell: passes a
column does not need are skipped (a character no cell holds is not replaced), regexes run only on
the few cells that are not plain numbers, and columns that repeat a few values (dates, rates,
labels) are parsed once per distinct value. A 100,000-row column takes a few milliseconds.
"""

from __future__ import annotations

import calendar
import ctypes
import datetime as dt
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from clauses import french
from clauses.readers.whitespace import trim
from clauses.text import normalise_key

# Thousands separators: space, no-break space, narrow no-break space, thin space, apostrophe.
_THOUSANDS = (" ", "\t", "\u00a0", "\u202f", "\u2009", "'")
# A trailing unit, removed from cells that are not a number as they stand.
_UNIT = "(?i)(€|eur|euros?|h|%)$"
_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"

try:
    _MEMMEM = ctypes.CDLL(None).memmem
    _MEMMEM.restype = ctypes.c_void_p
    _MEMMEM.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t)
except (AttributeError, OSError):  # a C library without it
    _MEMMEM = None


def _as_text(values: pd.Series) -> pd.Series:
    """The values as strings; a no-op (no copy) when they already are."""
    return values if pd.api.types.is_string_dtype(values.dtype) and values.dtype != object else values.astype(str)


def _text(values: pd.Series) -> pa.Array | pa.ChunkedArray:
    """The cells as Arrow strings (a missing cell is an empty one), read in place from the
    Arrow-backed strings the readers produce, in the chunks they were read in."""
    return pa.array(_as_text(values)).fill_null("")


def _untrimmed(values: pd.Series) -> pa.Array:
    """The cells as one Arrow string array (a missing cell is an empty one)."""
    text = _text(values)
    return text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text


def _trimmed_text(values: pd.Series) -> pa.Array:
    """The cells as one trimmed Arrow string array."""
    return trim(_untrimmed(values))


def _mentions(text: pa.Array, needle: str) -> bool:
    """Whether ``needle`` may occur in a cell of ``text``: one byte search over the column's data
    buffer, far cheaper than a kernel pass, so passes for absent characters are skipped. The C
    library's ``memmem`` searches the buffer where Arrow keeps it; without it the buffer is copied
    first (at a million amounts, 13 MB copied for each character looked for). (A sliced array's
    buffer can hold bytes outside the slice: a false "yes" only costs the pass.)"""
    data = text.buffers()[2]
    if data is None or data.size == 0:
        return False
    wanted = needle.encode()
    if _MEMMEM is None:
        return wanted in data.to_pybytes()
    return bool(_MEMMEM(data.address, data.size, wanted, len(wanted)))


def _each_distinct(values: pd.Series, parse) -> tuple[pd.Series, pd.Series]:
    """``parse`` applied to the distinct cells of ``values`` only, its results spread back over the
    rows: for columns that repeat a few values (dates, rates, labels) whatever their length.
    ``parse`` takes the distinct cells, trimmed, as an Arrow array and returns (values, invalid) as
    arrays. The column is encoded chunk by chunk, as it was read (faster than joined first): the
    chunks share one dictionary, so joining them afterwards only joins their indices."""
    encoded = pc.dictionary_encode(_text(values))
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    parsed, invalid = parse(trim(encoded.dictionary))
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    return pd.Series(parsed.take(codes), index=values.index), pd.Series(invalid[codes], index=values.index)


def _without(text: pa.Array, characters: tuple[str, ...]) -> pa.Array:
    for character in characters:
        if _mentions(text, character):
            text = pc.replace_substring(text, character, "")
    return text


def _with_byte_replaced(text: pa.Array, old: str, new: str) -> pa.Array:
    """``text`` with the ASCII character ``old`` replaced by ``new`` everywhere: the bytes are
    swapped in a copy of the data buffer, the offsets stay (several times faster than a kernel
    pass, which rebuilds every cell)."""
    validity, offsets, data = text.buffers()
    data = np.frombuffer(data, dtype=np.uint8).copy()
    data[data == ord(old)] = ord(new)
    return pa.Array.from_buffers(text.type, len(text), [validity, offsets, pa.py_buffer(data)], text.null_count, text.offset)


def _decimal_point(text: pa.Array) -> pa.Array:
    """A comma is the decimal mark, and dots beside it group thousands; a dot alone is the decimal
    mark (ISO style exports)."""
    if not _mentions(text, ","):
        return text
    pointed = _with_byte_replaced(text, ",", ".")
    if not _mentions(text, "."):
        return pointed
    french = _with_byte_replaced(pc.replace_substring(text, ".", ""), ",", ".")
    return pc.if_else(pc.match_substring(text, ","), french, text)


def _plain(text: pa.Array) -> pa.Array:
    """Cells that are digits with at most one decimal point: well-formed numbers, found without a
    regex (which costs more than the rest of the parsing)."""
    if _mentions(text, "."):
        text = pc.replace_substring(text, ".", "", max_replacements=1)
    return pc.ascii_is_decimal(text)


def _empty_as_null(text: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """``text`` (no nulls) with its empty cells made null, from the offsets and without copying the
    text; and the mask of cells that are not empty. A slice of a larger array starts its offsets
    (and so the new validity bitmap) at its first cell."""
    offset_type = np.int64 if pa.types.is_large_string(text.type) else np.int32
    _, offsets_buffer, data_buffer = text.buffers()
    offsets_buffer = offsets_buffer.slice(text.offset * np.dtype(offset_type).itemsize)
    filled = np.diff(np.frombuffer(offsets_buffer, dtype=offset_type)[: len(text) + 1]) > 0
    validity = pa.py_buffer(np.packbits(filled, bitorder="little"))
    nulls = len(text) - int(np.count_nonzero(filled))
    return pa.Array.from_buffers(text.type, len(text), [validity, offsets_buffer, data_buffer], nulls), filled


def _cast_numbers(candidate: pa.Array) -> np.ndarray | None:
    """Every cell of ``candidate`` (separators removed, decimal point a dot) read by Arrow's number
    parser, empty ones as NaN; None when any other cell is not a finite number as it stands. Most
    columns hold plain numbers only: for them this is the whole parse, in one pass. What Arrow
    reads as a finite number, the regex ``_NUMBER`` accepts, and the slower path that checks cell
    by cell would give the same value (tests compare the two)."""
    with_nulls, filled = _empty_as_null(candidate)
    try:
        numbers = pc.cast(with_nulls, pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return numbers if (np.isfinite(numbers) | ~filled).all() else None


def _numbers(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    if len(text) == 0:
        return np.zeros(0), np.zeros(0, dtype=bool)
    grouped = _without(text, _THOUSANDS)
    candidate = _decimal_point(grouped)
    numbers = _cast_numbers(candidate)
    if numbers is not None:
        return numbers, np.zeros(len(text), dtype=bool)
    empty = pc.equal(text, "")
    well_formed = _plain(candidate)
    others = pc.and_not(pc.invert(well_formed), empty)
    if pc.any(others).as_py():
        # Signs, exponents, units, or not a number: only these cells go through the regexes. A unit
        # is removed first (a well-formed number never ends with one).
        fixed = _decimal_point(pc.replace_substring_regex(grouped.filter(others), pattern=_UNIT, replacement=""))
        candidate = pc.replace_with_mask(candidate, others, fixed)
        well_formed = pc.replace_with_mask(well_formed, others, pc.match_substring_regex(fixed, _NUMBER))
    numbers = pc.cast(pc.if_else(well_formed, candidate, pa.scalar(None, candidate.type)), pa.float64())
    invalid = pc.and_not(pc.invert(well_formed), empty)
    return numbers.to_numpy(zero_copy_only=False), invalid.to_numpy(zero_copy_only=False)


def parse_numbers(values: pd.Series, *, repeated: bool = False) -> tuple[pd.Series, pd.Series]:
    """'1 234 567,89', '1234567.89', '1 234 €' → float. Returns (numbers, invalid mask).
    ``repeated``: the column repeats a few values (durations in months), each is parsed once."""
    if repeated:
        return _each_distinct(values, _numbers)
    numbers, invalid = _numbers(_trimmed_text(values))
    return pd.Series(numbers, index=values.index), pd.Series(invalid, index=values.index)


def _rates(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    numbers, invalid = _numbers(text)
    percent = pc.match_substring(text, "%").to_numpy(zero_copy_only=False) | (numbers > 1)
    rates = np.where(percent, numbers / 100, numbers)
    return rates, invalid | (rates < 0) | (rates > 1)


def parse_rates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """'5 %', '5', '0,05' → 0.05: a value above 1 is read as a percentage. Returns (rates, invalid).
    Each distinct cell is parsed once: rates and probabilities take a handful of values."""
    return _each_distinct(values, _rates)


FIRST_YEAR, LAST_YEAR = 1900, 2199
# A time or offset may follow an ISO date: contract dates are days.
_ISO = r"^(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
_FRENCH = r"^(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>\d{4})$"


def _dates(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Dates written dd/mm/yyyy or yyyy-mm-dd, checked against the calendar (31/02/2026 is not
    3 March) and against years 1900–2199 (earlier or later ones are typing errors, "0218-10-29")."""
    year, month, day = (np.zeros(len(text), dtype=np.int64) for _ in range(3))
    for pattern in (_ISO, _FRENCH):
        found = pc.extract_regex(text, pattern)
        written = found.is_valid().to_numpy(zero_copy_only=False)
        for name, values in (("year", year), ("month", month), ("day", day)):
            digits = pc.fill_null(pc.struct_field(found, name), "0")
            values[written] = pc.cast(digits, pa.int64()).to_numpy(zero_copy_only=False)[written]
    first_of_month = ((year - 1970) * 12 + month - 1).astype("datetime64[M]")
    days_in_month = ((first_of_month + 1).astype("datetime64[D]") - first_of_month.astype("datetime64[D]")).astype(np.int64)
    valid = (year >= FIRST_YEAR) & (year <= LAST_YEAR) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= days_in_month)
    dates = np.where(valid, first_of_month.astype("datetime64[D]") + (day - 1), np.datetime64("NaT"))
    empty = pc.equal(text, "").to_numpy(zero_copy_only=False)
    return dates.astype("datetime64[ns]"), ~valid & ~empty


def date_problem(cell: str) -> str:
    """Why ``cell`` (refused by ``parse_dates``) is not a date, as a person can act on it: a date
    written right that the calendar does not have (« 31/02/2027 ») is not « illisible »."""
    cell = cell.strip()
    found = re.match(_ISO, cell) or re.match(_FRENCH, cell)
    if found is None:
        return f"date illisible {cell!r} : jj/mm/aaaa ou aaaa-mm-jj attendu"
    year, month, day = (int(found.group(name)) for name in ("year", "month", "day"))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return f"année invraisemblable {cell!r} : années {FIRST_YEAR} à {LAST_YEAR}"
    if not 1 <= month <= 12:
        return f"date inexistante {cell!r} : il n'y a pas de mois {month}"
    days = calendar.monthrange(year, month)[1]
    month_name = french.month_long(dt.date(year, month, 1))
    if day > days:
        return f"date inexistante {cell!r} : {month_name} n'a que {days} jours"
    if day < 1:
        return f"date inexistante {cell!r} : il n'y a pas de jour {day}"
    return f"date illisible {cell!r} : jj/mm/aaaa ou aaaa-mm-jj attendu"


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """'31/12/2026', '2026-12-31', '2026-12-31T00:00:00', '2018-12-31+01:00' → date.

    Returns (datetime64 series at midnight, invalid mask). Each distinct cell is parsed once: 100,000
    lots start on a few hundred distinct days.
    """
    return _each_distinct(values, _dates)


_TRUE = {"oui", "o", "yes", "y", "true", "vrai", "1", "x"}
_FALSE = {"non", "n", "no", "false", "faux", "0", ""}


def parse_booleans(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """'Oui', 'non', 'X', '' → bool (any case or accents). Each distinct cell is read once."""

    def parse(labels: pa.Array) -> tuple[np.ndarray, np.ndarray]:
        keys = [normalise_key(label) for label in labels.to_pylist()]
        return np.array([key in _TRUE for key in keys], dtype=bool), np.array([key not in _TRUE and key not in _FALSE for key in keys], dtype=bool)

    return _each_distinct(values, parse)


def parse_choices(values: pd.Series, choices: dict[str, str]) -> tuple[pd.Series, pd.Series]:
    """Map labels (any case or accents) to canonical values; ``choices`` maps label -> value.
    Each distinct label is looked up once; the values come back as a categorical."""
    lookup = {normalise_key(k): v for k, v in choices.items()}

    def parse(labels: pa.Array) -> tuple[pd.Categorical, np.ndarray]:
        keys = [normalise_key(label) for label in labels.to_pylist()]
        chosen = [lookup.get(key) for key in keys]
        return pd.Categorical(chosen), np.array([value is None and key != "" for value, key in zip(chosen, keys)], dtype=bool)

    return _each_distinct(values, parse)
