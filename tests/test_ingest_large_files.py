"""Pipeline files larger than the blocks Arrow reads them in: rows, encodings and errors are the same
as for a small file, wherever in the file they fall."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from clauses.errors import InputError
from clauses.ingest.pipeline_ingest import ingest_pipeline_file, read_pipeline
from clauses.readers import tabular
from clauses.readers.tabular import read_sheet
from clauses.storage import Lot

HEADER = "Identifiant opération;Opération;Maître d'ouvrage;Commune;Identifiant lot;Lot;Métier;Montant HT;Date de début;Durée (mois);Statut"
ROWS = 60_000  # about 7 MiB: several blocks of 1 MiB


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch):
    """Blocks of 1 MiB, so that these files of a few MiB span several of them."""
    monkeypatch.setattr(tabular, "CSV_BLOCK", 1 << 20)


def row(i: int, amount: str = "1 250 000,50", lot: str = "Gros œuvre") -> str:
    return f"OP-{i // 10};Opération {i // 10};Clermont Auvergne Métropole;Clermont-Ferrand;L-{i};{lot};F1703;{amount};02/03/2026;12;attribué"


def write(path, lines, encoding="utf-8-sig"):
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def test_bad_cells_far_into_a_large_file_name_their_row_and_column_and_nothing_is_written(db, config, tmp_path):
    lines = [HEADER, *(row(i) for i in range(ROWS))]
    lines[30_001] = ""  # an empty line in the middle: later rows keep the numbers a spreadsheet shows
    lines[50_000] = row(49_999, amount="12,5,0")  # file line 50,001
    lines[59_990] = row(7)  # a lot id already seen on line 9
    path = write(tmp_path / "grand.csv", lines)
    with pytest.raises(InputError) as error:
        ingest_pipeline_file(db, path, config)
    assert [str(p) for p in error.value.problems] == [
        "grand.csv, ligne 50001, colonne « Montant HT » : pas un nombre : '12,5,0'",
        "grand.csv, ligne 59991, colonne « Identifiant lot » : identifiant de lot 'L-7' en double (déjà vu ligne 9)",
    ]
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Lot)) == 0


def test_a_large_windows_1252_file_whose_first_accent_is_past_the_first_block(config, tmp_path):
    lines = [HEADER.replace("é", "e").replace("î", "i"), *(row(i, lot="Gros oeuvre").replace("é", "e") for i in range(ROWS))]
    lines[-1] = row(ROWS - 1, lot="Façades – bardage").replace("é", "e")
    path = write(tmp_path / "excel.csv", lines, encoding="cp1252")
    validated = read_pipeline(path, config)
    assert not validated.problems
    assert len(validated.lots) == ROWS
    assert validated.lots["name"].iloc[-1] == "Façades – bardage"
    assert validated.lots["amount_ht"].iloc[0] == 1250000.5


def test_a_malformed_line_past_the_first_block_makes_the_file_invalid(tmp_path):
    lines = [HEADER, *(row(i) for i in range(ROWS))]
    lines[40_000] = "OP-1;trop court"
    with pytest.raises(InputError, match="grand.csv, ligne 40001 : ligne mal formée : 2 cellules alors que l'en-tête en a 11"):
        read_sheet(write(tmp_path / "grand.csv", lines), {"trade": ["Métier"]}, ["trade"])


def test_a_header_after_more_empty_lines_than_the_first_read(tmp_path):
    path = write(tmp_path / "f.csv", [""] * 70_000 + ["Métier;Lot", "Peintre;A", "Maçon;B"])
    sheet = read_sheet(path, {"trade": ["Métier"], "lot": ["Lot"]}, ["trade"])
    assert sheet.frame.to_dict("list") == {"trade": ["Peintre", "Maçon"], "lot": ["A", "B"]}
    assert sheet.rows.tolist() == [70_002, 70_003]
    write(path, [""] * 70_000, encoding="utf-8")
    with pytest.raises(InputError, match="le fichier est vide"):
        read_sheet(path, {"trade": ["Métier"]}, ["trade"])
