"""Read a CSV or XLSX sheet as French offices export it into a table of strings.

CSV: ``;`` or ``,`` (or tab) separator, UTF-8 with or without BOM, or Windows-1252. XLSX: the first
sheet. Headers are matched to canonical column names through aliases, without regard to case,
accents or surrounding spaces. Cells stay strings: typing and validation happen column by column
afterwards so every problem can name its row and column.

CSV files are read by Arrow's multi-threaded reader with every column as text, and the columns
where some cell needs it are trimmed by Arrow (``whitespace.trim``): reading a 100,000-line file
costs about what ``pandas.read_csv`` does, and the frame handed on shares Arrow's memory. Arrow
checks the cells to be UTF-8 while it converts them; a file that is not is read as Windows-1252.
At a million lots the peak memory of reading and validating stays within about 1.25× that of
``pandas.read_csv`` (``bench/bench_ingest.py 1000000``).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from clauses.errors import InputError, Problem
from clauses.french import counted
from clauses.ingest.paths import checked_file
from clauses.readers.whitespace import trim
from clauses.text import normalise_key

# The header line is row 1, as a spreadsheet shows it: data starts at row 2.
FIRST_DATA_ROW = 2
BOM = b"\xef\xbb\xbf"
_VISIBLE = re.compile(rb"\S")
_LINE_END = re.compile(rb"\n")
_EMPTY_LINES = re.compile(rb"(?:\r?\n)*")
_HEAD_BLOCK = 1 << 16
CSV_BLOCK = 4 << 20
STR_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' str dtype, over Arrow large strings


@dataclass
class Sheet:
    """A file's cells as strings, columns renamed to canonical names, with spreadsheet row numbers."""

    file: str  # base name, for messages
    frame: pd.DataFrame  # canonical columns only, all str ("" for empty)
    rows: pd.Series  # row number of each line, as the spreadsheet shows it
    original_headers: dict[str, str]  # canonical name -> header as written in the file


def is_utf8(data: pa.Buffer) -> bool:
    """Whether ``data`` is valid UTF-8, checked by Arrow in place (decoding a large file into a
    Python string only to check it takes about as long as reading the whole CSV)."""
    offsets = pa.array([0, data.size], pa.int64()).buffers()[1]
    text = pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, data])
    try:
        text.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def sniff_separator(text: str) -> str:
    end = text.find("\n")
    header = text[: end if end >= 0 else len(text)]
    counts = {sep: header.count(sep) for sep in (";", ",", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


def _parse_csv(source: pa.NativeFile, sep: str, skip_lines: int, *, check_utf8: bool) -> pa.Table:
    """Every cell kept as text: nothing typed, nothing turned into null. Arrow skips a BOM. Large
    strings are what pandas' str columns hold: the frame shares the parsed text without converting
    it. Empty lines are kept as rows of empty cells (Arrow would drop them before rows are counted,
    and every later row would be named one too low); ``skip_lines`` empty lines before the header
    are skipped.

    Arrow reads the file itself, in blocks of ``CSV_BLOCK`` bytes, each freed once parsed (a memory
    map of the whole file would count its pages as the process's memory). Each block is a chunk of
    every column, and the columns are then looked at chunk by chunk (``whitespace.trim``): at a
    million lots, 4 MiB blocks make 58 chunks instead of 230, and those checks take 0.06 s instead of
    0.10 s, for 2 % more peak memory; 8 MiB blocks cost 10 % more memory."""
    options = pacsv.ConvertOptions(
        default_column_type=pa.large_string(),
        null_values=[],
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
        check_utf8=check_utf8,
    )
    read = pacsv.ReadOptions(skip_rows=skip_lines, block_size=CSV_BLOCK)
    parse = pacsv.ParseOptions(delimiter=sep, ignore_empty_lines=False)
    return pacsv.read_csv(source, read_options=read, parse_options=parse, convert_options=options)


def _head(path: Path) -> tuple[int, str]:
    """The number of empty lines before the header, and the separator its line uses; the file is
    read only as far as the end of its header. Raises ``InputError`` for a file with nothing
    visible."""
    head = b""
    with path.open("rb") as handle:
        while True:
            block = handle.read(_HEAD_BLOCK)
            head += block
            start = len(BOM) if head.startswith(BOM) else 0
            visible = _VISIBLE.search(head, start)
            if visible is not None and (head.find(b"\n", visible.start()) >= 0 or not block):
                break
            if not block:
                raise InputError([Problem(path.name, None, None, "le fichier est vide")])
    before_header = _EMPTY_LINES.match(head, start)
    line_end = _LINE_END.search(head, before_header.end())
    header = head[before_header.end() : line_end.start() if line_end else len(head)]
    return before_header.group().count(b"\n"), sniff_separator(header.decode("utf-8", errors="replace"))


def _read_csv(path: Path) -> tuple[pa.Table, int]:
    """The file read as UTF-8 (BOM or not), or else as Windows-1252 (Excel's French default), and
    the number of empty lines before its header.

    Arrow checks the cells to be UTF-8 while it converts them (in its parsing threads); a file
    that fails to parse is read whole to tell a file in another encoding from a malformed one."""
    if path.stat().st_size == 0:
        raise InputError([Problem(path.name, None, None, "le fichier est vide")])
    blank_lines, sep = _head(path)
    try:
        with pa.OSFile(str(path)) as source:
            table = _parse_csv(source, sep, blank_lines, check_utf8=True)
        table.column_names  # headers are decoded from UTF-8 only when first asked for
        return table, blank_lines
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        error = exc
    raw = path.read_bytes()
    if is_utf8(pa.py_buffer(raw)):
        raise InputError([_parse_problem(path.name, raw, error)]) from error
    try:
        text = raw.removeprefix(BOM).decode("cp1252", errors="strict")
    except UnicodeDecodeError as exc:
        raise InputError([Problem(path.name, None, None, f"encodage illisible : ni UTF-8 ni Windows-1252 ({exc})")]) from exc
    data = text.encode("utf-8")
    try:
        return _parse_csv(pa.BufferReader(data), sep, blank_lines, check_utf8=False), blank_lines
    except pa.ArrowInvalid as exc:
        raise InputError([_parse_problem(path.name, data, exc)]) from exc


# Arrow's message for a line whose number of cells differs from the header's.
_WRONG_WIDTH = re.compile(r"Expected (\d+) columns, got (\d+): (.*)", re.S)


def _parse_problem(file: str, data: bytes, error: Exception) -> Problem:
    """Arrow's parse error as a person reads it: the line (found in ``data``, the file's bytes as
    parsed) and its number of cells against the header's; any other error as Arrow words it."""
    found = _WRONG_WIDTH.search(str(error))
    if found is None:
        return Problem(file, None, None, f"fichier CSV invalide ({error})")
    expected, got, line = found.groups()
    whole_line = re.compile(rb"(?<=\n)" + re.escape(line.encode()) + rb"(?=\r?\n|$)")
    at = whole_line.search(data)
    row = data.count(b"\n", 0, at.start()) + 1 if at else None
    return Problem(
        file, row, None,
        f"ligne mal formée : {counted(int(got), 'cellule', 'cellules')} alors que l'en-tête en a {expected} "
        f"(un séparateur en trop ou en moins, ou un guillemet jamais fermé) : {line!r}",
    )


FORMULA_FIX = (
    "ouvrez le fichier dans Excel ou LibreOffice et enregistrez-le (les formules sont alors calculées), "
    "ou remplacez les formules par leurs valeurs (copier, puis collage spécial > valeurs)"
)


def _formulas_without_value(path: Path) -> list[tuple[int, int, str]]:
    """The cells of the first sheet holding a formula whose result was never stored, as (row,
    column position, formula). A file written by a program rather than saved by a spreadsheet has
    formulas but no results: read as values, those cells look empty. Sheets without any formula
    (the usual case) are told apart without parsing them."""
    import zipfile

    import openpyxl

    with zipfile.ZipFile(path) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/") and name.endswith(".xml")]
        if not any(b"<f>" in archive.read(name) or b"<f " in archive.read(name) for name in sheets):
            return []
    formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
    values = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        found = []
        for formula_row, value_row in zip(formulas.worksheets[0].iter_rows(), values.worksheets[0].iter_rows()):
            for formula_cell, value_cell in zip(formula_row, value_row):
                written = formula_cell.value
                if isinstance(written, str) and written.startswith("=") and value_cell.value is None:
                    found.append((formula_cell.row, formula_cell.column - 1, written))
                elif written is not None and type(written).__name__ == "ArrayFormula" and value_cell.value is None:
                    found.append((formula_cell.row, formula_cell.column - 1, str(written.text)))
        return found
    finally:
        formulas.close()
        values.close()


def _read_xlsx(path: Path) -> tuple[pa.Table, list[tuple[int, int, str]]]:
    """The first sheet's cells as text, and its formulas without a stored result."""
    try:
        frame = pd.read_excel(path, sheet_name=0, dtype=object, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise InputError([Problem(path.name, None, None, f"fichier XLSX illisible ({exc})")]) from exc

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

    cells = frame.map(cell)
    table = pa.Table.from_arrays(
        [pa.array(cells.iloc[:, i].tolist(), pa.large_string()) for i in range(cells.shape[1])],
        names=[str(header) for header in frame.columns],
    )
    return table, [(row, column, formula) for row, column, formula in _formulas_without_value(path) if row > 1]


def _as_chunked(column: pa.Array | pa.ChunkedArray) -> pa.ChunkedArray:
    return column if isinstance(column, pa.ChunkedArray) else pa.chunked_array([column])


def _filled_rows(columns: list[tuple[pa.ChunkedArray, bool]], length: int) -> np.ndarray:
    """Rows with at least one cell that is not blank among ``columns``, each given with whether it
    is already trimmed (cell lengths come from Arrow's offsets, without reading the text). Only the
    rows still empty in the columns seen so far are looked up in the next one, trimmed columns
    first: usually none is left after the first, and the cells of untrimmed columns are only
    trimmed for the rows still left."""
    empty = np.arange(length)
    for column, trimmed in sorted(columns, key=lambda given: not given[1]):
        if not len(empty):
            break
        cells = column if len(empty) == length else column.take(empty)
        empty = empty[pc.binary_length(cells if trimmed else trim(cells)).to_numpy() == 0]
    filled = np.ones(length, dtype=bool)
    filled[empty] = False
    return filled


def read_sheet(
    path: Path | str,
    aliases: dict[str, list[str]],
    required: list[str | tuple[str, ...]],
    *,
    untrimmed: Collection[str] = (),
    missing_hints: dict[str, str] | None = None,
) -> Sheet:
    """Read ``path`` and map its headers through ``aliases`` (canonical -> accepted headers).

    ``required`` lists canonical columns that must be present; a tuple means "one of these".
    Unknown columns are ignored. Cells are trimmed of surrounding whitespace, but for the
    ``untrimmed`` columns, handed on as written to a parser that trims what it reads (a line is
    still blank when their cells are only whitespace). ``missing_hints`` adds, to the message for
    a missing required column, what else the person can do (canonical name -> hint). Raises
    ``InputError`` for unreadable files, missing or duplicated columns.
    """
    path = checked_file(Path(path))
    formulas: list[tuple[int, int, str]] = []
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        (table, formulas), blank_lines = _read_xlsx(path), 0
    else:
        table, blank_lines = _read_csv(path)

    lookup = {normalise_key(alias): canonical for canonical, names in aliases.items() for alias in [canonical, *names]}
    position: dict[str, int] = {}
    original: dict[str, str] = {}
    problems: list[Problem] = []
    for index, header in enumerate(table.column_names):
        canonical = lookup.get(normalise_key(header))
        if canonical is None:
            continue
        if canonical in original:
            problems.append(Problem(path.name, blank_lines + 1, header, f"colonne présente deux fois (aussi sous le nom {original[canonical]!r})"))
            continue
        position[canonical] = index
        original[canonical] = header
    def header_of(name: str) -> str:  # as a person would write it in the file
        return aliases[name][0] if aliases.get(name) else name

    for need in required:
        options = need if isinstance(need, tuple) else (need,)
        if not any(option in original for option in options):
            either = " ou ".join(f"« {header_of(o)} »" for o in options)
            reason = "colonne obligatoire absente" + (f" : il faut {either}" if len(options) > 1 else "")
            hint = (missing_hints or {}).get(options[0])
            problems.append(Problem(path.name, blank_lines + 1, header_of(options[0]), f"{reason} ; {hint}" if hint else reason))
    read = {index: header for header, index in ((original[name], position[name]) for name in position)}
    for row, index, formula in formulas:
        if index in read:
            problems.append(Problem(path.name, row, read[index], f"formule sans valeur calculée ({formula}) : {FORMULA_FIX}"))
    if problems:
        raise InputError(problems)

    def cells(name: str) -> pa.ChunkedArray:
        column = table.column(position[name])
        return column if name in untrimmed else trim(column)

    # Two columns at a time: looking for spaces is numpy's work on every cell's first and last
    # bytes, which releases the GIL (at a million lots, about 0.08 s one column after another).
    with ThreadPoolExecutor(max_workers=2) as pool:
        columns = list(pool.map(cells, position))
    first_row = blank_lines + FIRST_DATA_ROW
    rows = np.arange(first_row, first_row + table.num_rows)
    # Drop lines that are entirely empty (empty lines, trailing separators in exports).
    filled = _filled_rows([(column, name not in untrimmed) for name, column in zip(position, columns)], table.num_rows)
    if not filled.all():
        columns = [column.filter(filled) for column in columns]
        rows = rows[filled]
    # pandas' str columns hold Arrow large strings: each column is wrapped as it is, without a copy
    # (and without pyarrow's general conversion, whose first use costs a module import).
    frame = pd.DataFrame({name: pd.arrays.ArrowStringArray(_as_chunked(column), dtype=STR_DTYPE) for name, column in zip(position, columns)}, copy=False)
    return Sheet(file=path.name, frame=frame, rows=pd.Series(rows), original_headers=original)
