"""Write tables people open in a spreadsheet: CSV (UTF-8 with BOM, ``;``, as French Excel expects)
and XLSX, never with a cell a spreadsheet would run as a formula."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """Prefix text that a spreadsheet would evaluate ("=HYPERLINK(…)", "+33…", "@SUM") with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(spreadsheet_safe)
    out.columns = [spreadsheet_safe(str(c)) for c in out.columns]
    return out


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    safe_frame(frame).to_csv(path, sep=";", index=False, encoding="utf-8-sig", decimal=",")
    return path


def write_xlsx(frame: pd.DataFrame, path: Path, sheet_name: str = "Feuille1") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    safe_frame(frame).to_excel(path, index=False, sheet_name=sheet_name[:31], engine="openpyxl")
    return path
