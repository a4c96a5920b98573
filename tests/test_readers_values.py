"""French cells: numbers, rates, dates, booleans; files: encodings and separators."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa
import pytest

from clauses.errors import InputError
from clauses.readers.tabular import read_sheet, sniff_separator
from clauses.readers import values as values_module
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



@pytest.mark.parametrize("memmem", ["C library", "without memmem"])
def test_separators_are_looked_for_in_the_column_buffer(monkeypatch, memmem):
    """A separator is searched in the column's bytes (by the C library's ``memmem``, or in a copy
    where it has none): one cell holding it is enough for its pass to run, and a slice's buffer may
    hold bytes outside it."""
    if memmem == "without memmem":
        monkeypatch.setattr(values_module, "_MEMMEM", None)
    column = pa.array(["12", "3\u00a0000", "7'500,5", ""], pa.large_string())
    assert values_module._mentions(column, "\u00a0") and values_module._mentions(column, "'")
    assert not values_module._mentions(column, "\u202f")
    assert not values_module._mentions(pa.array(["", ""], pa.large_string()), ",")
    numbers, invalid = parse_numbers(pd.Series(column.to_pylist()))
    assert numbers.iloc[:3].tolist() == [12, 3000, 7500.5] and not invalid.any()

def test_rates_accept_percent_and_fractions():
    rates, invalid = parse_rates(pd.Series(["5 %", "5", "0,05", "150 %", "10%"]))
    assert rates.iloc[:3].tolist() == pytest.approx([0.05, 0.05, 0.05])
    assert invalid.tolist() == [False, False, False, True, False]
    assert rates.iloc[4] == pytest.approx(0.10)


def test_dates_french_iso_and_with_offset():
    dates, invalid = parse_dates(pd.Series(["31/12/2026", "2026-12-31", "2018-12-31+01:00", "2026-12-31T10:00:00", "31/02/2026", "demain", ""]))
    assert [d.date() for d in dates.iloc[:4]] == [dt.date(2026, 12, 31), dt.date(2026, 12, 31), dt.date(2018, 12, 31), dt.date(2026, 12, 31)]
    assert invalid.tolist() == [False, False, False, False, True, True, False]


@pytest.mark.parametrize(("cell", "reason"), [
    ("31/02/2027", "date inexistante '31/02/2027' : février 2027 n'a que 28 jours"),  # not « illisible »: it is well written
    ("2027-04-31", "date inexistante '2027-04-31' : avril 2027 n'a que 30 jours"),
    ("15/13/2027", "date inexistante '15/13/2027' : il n'y a pas de mois 13"),
    ("00/01/2027", "date inexistante '00/01/2027' : il n'y a pas de jour 0"),
    ("01/02/0227", "année invraisemblable '01/02/0227' : années 1900 à 2199"),
    ("2 mars 2026", "date illisible '2 mars 2026' : jj/mm/aaaa ou aaaa-mm-jj attendu"),
])
def test_a_refused_date_says_why(cell, reason):
    from clauses.readers.values import date_problem

    assert parse_dates(pd.Series([cell]))[1].tolist() == [True]
    assert date_problem(cell) == reason


def test_a_column_read_in_several_chunks_is_parsed_as_one():
    """Arrow reads a large file in blocks: a value repeated across chunks is parsed once, for every
    row it is on; a missing cell is an empty one, and keeps its index."""
    chunks = pa.chunked_array([["01/02/2026", " 31/02/2026", ""], ["2026-02-01", "01/02/2026", None]], pa.large_string())
    column = chunks.to_pandas().set_axis(range(10, 16))
    dates, invalid = parse_dates(column)
    assert [d.date() if pd.notna(d) else None for d in dates] == [dt.date(2026, 2, 1), None, None, dt.date(2026, 2, 1), dt.date(2026, 2, 1), None]
    assert invalid.tolist() == [False, True, False, False, False, False]
    assert dates.index.tolist() == invalid.index.tolist() == list(range(10, 16))


def test_booleans():
    values, invalid = parse_booleans(pd.Series(["Oui", "non", "", "X", "peut-être"]))
    assert values.tolist() == [True, False, False, True, False]
    assert invalid.tolist() == [False, False, False, False, True]


@pytest.mark.parametrize("raw", ["\ufeffMétier;Montant\nMaçon;1\n".encode("utf-8"), "Métier;Montant\nMaçon;1\n".encode("cp1252")])
def test_decoding(tmp_path, raw):
    path = tmp_path / "f.csv"
    path.write_bytes(raw)
    sheet = read_sheet(path, {"trade": ["Métier"], "amount_ht": ["Montant"]}, ["trade"])
    assert sheet.original_headers == {"trade": "Métier", "amount_ht": "Montant"}
    assert sheet.frame["trade"].tolist() == ["Maçon"]


def test_separator():
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
    # Named as a person writes it in the file, never by its internal key.
    assert "f.csv, ligne 1, colonne « Métier » : colonne obligatoire absente" in str(error.value)
    assert "trade" not in str(error.value)
    other = tmp_path / "f.pdf"
    other.write_bytes(b"%PDF")
    with pytest.raises(InputError, match="type de fichier non pris en charge"):
        read_sheet(other, {}, [])


NUMBER_CASES = [
    ("1 234,5", 1234.5),
    ("1\u00a0234,5", 1234.5),  # no-break space between thousands
    ("1\u2009234,5", 1234.5),
    ("1'234,5", 1234.5),
    ("1.234,5", 1234.5),  # dots group thousands beside a decimal comma
    ("1234.5", 1234.5),  # a dot alone is the decimal mark
    ("1 234 €", 1234.0),
    ("1234 EUR", 1234.0),
    ("35 h", 35.0),
    ("+3", 3.0),
    ("-3,5", -3.5),
    ("1e5", 100000.0),
    (".5", 0.5),
    ("5.", 5.0),
    (" 12 ", 12.0),
]
NOT_NUMBERS = ["12,3,4", "1.5.2", "douze", "€", "inf", "nan", "1e", "--1", "0x10", "1 2 3 h h", "١٢"]


@pytest.mark.parametrize("cell,number", NUMBER_CASES)
def test_number_formats_accepted(cell, number):
    numbers, invalid = parse_numbers(pd.Series(["7", cell, ""]))
    assert numbers.iloc[1] == pytest.approx(number) and not invalid.iloc[1]
    assert numbers.iloc[0] == 7 and pd.isna(numbers.iloc[2]) and not invalid.any()


@pytest.mark.parametrize("cell", NOT_NUMBERS)
def test_malformed_numbers_refused(cell):
    numbers, invalid = parse_numbers(pd.Series(["1 234,5", cell]))
    assert invalid.tolist() == [False, True]
    assert numbers.iloc[0] == pytest.approx(1234.5) and pd.isna(numbers.iloc[1])


EDGE_CELLS = ["+3", "-0", "007", "1e5", "1E+05", "1e-400", "4.9e-324", "1e400", "-1e400", ".5", "5.", "-.5", "+.5e-3", "1,5e3", "inf",
              "-inf", "NaN", "Infinity", "0x10", "1_000", "1,000,000", "1.000.000", "1 000.5", "e5", "5e", "+-5", "١٢", "½", ""]


@pytest.mark.parametrize("cell", EDGE_CELLS)
def test_numbers_read_in_one_pass_equal_those_checked_cell_by_cell(cell, monkeypatch):
    """A column Arrow reads whole as numbers is not checked cell by cell: both ways agree on every
    cell, accepted or not."""
    column = pd.Series(["12", cell, "3,5"])
    fast = parse_numbers(column)
    monkeypatch.setattr(values_module, "_cast_numbers", lambda candidate: None)
    checked = parse_numbers(column)
    pd.testing.assert_series_equal(fast[0], checked[0])
    pd.testing.assert_series_equal(fast[1], checked[1])


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string()])
def test_empty_cells_of_a_slice_become_missing_and_only_those(kind):
    column = pa.array(["1", "", "7", "2.5", "", "3"], kind).slice(1, 4)
    with_nulls, filled = values_module._empty_as_null(column)
    assert with_nulls.to_pylist() == [None, "7", "2.5", None]
    assert filled.tolist() == [False, True, True, False]


def test_numbers_parsed_once_per_distinct_cell_are_the_same():
    values = pd.Series(["12", "12", "1,5", "", "douze", "12", "3 h"])
    direct, direct_invalid = parse_numbers(values)
    distinct, distinct_invalid = parse_numbers(values, repeated=True)
    pd.testing.assert_series_equal(direct, distinct)
    pd.testing.assert_series_equal(direct_invalid, distinct_invalid)


def test_dates_checked_against_the_calendar():
    cells = ["31/02/2026", "29/02/2028", "29/02/2027", "1/3/2026", "31/04/2026", "30/04/2026", "2026-02-29", "2028-02-29T08:00:00",
             "0218-10-29", "31/12/2199", "01/01/2200", "32/01/2026", "15/13/2026", "02/03/26", "2026-1-05", " 02/03/2026 "]
    dates, invalid = parse_dates(pd.Series(cells))
    valid = {cell: date for cell, date, bad in zip(cells, dates, invalid) if not bad}
    assert {cell: date.date() for cell, date in valid.items()} == {
        "29/02/2028": dt.date(2028, 2, 29),
        "1/3/2026": dt.date(2026, 3, 1),
        "30/04/2026": dt.date(2026, 4, 30),
        "2028-02-29T08:00:00": dt.date(2028, 2, 29),
        "31/12/2199": dt.date(2199, 12, 31),
        " 02/03/2026 ": dt.date(2026, 3, 2),
    }
    assert dates[invalid].isna().all()


@pytest.mark.parametrize(
    ("content", "rows"),
    [
        ("Métier;Lot\nPeintre;A\n;\n ; \nMaçon;B\n", [2, 5]),  # lines of bare separators
        ("\r\n\nMétier;Lot\r\nPeintre;A\r\n\r\n\nMaçon;B\n\n", [4, 7]),  # empty lines, before the header too
    ],
)
def test_blank_lines_are_dropped_and_rows_keep_their_spreadsheet_numbers(tmp_path, content, rows):
    path = tmp_path / "f.csv"
    path.write_bytes(content.encode())
    sheet = read_sheet(path, {"trade": ["Métier"], "lot": ["Lot"]}, ["trade"])
    assert sheet.frame.to_dict("list") == {"trade": ["Peintre", "Maçon"], "lot": ["A", "B"]}
    assert sheet.rows.tolist() == rows


def test_a_line_filled_only_after_its_first_cell_is_kept(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("Métier;Lot\nPeintre;A\n;B\n;\nMaçon;\n", encoding="utf-8")
    sheet = read_sheet(path, {"trade": ["Métier"], "lot": ["Lot"]}, ["trade"])
    assert sheet.frame.to_dict("list") == {"trade": ["Peintre", "", "Maçon"], "lot": ["A", "B", ""]}
    assert sheet.rows.tolist() == [2, 3, 5]


def test_cells_are_trimmed_of_any_whitespace(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("Métier;Lot\n\u00a0Peintre\t;\u2009A \n", encoding="utf-8")
    sheet = read_sheet(path, {"trade": ["Métier"], "lot": ["Lot"]}, ["trade"])
    assert sheet.frame.iloc[0].tolist() == ["Peintre", "A"]


def test_untrimmed_columns_are_handed_on_as_written_and_still_make_a_line_blank(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("Métier;Montant\n Peintre ; 12 \n;\u00a0\n ; \t\nMaçon;\n", encoding="utf-8")
    sheet = read_sheet(path, {"trade": ["Métier"], "amount_ht": ["Montant"]}, ["trade"], untrimmed={"amount_ht"})
    assert sheet.frame.to_dict("list") == {"trade": ["Peintre", "Maçon"], "amount_ht": [" 12 ", ""]}
    assert sheet.rows.tolist() == [2, 5]
    only_untrimmed = read_sheet(path, {"amount_ht": ["Montant"]}, [], untrimmed={"amount_ht"})
    assert only_untrimmed.rows.tolist() == [2]


def test_a_column_given_twice_is_refused(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("Métier;Lot;Métier\nPeintre;A;Maçon\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"f.csv, ligne 1, colonne « Métier » : colonne présente deux fois \(aussi sous le nom 'Métier'\)"):
        read_sheet(path, {"trade": ["Métier"], "lot": ["Lot"]}, ["trade"])


@pytest.mark.parametrize(
    "raw,reason",
    [
        (b"", "le fichier est vide"),
        (b"\xef\xbb\xbf \n", "le fichier est vide"),
        (b"M\xc3\xa9tier;Lot\nPeintre;A\nMa\xc3\xa7on\n", "f.csv, ligne 3 : ligne mal formée : 1 cellule alors que l'en-tête en a 2 .* : 'Maçon'"),
        (b"M\xe9tier;Lot\nPeintre;A;B;C\n", "f.csv, ligne 2 : ligne mal formée : 4 cellules alors que l'en-tête en a 2 .* : 'Peintre;A;B;C'"),
        (b"M\xe9tier;Lot\nPeintre;A\n\x81;B\n", "encodage illisible : ni UTF-8 ni Windows-1252"),
    ],
)
def test_unreadable_csv_files(tmp_path, raw, reason):
    path = tmp_path / "f.csv"
    path.write_bytes(raw)
    with pytest.raises(InputError, match=reason):
        read_sheet(path, {"trade": ["Métier"], "lot": ["Lot"]}, ["trade"])


def test_windows_1252_cells_after_a_utf8_looking_header(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes("Métier;Lot\nPeintre;Façade\n".encode("cp1252"))
    sheet = read_sheet(path, {"trade": ["Métier"], "lot": ["Lot"]}, ["trade"])
    assert sheet.frame["lot"].tolist() == ["Façade"]
    path.write_bytes("Metier;Lot\nPeintre;Façade\n".encode("cp1252"))
    sheet = read_sheet(path, {"trade": ["Metier"], "lot": ["Lot"]}, ["trade"])
    assert sheet.frame["lot"].tolist() == ["Façade"]


def test_a_problem_after_an_empty_line_names_the_row_the_spreadsheet_shows(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("Métier;Lot;Métier\n\nPeintre;A;Maçon\n", encoding="utf-8")
    with pytest.raises(InputError, match="ligne 1, colonne « Métier »"):
        read_sheet(path, {"trade": ["Métier"], "lot": ["Lot"]}, ["trade"])
    path.write_text("\n\nLot\nA\n", encoding="utf-8")
    with pytest.raises(InputError, match="ligne 3, colonne « Métier » : colonne obligatoire absente"):
        read_sheet(path, {"trade": ["Métier"], "lot": ["Lot"]}, ["trade"])
