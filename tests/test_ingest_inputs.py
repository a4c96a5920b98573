"""Inputs that deserve a clear answer: the wrong kind of file, a file without rows, a formula
without a computed value, names that would greet a person with markup or a header injection, a
candidate living outside the territory, problems in row order, dates typed on the command line."""

from __future__ import annotations

import datetime as dt
import time

import openpyxl
import pytest
from sqlalchemy import func, select

from clauses.cli import main
from clauses.cli.dates import day
from clauses.errors import InputError
from clauses.ingest.candidates import import_candidates_file
from clauses.ingest.pipeline_ingest import ingest_pipeline_file, read_pipeline
from clauses.storage import Candidate, Lot
from test_ingest_candidates import HEADER as CANDIDATE_HEADER
from test_ingest_candidates import ROWS as CANDIDATE_ROWS
from test_ingest_candidates import write as write_candidates
from test_ingest_pipeline import GOOD_ROWS, HEADER
from test_ingest_pipeline import write as write_pipeline


def count(db, model):
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("name", ["notes.txt", "plan.pdf", "lots"])
def test_a_file_of_another_kind_is_refused_before_anything_starts(tmp_path, capsys, name):
    path = tmp_path / name
    path.write_text(HEADER + "\n" + GOOD_ROWS[0] + "\n", encoding="utf-8")
    began = time.monotonic()
    assert main(["ingest", "pipeline", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{name} : type de fichier non pris en charge" in err
    assert "attendu .csv, .tsv, .xlsx, .xlsm, DECP .json ou .parquet" in err
    assert main(["ingest", "candidates", str(path)]) == 2
    assert "attendu .csv, .tsv, .xlsx ou .xlsm" in capsys.readouterr().err
    assert main(["ingest", "pipeline", str(tmp_path / "absent.csv")]) == 2
    assert "absent.csv : fichier introuvable" in capsys.readouterr().err
    assert time.monotonic() - began < 60  # answered without starting Prefect (a loose bound: no timing claim)


def test_a_file_with_a_header_only_says_there_is_no_lot(db, config, tmp_path):
    result = ingest_pipeline_file(db, write_pipeline(tmp_path, []), config)
    assert (result.created, result.rejected) == (0, 0)
    assert [w.reason for w in result.warnings] == ["aucun lot dans le fichier : rien n'a été importé"]
    assert "avertissement : pipeline.csv : aucun lot dans le fichier : rien n'a été importé" in result.lines()
    candidates = import_candidates_file(db, write_candidates(tmp_path, []), config)
    assert [w.reason for w in candidates.warnings] == ["aucun candidat dans le fichier : rien n'a été importé"]
    # A file with lots has no such warning.
    assert not ingest_pipeline_file(db, write_pipeline(tmp_path, GOOD_ROWS, name="full.csv"), config).warnings


@pytest.mark.usefixtures("prefect_harness")
def test_the_command_prints_the_warning_and_succeeds(db, tmp_path, capsys):
    assert main(["ingest", "pipeline", str(write_pipeline(tmp_path, []))]) == 0
    assert "avertissement : pipeline.csv : aucun lot dans le fichier" in capsys.readouterr().out


def test_a_formula_without_a_computed_value_says_so_and_how_to_fix_it(config, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.split(";") + ["Total"])
    for row in GOOD_ROWS:
        sheet.append(row.split(";") + ["=H2*2"])  # a formula in a column the import does not read
    sheet["H3"] = "=200000+50000"  # Montant HT of the second lot: written by a program, never computed
    path = tmp_path / "pipeline.xlsx"
    book.save(path)
    with pytest.raises(InputError) as refused:
        read_pipeline(path, config)
    [problem] = refused.value.problems
    assert (problem.row, problem.column) == (3, "Montant HT")
    assert problem.reason.startswith("formule sans valeur calculée (=200000+50000)")
    assert "Excel ou LibreOffice et enregistrez-le" in problem.reason and "collage spécial > valeurs" in problem.reason
    # The same sheet once the formula's value is there reads (only the unread column has formulas).
    sheet["H3"] = 250000
    book.save(path)
    assert len(read_pipeline(path, config).lots) == 3


@pytest.mark.parametrize(
    "first,last,column,reason",
    [
        ("Jean\r\nBcc: victime@example.org", "Martin", "Prénom", "caractère de contrôle interdit dans un nom"),
        ("Jean", "Martin\tDupont", "Nom", "caractère de contrôle interdit dans un nom"),
        ("<script>alert(1)</script>", "Martin", "Prénom", "balisage interdit dans un nom"),
        ("Jean", "Martin <b>", "Nom", "balisage interdit dans un nom"),
    ],
)
def test_a_name_with_control_characters_or_markup_is_refused_with_row_and_column(db, config, tmp_path, first, last, column, reason):
    quoted = '"' + first.replace('"', '""') + '"'
    row = CANDIDATE_ROWS[1].replace("Mamadou;Diallo", f"{quoted};{last}")
    with pytest.raises(InputError) as refused:
        import_candidates_file(db, write_candidates(tmp_path, [CANDIDATE_ROWS[0], row]), config)
    [problem] = refused.value.problems
    assert (problem.row, problem.column) == (3, column)
    assert problem.reason.startswith(reason)
    assert count(db, Candidate) == 0


def test_a_candidate_outside_the_territory_is_imported_with_a_warning(db, config, tmp_path):
    rows = [
        CANDIDATE_ROWS[0],
        CANDIDATE_ROWS[1].replace("Cournon-d'Auvergne", "Lyon"),
        CANDIDATE_ROWS[2].replace("Aubière", ""),
    ]
    result = import_candidates_file(db, write_candidates(tmp_path, rows), config)
    assert result.created == 3
    assert [(w.row, w.column) for w in result.warnings] == [(3, "Commune"), (4, "Commune")]
    assert result.warnings[0].reason.startswith("commune hors du territoire (config/territory.yaml) : importé, mais ne sera invité")
    assert result.warnings[1].reason.startswith("sans commune")
    warned = [line for line in result.lines() if line.startswith("avertissement : candidats.csv")]
    assert len(warned) == 2 and "commune hors du territoire" in warned[0] and "sans commune" in warned[1]


def test_many_warnings_of_one_kind_make_one_line(db, config, tmp_path):
    rows = [CANDIDATE_ROWS[1].replace("FT-2", f"FT-{n}").replace("mamadou.diallo", f"m{n}").replace("Cournon-d'Auvergne", "Riom")
            for n in range(20)]
    result = import_candidates_file(db, write_candidates(tmp_path, rows), config)
    [line] = [line for line in result.lines() if line.startswith("avertissement")]
    assert line.startswith("avertissement : candidats.csv, 20 lignes (2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 …), colonne 'Commune' : commune hors du territoire")


def test_problems_are_listed_in_row_order(db, config, tmp_path):
    rows = [
        CANDIDATE_ROWS[0].replace(";Zoé;", ";;"),  # row 2: a missing first name, found in the row pass
        CANDIDATE_ROWS[1].replace("2026-10-01", "32/10/2026"),  # row 3: a bad date, found in the column pass
        CANDIDATE_ROWS[2].replace(";RQTH;", ";astronaute;"),  # row 4
    ]
    with pytest.raises(InputError) as refused:
        import_candidates_file(db, write_candidates(tmp_path, rows), config)
    assert [p.row for p in refused.value.problems] == [2, 3, 4]
    bad_pipeline = [GOOD_ROWS[0].replace(";attribué;", ";gagné;"), GOOD_ROWS[1].replace(";Peintre en bâtiment;", ";Soudeur;"),
                    GOOD_ROWS[2].replace("01/01/2027", "31/02/2027")]
    with pytest.raises(InputError) as refused:
        ingest_pipeline_file(db, write_pipeline(tmp_path, bad_pipeline), config)
    assert [p.row for p in refused.value.problems] == [2, 3, 4]
    message = str(refused.value)
    assert message.index(str(refused.value.problems[0])) < message.index(str(refused.value.problems[1])) < message.index(str(refused.value.problems[2]))


def test_an_unknown_trade_lists_the_valid_labels(db, config, tmp_path):
    with pytest.raises(InputError) as refused:
        ingest_pipeline_file(db, write_pipeline(tmp_path, [GOOD_ROWS[0].replace(";F1703;", ";Soudeur;")]), config)
    [problem] = refused.value.problems
    assert problem.reason.startswith("métier inconnu « Soudeur » : attendu un code ROME ou l'un des métiers de config/trades.yaml (")
    assert all(trade.label in problem.reason for trade in config.trades)
    row = CANDIDATE_ROWS[0].replace("Maçon, F1606", "Soudeur")
    with pytest.raises(InputError) as refused:
        import_candidates_file(db, write_candidates(tmp_path, [row]), config)
    assert all(trade.label in refused.value.problems[0].reason for trade in config.trades)
    assert count(db, Lot) == 0


@pytest.mark.parametrize("text,expected", [
    ("31/12/2026", dt.date(2026, 12, 31)),
    ("2026-12-31", dt.date(2026, 12, 31)),
    ("1/3/2027", dt.date(2027, 3, 1)),
    ("31 décembre 2026", dt.date(2026, 12, 31)),
    ("lundi 1er mars 2027", dt.date(2027, 3, 1)),
])
def test_command_line_dates_read_the_formats_of_everything_else(text, expected):
    assert day(text) == expected


@pytest.mark.parametrize("argv", [["forecast", "--as-of", "31/02/2027"], ["plan", "--start", "31/02/2027"], ["forecast", "--as-of", "2027-01-04 9:00"]])
def test_a_date_that_does_not_exist_is_not_a_date(capsys, argv):
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    assert f"pas une date : « {argv[-1]} »" in capsys.readouterr().err
