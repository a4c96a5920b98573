"""Pipeline ingestion from CSV and XLSX: formats, computed hours, idempotence, atomic rejection."""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select

from clauses.errors import InputError
from clauses.hours import insertion_hours
from clauses.ingest.pipeline import LOT_FIELDS, add_months
from clauses.ingest.pipeline_ingest import ingest_pipeline_file, read_pipeline
from clauses.storage import ImportRun, Lot, Operation

HEADER = "Identifiant opération;Opération;Maître d'ouvrage;Commune;Identifiant lot;Lot;Métier;Montant HT;Date de début;Date de fin;Durée (mois);Statut;Heures d'insertion;Heures réalisées;Taux d'insertion;Probabilité d'attribution"
GOOD_ROWS = [
    "GAUTHIERE;La Gauthière – îlot Nord;Clermont Auvergne Métropole;Clermont-Ferrand;G-01;Gros œuvre;F1703;1\u00a0000\u00a0000,00;02/03/2026;;12;attribué;;;;",
    "GAUTHIERE;La Gauthière – îlot Nord;Clermont Auvergne Métropole;Clermont-Ferrand;G-02;Peinture;Peintre en bâtiment;250 000;2026-09-01;2027-02-26;;en consultation;300;;;80 %",
    "ECOLE;Groupe scolaire;Ville de Clermont-Ferrand;Clermont-Ferrand;E-01;Électricité;electricien;400000;01/01/2027;;8;prévu;;;10 %;0,6",
]


def write(tmp_path, rows, name="pipeline.csv", encoding="utf-8-sig", header=HEADER):
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding=encoding)
    return path


def lot(db, external_id):
    with db.transaction() as session:
        return session.scalar(select(Lot).where(Lot.external_id == external_id))


def count(db, model):
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_worked_example_of_the_domain():
    assert insertion_hours(1_000_000, 0.5, 0.05, 30) == pytest.approx(833.33, abs=0.01)


def test_french_csv_is_ingested_with_hours_given_or_computed(db, config, tmp_path):
    result = ingest_pipeline_file(db, write(tmp_path, GOOD_ROWS), config)
    assert (result.created, result.updated, result.unchanged, result.rejected) == (3, 0, 0, 0)
    masonry = lot(db, "G-01")
    assert masonry.trade_key == "macon"
    assert float(masonry.amount_ht) == 1_000_000
    assert masonry.hours_source == "computed"
    assert masonry.insertion_hours == pytest.approx(1_000_000 * 0.50 * 0.05 / 26.83, abs=0.01)
    assert masonry.hours_parameters == {
        "formula": "amount_ht × labour_share × insertion_rate ÷ hourly_cost",
        "amount_ht": 1_000_000.0, "labour_share": 0.5, "insertion_rate": 0.05, "hourly_cost": 26.83,
    }
    assert (masonry.start.isoformat(), masonry.end.isoformat()) == ("2026-03-02", "2027-03-01")
    assert masonry.status == "awarded"
    painting = lot(db, "G-02")
    assert painting.hours_source == "given" and painting.insertion_hours == 300
    assert painting.status == "tendering" and painting.award_probability == pytest.approx(0.8)
    electricity = lot(db, "E-01")
    assert electricity.insertion_hours == pytest.approx(400_000 * 0.45 * 0.10 / 30)
    assert electricity.award_probability == pytest.approx(0.6)
    assert electricity.end.isoformat() == "2027-08-31"
    assert count(db, Operation) == 2


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])
def test_comma_separated_and_windows_1252(db, config, tmp_path, encoding):
    rows = [r.replace("œ", "oe").replace("–", "-") for r in GOOD_ROWS]
    text = "\n".join([HEADER, *rows])
    reader = csv.reader(text.splitlines(), delimiter=";")
    path = tmp_path / "pipeline-comma.csv"
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=",").writerows(reader)
    result = ingest_pipeline_file(db, path, config)
    assert result.created == 3
    assert lot(db, "G-01").name == "Gros oeuvre"


def test_xlsx_with_real_dates_and_numbers(db, config, tmp_path):
    import datetime as dt

    frame = pd.DataFrame(
        {
            "Identifiant opération": ["OP"], "Opération": ["Collège"], "Identifiant lot": ["X-1"], "Métier": ["F1611"],
            "Montant HT": [600000.0], "Date de début": [dt.datetime(2027, 4, 5)], "Durée (mois)": [6], "Statut": ["en cours"],
        }
    )
    path = tmp_path / "pipeline.xlsx"
    frame.to_excel(path, index=False)
    result = ingest_pipeline_file(db, path, config)
    assert result.created == 1
    facade = lot(db, "X-1")
    assert facade.trade_key == "facadier" and facade.start.isoformat() == "2027-04-05" and facade.source == "xlsx"
    assert facade.insertion_hours == pytest.approx(600000 * 0.6 * 0.05 / 30)


def test_reingesting_changes_nothing_and_a_corrected_file_updates_the_changed_lot(db, config, tmp_path):
    path = write(tmp_path, GOOD_ROWS)
    ingest_pipeline_file(db, path, config)
    first = lot(db, "G-01").updated_at
    again = ingest_pipeline_file(db, path, config)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert lot(db, "G-01").updated_at == first
    corrected = [GOOD_ROWS[0].replace("1\u00a0000\u00a0000,00", "1 200 000"), *GOOD_ROWS[1:]]
    result = ingest_pipeline_file(db, write(tmp_path, corrected, name="corrected.csv"), config)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    assert float(lot(db, "G-01").amount_ht) == 1_200_000
    assert count(db, Lot) == 3
    assert count(db, ImportRun) == 3


BAD_CASES = [
    ("métier inconnu", GOOD_ROWS[0].replace(";F1703;", ";Soudeur;"), "Métier", "métier inconnu « Soudeur »"),
    ("date illisible", GOOD_ROWS[0].replace("02/03/2026", "2 mars 2026"), "Date de début", "date illisible '2 mars 2026'"),
    ("end before start", GOOD_ROWS[1].replace("2027-02-26", "2026-01-01"), "Date de fin", "la fin (01/01/2026) précède le début (01/09/2026)"),
    ("negative amount", GOOD_ROWS[0].replace("1\u00a0000\u00a0000,00", "-5"), "Montant HT", "montant négatif"),
    ("not a number", GOOD_ROWS[0].replace("1\u00a0000\u00a0000,00", "beaucoup"), "Montant HT", "pas un nombre : 'beaucoup'"),
    ("unknown status", GOOD_ROWS[0].replace(";attribué;", ";gagné;"), "Statut", "statut inconnu 'gagné'"),
    ("bad rate", GOOD_ROWS[2].replace(";10 %;", ";150 %;"), "Taux d'insertion", "pas un taux entre 0 et 100 %"),
    ("no end nor duration", GOOD_ROWS[0].replace(";;12;", ";;;"), "Date de fin", "il faut une date de fin ou une durée en mois"),
    ("missing lot id", GOOD_ROWS[0].replace(";G-01;", ";;"), "Identifiant lot", "valeur manquante"),
]


@pytest.mark.parametrize("label,row,column,reason", BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_each_bad_cell_is_named_and_nothing_is_written(db, config, tmp_path, label, row, column, reason):
    ingest_pipeline_file(db, write(tmp_path, GOOD_ROWS[2:], name="before.csv"), config)
    before = lot(db, "E-01").updated_at
    path = write(tmp_path, [GOOD_ROWS[2].replace(";400000;", ";500000;"), row])
    with pytest.raises(InputError) as error:
        ingest_pipeline_file(db, path, config)
    problems = error.value.problems
    assert any(p.file == "pipeline.csv" and p.row == 3 and p.column == column and reason in p.reason for p in problems), problems
    # Atomic: the valid row of the refused file was not written either.
    assert count(db, Lot) == 1
    assert float(lot(db, "E-01").amount_ht) == 400000 and lot(db, "E-01").updated_at == before


def test_duplicate_lot_id_and_missing_column(config, tmp_path):
    validated = read_pipeline(write(tmp_path, [GOOD_ROWS[0], GOOD_ROWS[0]]), config)
    assert [str(p) for p in validated.problems] == ["pipeline.csv, ligne 3, colonne « Identifiant lot » : identifiant de lot 'G-01' en double (déjà vu ligne 2)"]
    header = HEADER.replace("Métier;", "Corps d'état;")
    with pytest.raises(InputError, match=r"colonne « Métier » : colonne obligatoire absente"):
        read_pipeline(write(tmp_path, GOOD_ROWS, header=header), config)


def test_skip_invalid_loads_valid_rows_and_writes_safe_rejects(db, config, tmp_path):
    evil = GOOD_ROWS[1].replace(";Peinture;", ";=HYPERLINK(\"http://x\");").replace(";Peintre en bâtiment;", ";Soudeur;")
    path = write(tmp_path, [GOOD_ROWS[0], evil, GOOD_ROWS[2]])
    result = ingest_pipeline_file(db, path, config, skip_invalid=True)
    assert (result.created, result.rejected) == (2, 1)
    assert Path(result.rejects_file).name.startswith("pipeline-rejets-")  # named in French, as every other file
    rejects = pd.read_csv(result.rejects_file, sep=";", dtype=str, encoding="utf-8-sig")
    assert rejects.columns[0] == "ligne" and rejects.columns[-1] == "motifs"  # in French, the file's own headers between
    assert rejects["ligne"].tolist() == ["3"]
    assert rejects["Lot"].iloc[0].startswith("'=")  # never run as a formula
    assert "Métier : métier inconnu « Soudeur »" in rejects["motifs"].iloc[0]


def problems_of(config, tmp_path, rows):
    return [str(p) for p in read_pipeline(write(tmp_path, rows), config).problems]


def test_impossible_dates_are_refused_and_leap_days_accepted(config, tmp_path):
    leap = GOOD_ROWS[0].replace("02/03/2026", "29/02/2028")
    impossible = GOOD_ROWS[2].replace("01/01/2027", "31/02/2026")
    validated = read_pipeline(write(tmp_path, [leap, impossible]), config)
    assert [str(p) for p in validated.problems] == [
        "pipeline.csv, ligne 3, colonne « Date de début » : date inexistante '31/02/2026' : février 2026 n'a que 28 jours"
    ]
    assert validated.lots["start"].dt.date.tolist() == [dt.date(2028, 2, 29)]
    assert validated.lots["end"].dt.date.tolist() == [dt.date(2029, 2, 27)]  # 12 months later, the day before


@pytest.mark.parametrize("amount", ["1 234,5", "1\u00a0234,5", "1\u202f234,50 €", "1234.5"])
def test_amounts_with_grouped_thousands_and_decimal_comma(config, tmp_path, amount):
    validated = read_pipeline(write(tmp_path, [GOOD_ROWS[0].replace("1\u00a0000\u00a0000,00", amount)]), config)
    assert not validated.problems
    assert validated.lots["amount_ht"].tolist() == [1234.5]


def test_typed_cells_with_surrounding_spaces_are_read_and_quoted_as_written(config, tmp_path):
    row = GOOD_ROWS[0].split(";")
    row[7], row[10], row[14], row[15] = " 1 000 000,00\u00a0", "\t12 ", " 5 % ", " 0,5"
    bad = list(row)
    bad[4], bad[7] = "G-09", " douze "
    validated = read_pipeline(write(tmp_path, [";".join(row), ";".join(bad)]), config)
    lot = validated.lots.iloc[0]
    assert (lot["amount_ht"], lot["end"].date(), lot["insertion_rate"], lot["award_probability"]) == (1_000_000.0, dt.date(2027, 3, 1), 0.05, 0.5)
    assert [(p.row, p.column, p.reason) for p in validated.problems] == [(3, "Montant HT", "pas un nombre : ' douze '")]


def test_a_number_with_two_decimal_commas_is_refused(config, tmp_path):
    assert problems_of(config, tmp_path, [GOOD_ROWS[2], GOOD_ROWS[0].replace("1\u00a0000\u00a0000,00", "12,3,4")]) == [
        "pipeline.csv, ligne 3, colonne « Montant HT » : pas un nombre : '12,3,4'"
    ]


def test_windows_from_a_duration_follow_the_calendar():
    """The day before the same day, whole months later (brought back to the month's last day),
    then any fraction of a month as 30.4375 days: checked against the calendar, day by day."""
    rng = np.random.default_rng(7)
    starts = [dt.date(2024, 1, 31), dt.date(2027, 12, 31), dt.date(2028, 2, 29), *(dt.date(2000, 1, 1) + dt.timedelta(int(d)) for d in rng.integers(0, 20_000, 500))]
    months = [1.0, 2.0, 12.0, *np.where(rng.random(500) < 0.5, rng.integers(1, 48, 500), rng.random(500) * 48 + 0.01)]

    def by_calendar(start: dt.date, months: float) -> dt.date:
        whole = math.floor(months)
        year, month = divmod(start.month - 1 + whole, 12)
        year, month = start.year + year, month + 1
        same_day = dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
        return same_day - dt.timedelta(days=1) + dt.timedelta(days=round((months - whole) * 30.4375))

    ends = add_months(np.array(starts, dtype="datetime64[ns]"), np.array(months))
    assert [pd.Timestamp(end).date() for end in ends] == [by_calendar(start, m) for start, m in zip(starts, months)]
    assert pd.Timestamp(ends[0]).date() == dt.date(2024, 2, 28)


@pytest.mark.parametrize("rows", [[0, 2], [0, 1, 2]], ids=["every window by its duration", "some by their end date"])
def test_a_window_ends_after_its_duration_or_on_its_date(config, tmp_path, rows):
    # Every row given by a duration takes the whole-column path (nothing gathered or scattered),
    # a mix takes the rows that need it: both give the same ends.
    validated = read_pipeline(write(tmp_path, [GOOD_ROWS[i] for i in rows]), config)
    ends = dict(zip(validated.lots["external_id"], (pd.Timestamp(end).date() for end in validated.lots["end"])))
    assert ends["G-01"] == dt.date(2027, 3, 1) and ends["E-01"] == dt.date(2027, 8, 31)
    assert ends.get("G-02", dt.date(2027, 2, 26)) == dt.date(2027, 2, 26)


def test_a_window_ending_after_2199_is_refused(config, tmp_path):
    assert problems_of(config, tmp_path, [GOOD_ROWS[0].replace("02/03/2026", "01/01/2199").replace(";12;", ";5000;")]) == [
        "pipeline.csv, ligne 2, colonne « Durée (mois) » : durée invraisemblable : 5000 mois, le marché finirait après 2199"
    ]


def test_duplicate_ids_are_named_with_the_row_first_seen(config, tmp_path):
    rows = [GOOD_ROWS[0], GOOD_ROWS[1], GOOD_ROWS[0].replace(";F1703;", ";Maçon;"), GOOD_ROWS[2], GOOD_ROWS[1]]
    assert problems_of(config, tmp_path, rows) == [
        "pipeline.csv, ligne 4, colonne « Identifiant lot » : identifiant de lot 'G-01' en double (déjà vu ligne 2)",
        "pipeline.csv, ligne 6, colonne « Identifiant lot » : identifiant de lot 'G-02' en double (déjà vu ligne 3)",
    ]


def test_a_column_the_file_does_not_have_is_all_empty(config, tmp_path):
    header = HEADER.replace(";Taux d'insertion;Probabilité d'attribution", "")
    rows = [row.rsplit(";", 2)[0] for row in GOOD_ROWS]
    validated = read_pipeline(write(tmp_path, rows, header=header), config)
    assert not validated.problems
    assert validated.lots["award_probability"].isna().all()
    assert validated.lots["insertion_rate"].tolist() == pytest.approx([0.05, 0.05, 0.05])


def test_a_bad_cell_after_an_empty_line_names_the_spreadsheet_row(config, tmp_path):
    assert problems_of(config, tmp_path, [GOOD_ROWS[0], "", GOOD_ROWS[2].replace("01/01/2027", "31/02/2026")]) == [
        "pipeline.csv, ligne 4, colonne « Date de début » : date inexistante '31/02/2026' : février 2026 n'a que 28 jours"
    ]


def test_fingerprints_of_a_file_with_derived_fields_and_rejected_rows_are_pandas_hashes(config, tmp_path):
    """Text fields are hashed before invalid rows are dropped, and some are derived (an operation
    named by its name, a lot by its id, an empty commune missing): the stored fingerprints are still
    ``hash_pandas_object`` of the valid lots' fields."""
    no_operation_id = ";" + GOOD_ROWS[1].split(";", 1)[1]
    no_name_nor_commune = GOOD_ROWS[2].replace(";Clermont-Ferrand;E-01;Électricité;", ";;E-01;;")
    invalid = GOOD_ROWS[0].replace("G-01", "G-09").replace(";F1703;", ";Soudeur;")
    validated = read_pipeline(write(tmp_path, [GOOD_ROWS[0], invalid, no_operation_id, no_name_nor_commune]), config)
    lots = validated.lots
    assert len(validated.problems) == 1 and lots["external_id"].tolist() == ["G-01", "G-02", "E-01"]
    assert lots["operation_external_id"].tolist() == ["GAUTHIERE", "op:la-gauthière-–-îlot-nord", "ECOLE"]
    assert lots["name"].iloc[2] == "E-01" and pd.isna(lots["commune"].iloc[2])
    expected = pd.util.hash_pandas_object(lots[LOT_FIELDS], index=False).to_numpy().astype(str)
    assert lots["content_hash"].tolist() == expected.tolist()
