"""Read a CSV or XLSX sheet as French offices export it into a table of strings.

CSV: ``;`` or ``,`` (or tab) separator, UTF-8 with or without BOM, or Windows-1252. XLSX: the first
sheet. Headers are matched to canonical column names through aliases, without regard to case,
accents or surrounding spaces. Cells stay strings: typing and validation happen column by column
afterwards so every problem can name its row and column.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from clauses.errors import InputError, Problem
from clauses.text import normalise_key

# The header line is row 1, as a spreadsheet shows it: data starts at row 2.
FIRST_DATA_ROW = 2


@dataclass
class Sheet:
    """A file's cells as strings, columns renamed to canonical names, with spreadsheet row numbers."""

    file: str  # base name, for messages
    frame: pd.DataFrame  # canonical columns only, all str ("" for empty)
    rows: pd.Series  # row number of each line, as the spreadsheet shows it
    original_headers: dict[str, str]  # canonical name -> header as written in the file


def utf8_bytes(raw: bytes) -> bytes:
    """The file as UTF-8 without BOM: UTF-8 files as they are, anything else read as Windows-1252
    (Excel's French default) and re-encoded."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        raw.decode("utf-8")
        return raw
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="strict").encode("utf-8")


def decode(raw: bytes) -> str:
    """UTF-8 (BOM or not) when it decodes, otherwise Windows-1252 (Excel's French default)."""
    return utf8_bytes(raw).decode("utf-8")


def sniff_separator(text: str) -> str:
    end = text.find("\n")
    header = text[: end if end >= 0 else len(text)]
    counts = {sep: header.count(sep) for sep in (";", ",", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        data = utf8_bytes(path.read_bytes())
    except UnicodeDecodeError as exc:
        raise InputError([Problem(path.name, None, None, f"cannot decode the file as UTF-8 or Windows-1252: {exc}")]) from exc
    if not data.strip():
        raise InputError([Problem(path.name, None, None, "the file is empty")])
    end = data.find(b"\n")
    sep = sniff_separator(data[: end if end >= 0 else len(data)].decode("utf-8"))
    try:
        # Arrow's CSV reader: every cell kept as text, nothing turned into NaN.
        return pd.read_csv(io.BytesIO(data), sep=sep, dtype=str, keep_default_na=False, na_values=[], engine="pyarrow")
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError([Problem(path.name, None, None, f"not a valid CSV file: {exc}")]) from exc


def _read_xlsx(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_excel(path, sheet_name=0, dtype=object, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise InputError([Problem(path.name, None, None, f"not a readable XLSX file: {exc}")]) from exc

    def cell(value: object) -> str:
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return ""
        if isinstance(value, pd.Timestamp):
            return value.date().isoformat()
        if hasattr(value, "isoformat") and not isinstance(value, str):
            return value.isoformat()[:10]
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    return frame.map(cell).astype(str)


def read_sheet(path: Path | str, aliases: dict[str, list[str]], required: list[str | tuple[str, ...]]) -> Sheet:
    """Read ``path`` and map its headers through ``aliases`` (canonical -> accepted headers).

    ``required`` lists canonical columns that must be present; a tuple means "one of these".
    Unknown columns are ignored. Raises ``InputError`` for unreadable files, missing or duplicated
    columns.
    """
    path = Path(path)
    if not path.exists():
        raise InputError([Problem(path.name, None, None, "file not found")])
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        frame = _read_xlsx(path)
    elif suffix in (".csv", ".txt", ".tsv"):
        frame = _read_csv(path)
    else:
        raise InputError([Problem(path.name, None, None, f"unsupported file type {suffix!r}: expected .csv or .xlsx")])

    lookup = {normalise_key(alias): canonical for canonical, names in aliases.items() for alias in [canonical, *names]}
    rename: dict[str, str] = {}
    original: dict[str, str] = {}
    problems: list[Problem] = []
    for header in frame.columns:
        canonical = lookup.get(normalise_key(header))
        if canonical is None:
            continue
        if canonical in original:
            problems.append(Problem(path.name, 1, str(header), f"column given twice (also as {original[canonical]!r})"))
            continue
        rename[header] = canonical
        original[canonical] = str(header)
    for need in required:
        options = need if isinstance(need, tuple) else (need,)
        if not any(option in original for option in options):
            wanted = " or ".join(f"{o} ({aliases[o][0]})" if aliases.get(o) else o for o in options)
            problems.append(Problem(path.name, 1, options[0], f"missing required column: {wanted}"))
    if problems:
        raise InputError(problems)
    frame = frame[list(rename)].rename(columns=rename)
    frame = frame.apply(lambda col: col.str.strip())
    # Drop lines that are entirely empty (trailing separators in exports).
    keep = (frame != "").any(axis=1)
    rows = pd.Series(range(FIRST_DATA_ROW, FIRST_DATA_ROW + len(frame)), index=frame.index)
    frame, rows = frame[keep].reset_index(drop=True), rows[keep].reset_index(drop=True)
    return Sheet(file=path.name, frame=frame, rows=rows, original_headers=original)
