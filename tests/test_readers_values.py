"""French cells: numbers, rates, dates, booleans; files: encodings and separators."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from clauses.errors import InputError
from clauses.readers.tabular import decode, read_sheet, sniff_separator
from clauses.readers.values import parse_booleans, parse_dates, parse_numbers, parse_rates


def test_numbers_written_the_french_way():
    values = pd.Series(["1 234 567,89", "1\u00a0000\u00a0000", "2\u202f500,5 €", "1234.5", "", "douze", "-3"])
    numbers, invalid = parse_numbers(values)
    assert numbers.iloc[0] == pytest.approx(1234567.89)
    assert numbers.iloc[1] == 1_000_000
    assert numbers.iloc[2] == pytest.approx(2500.5)
    assert numbers.iloc[3] == pytest.approx(1234.5)
    assert pd.isna(numbers.iloc[4]) and not invalid.iloc[4]
    assert invalid.iloc[5]
    assert numbers.iloc[6] == -3


def test_rates_accept_percent_and_fractions():
    rates, invalid = parse_rates(pd.Series(["5 %", "5", "0,05", "150 %", "10%"]))
    assert rates.iloc[:3].tolist() == pytest.approx([0.05, 0.05, 0.05])
    assert invalid.tolist() == [False, False, False, True, False]
    assert rates.iloc[4] == pytest.approx(0.10)


def test_dates_french_iso_and_with_offset():
    dates, invalid = parse_dates(pd.Series(["31/12/2026", "2026-12-31", "2018-12-31+01:00", "2026-12-31T10:00:00", "31/02/2026", "demain", ""]))
    assert [d.date() for d in dates.iloc[:4]] == [dt.date(2026, 12, 31), dt.date(2026, 12, 31), dt.date(2018, 12, 31), dt.date(2026, 12, 31)]
    assert invalid.tolist() == [False, False, False, False, True, True, False]


def test_booleans():
    values, invalid = parse_booleans(pd.Series(["Oui", "non", "", "X", "peut-être"]))
    assert values.tolist() == [True, False, False, True, False]
    assert invalid.tolist() == [False, False, False, False, True]


def test_decoding_and_separator():
    assert decode("\ufeffMétier;Montant".encode("utf-8")) == "Métier;Montant"
    assert decode("Métier;Montant".encode("cp1252")) == "Métier;Montant"
    assert sniff_separator("a;b;c\n1,5;2;3") == ";"
    assert sniff_separator("a,b,c\n") == ","


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("sep", [";", ","])
def test_headers_matched_without_case_accents_or_spaces(tmp_path, encoding, sep):
    path = tmp_path / "f.csv"
    path.write_text(f"  METIER {sep}Durée (mois){sep}autre\nPeintre{sep}12{sep}x\n", encoding=encoding)
    sheet = read_sheet(path, {"trade": ["Métier"], "duration_months": ["Durée (mois)"]}, ["trade"])
    assert list(sheet.frame.columns) == ["trade", "duration_months"]
    assert sheet.frame.iloc[0].tolist() == ["Peintre", "12"]
    assert sheet.rows.tolist() == [2]
    assert sheet.original_headers["trade"] == "  METIER "


def test_missing_required_column_and_bad_file_type(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("Lot;Montant\nA;1\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        read_sheet(path, {"trade": ["Métier"], "lot": ["Lot"]}, ["trade"])
    assert "f.csv, row 1, column 'trade': missing required column: trade (Métier)" in str(error.value)
    other = tmp_path / "f.pdf"
    other.write_bytes(b"%PDF")
    with pytest.raises(InputError, match="unsupported file type"):
        read_sheet(other, {}, [])
