"""Parse cells written the French way, a whole column at a time.

Each parser returns the parsed values and a boolean mask of cells that were not empty but could not
be parsed, so callers can report every bad cell with its row and column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from clauses.text import normalise_key

# Thousands separators: space, no-break space, narrow no-break space, thin space, apostrophe.
_THOUSANDS = (" ", "\t", "\u00a0", "\u202f", "\u2009", "'")
# A trailing unit, removed by a (slower) regex only when a cell has anything but digits and marks.
_UNIT = "(?i)(€|eur|euros?|h|%)$"
_NOT_A_PLAIN_NUMBER = "[^0-9.,+eE-]"


def _as_text(values: pd.Series) -> pd.Series:
    """The values as strings; a no-op (no copy) when they already are."""
    return values if pd.api.types.is_string_dtype(values.dtype) and values.dtype != object else values.astype(str)


_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"


def parse_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """'1 234 567,89', '1234567.89', '1 234 €' → float. Returns (numbers, invalid mask).

    Runs on Arrow compute kernels: a 100,000-row column takes milliseconds.
    """
    text = pc.utf8_trim_whitespace(pa.array(_as_text(values), type=pa.large_string()))
    empty = pc.equal(text, "")
    cleaned = text
    for separator in _THOUSANDS:
        cleaned = pc.replace_substring(cleaned, separator, "")
    if pc.any(pc.match_substring_regex(cleaned, _NOT_A_PLAIN_NUMBER)).as_py():
        cleaned = pc.replace_substring_regex(cleaned, pattern=_UNIT, replacement="")
    # A comma is the decimal mark; a dot too when there is no comma (ISO style exports).
    has_comma = pc.match_substring(cleaned, ",")
    french = pc.replace_substring(pc.replace_substring(cleaned, ".", ""), ",", ".")
    cleaned = pc.if_else(has_comma, french, cleaned)
    well_formed = pc.match_substring_regex(cleaned, _NUMBER)
    numbers = pc.cast(pc.if_else(well_formed, cleaned, pa.scalar(None, pa.large_string())), pa.float64())
    invalid = pc.and_(pc.invert(empty), pc.invert(well_formed))
    return (
        pd.Series(numbers.to_numpy(zero_copy_only=False), index=values.index, dtype="float64"),
        pd.Series(invalid.to_numpy(zero_copy_only=False), index=values.index, dtype=bool),
    )


def parse_rates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """'5 %', '5', '0,05' → 0.05: a value above 1 is read as a percentage. Returns (rates, invalid)."""
    numbers, invalid = parse_numbers(values)
    is_percent = _as_text(values).str.contains("%", regex=False) | (numbers > 1)
    rates = numbers.where(~is_percent, numbers / 100)
    invalid = invalid | (rates < 0) | (rates > 1)
    return rates, invalid


_ISO = r"^\d{4}-\d{2}-\d{2}"
_FRENCH = r"^\d{1,2}/\d{1,2}/\d{4}$"


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """'31/12/2026', '2026-12-31', '2026-12-31T00:00:00', '2018-12-31+01:00' → date.

    Returns (datetime64 series at midnight, invalid mask). A time or offset after an ISO date is
    ignored: contract dates are days.
    """
    text = _as_text(values).str.strip()
    empty = text == ""
    iso = text.str.match(_ISO)
    french = text.str.match(_FRENCH)
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    if iso.any():
        parsed[iso] = _plausible(pd.to_datetime(text[iso].str.slice(0, 10), format="%Y-%m-%d", errors="coerce"))
    if french.any():
        parsed[french] = _plausible(pd.to_datetime(text[french], format="%d/%m/%Y", errors="coerce"))
    invalid = parsed.isna() & ~empty
    return parsed, invalid


FIRST_YEAR, LAST_YEAR = 1900, 2199


def _plausible(dates: pd.Series) -> pd.Series:
    """Dates outside 1900–2199 are typing errors ("0218-10-29"): treated as unparseable."""
    years = dates.dt.year
    return dates.where((years >= FIRST_YEAR) & (years <= LAST_YEAR)).astype("datetime64[ns]")


_TRUE = {"oui", "o", "yes", "y", "true", "vrai", "1", "x"}
_FALSE = {"non", "n", "no", "false", "faux", "0", ""}


def map_distinct(values: pd.Series, function) -> pd.Series:
    """``function`` of each value, called once per distinct value (columns repeat a few labels)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    mapped = np.array([function(u) for u in uniques] + [None], dtype=object)
    return pd.Series(mapped[codes], index=values.index)


def normalised(values: pd.Series) -> pd.Series:
    """``normalise_key`` of each value."""
    return map_distinct(_as_text(values), normalise_key)


def parse_booleans(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    keys = normalised(values)
    result = keys.isin(_TRUE).astype(bool)
    invalid = ~(keys.isin(_TRUE) | keys.isin(_FALSE))
    return result, invalid


def parse_choices(values: pd.Series, choices: dict[str, str]) -> tuple[pd.Series, pd.Series]:
    """Map labels (any case or accents) to canonical values; ``choices`` maps label -> value."""
    lookup = {normalise_key(k): v for k, v in choices.items()}
    keys = normalised(values)
    mapped = map_distinct(keys, lookup.get)
    invalid = mapped.isna() & (keys != "")
    return mapped, invalid
