"""Write tables people open in a spreadsheet: CSV (UTF-8 with BOM, ``;``, decimal comma, as French
Excel expects) and XLSX, never with a cell a spreadsheet would run as a formula. Every export goes
through here: ``write_table`` writes the CSV and the XLSX beside it, with the same French headers."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from clauses import settings
from clauses.french import file_stamp

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_OPTIONS = {"sep": ";", "index": False, "decimal": ","}


def spreadsheet_safe(value: object) -> object:
    """Prefix text that a spreadsheet would evaluate ("=HYPERLINK(…)", "+33…", "@SUM") with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def written_cell(value: object) -> object:
    """A cell as a file holds it: a day as 03/01/2027 (a workbook makes it a date again, see
    ``_as_dates``), text made safe from formulas."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y")
    return spreadsheet_safe(value)


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(written_cell)
    out.columns = [spreadsheet_safe(str(c)) for c in out.columns]
    return out


def rejects_path(stem: str) -> Path:
    """Where the rejected lines of the file ``stem`` go: ``<data>/rejects/<stem>-rejets-<Paris time>.csv``
    (microseconds apart, two imports of one file in the same second keep both)."""
    moment = dt.datetime.now(dt.timezone.utc)
    return settings.output_dir("rejects") / f"{stem}-rejets-{file_stamp(moment)}-{moment:%f}.csv"


def _replace(path: Path, write) -> Path:
    """Write through a temporary file beside ``path``: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".part")
    write(temporary)
    temporary.replace(path)
    return path


def csv_text(frame: pd.DataFrame) -> str:
    """The CSV text (without the BOM, which ``write_csv`` adds to the file)."""
    return safe_frame(frame).to_csv(**CSV_OPTIONS, lineterminator="\n")


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    return _replace(path, lambda p: p.write_bytes(("\ufeff" + csv_text(frame)).encode("utf-8")))


def write_xlsx(frame: pd.DataFrame, path: Path, sheet_name: str = "Feuille1") -> Path:
    return write_xlsx_book({sheet_name: frame}, path)


FRENCH_DATE = r"\d{2}/\d{2}/\d{4}"


def _as_dates(column: pd.Series) -> pd.Series | None:
    """A column of days written 03/01/2027 (every filled cell), as dates; otherwise None. In a
    workbook, text dates sort and filter as text: 01/03/2027 came before 14/12/2026."""
    if not (column.dtype == object or pd.api.types.is_string_dtype(column)):
        return None
    text = column.fillna("").astype(str)
    filled = text != ""
    if not filled.any() or not text[filled].str.fullmatch(FRENCH_DATE).all():
        return None
    days = pd.to_datetime(text.where(filled), format="%d/%m/%Y", errors="coerce")
    if (days.isna() & filled).any():  # 31/02/2027 stays as it was written
        return None
    return days.dt.date.astype(object).where(filled, None)


def write_xlsx_book(sheets: dict[str, pd.DataFrame], path: Path, *, formats: Mapping[str, str] | None = None) -> Path:
    """Several tables in one workbook (a sheet each, names cut to Excel's 31 characters), headers
    in bold, columns as wide as their content, the header line frozen, days as dates (shown
    03/01/2027) that sort and filter as dates. ``formats`` gives columns an Excel number format
    (by header): "0.0 %" shows a share 0.375 as 37,5 % in a French Excel, "#,##0.0" 411,3 for
    411.3161; the value keeps every decimal."""
    formats = formats or {}
    from openpyxl.styles import Font

    def write(target: Path) -> None:
        with pd.ExcelWriter(target, engine="openpyxl") as writer:
            for name, frame in sheets.items():
                safe = safe_frame(frame)
                cells = {column: [str(column), *(str(v) for v in safe[column].head(200))] for column in safe.columns}
                dated = set()
                for column in safe.columns:
                    days = _as_dates(safe[column])
                    if days is not None:
                        safe[column] = days
                        dated.add(column)
                safe.to_excel(writer, index=False, sheet_name=name[:31])
                ws = writer.sheets[name[:31]]
                ws.freeze_panes = "A2"
                for index, column in enumerate(safe.columns, start=1):
                    ws.cell(1, index).font = Font(bold=True)
                    ws.column_dimensions[ws.cell(1, index).column_letter].width = min(60, max(map(len, cells[column])) + 2)
                    shown = "DD/MM/YYYY" if column in dated else formats.get(column)
                    if shown:
                        for row in range(2, len(safe) + 2):
                            ws.cell(row, index).number_format = shown

    return _replace(path, write)


def write_table(frame: pd.DataFrame, csv_path: Path, sheet_name: str) -> dict[str, Path]:
    """The CSV and, beside it with the same name, the XLSX of one table."""
    return {"csv": write_csv(frame, csv_path), "xlsx": write_xlsx(frame, csv_path.with_suffix(".xlsx"), sheet_name)}


def read_csv_text(text: str) -> pd.DataFrame:
    """Read back what ``csv_text`` wrote (tests, round trips)."""
    return pd.read_csv(io.StringIO(text.lstrip("\ufeff")), sep=";", dtype=str, keep_default_na=False)
