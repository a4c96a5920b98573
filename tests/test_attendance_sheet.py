"""The pre-filled attendance sheet: written for an event, filled in, re-saved, sorted, with a
walk-in line, and read back with no id typed by hand."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from clauses.cli import main
from clauses.errors import ClausesError, InputError
from clauses.inbound import attendance as at
from clauses.inbound.attendance_sheet import CONTRACT_CHOICES, HEADERS, STATUS_CHOICES, write_attendance_sheet
from clauses.storage import Participation
from inbound_helpers import UTC, seed

NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture
def ids(db, config):
    with db.transaction() as session:
        ids = seed(session, config)
        session.add_all([Participation(candidate_id=ids["alice"], event_id=ids["event"], status="registered"),
                         Participation(candidate_id=ids["bruno"], event_id=ids["event"], status="invited"),
                         Participation(candidate_id=ids["chloe"], event_id=ids["event"], status="invited")])
    return ids


def _sheet(db, ids, tmp_path):
    with db.transaction() as session:
        return write_attendance_sheet(session, ids["event"], tmp_path).path


def _table(ws):
    header = next(r for r in range(1, 20) if ws.cell(r, 1).value == "N°")
    return header, {ws.cell(r, 2).value: r for r in range(header + 1, header + 4)}


def _statuses(db, event_id):
    with db.transaction() as session:
        return {p.candidate_id: (p.status, p.contract_type)
                for p in session.scalars(select(Participation).where(Participation.event_id == event_id))}


def test_the_sheet_is_pre_filled_with_lists_and_locked_identifiers(db, ids, tmp_path):
    path = _sheet(db, ids, tmp_path)
    ws = load_workbook(path).active
    assert ws["A1"].value == "Feuille d'émargement"
    assert ws["A2"].value == "Événement n°" and ws["B2"].value == ids["event"]
    text = " ".join(str(ws.cell(r, 2).value) for r in range(2, 8))
    assert "mardi 10 novembre 2026, de 10 h 00 à 13 h 00" in text and "découverte du métier de maçon" in text.lower()
    header, rows = _table(ws)
    assert [ws.cell(header, c).value for c in range(1, len(HEADERS) + 1)] == HEADERS
    assert sorted(rows) == ["Durand", "Martin", "Petit"]
    assert ws.cell(rows["Martin"], 4).value == "inscrit·e"
    # Drop-down lists of the French statuses and contract types, on the fill-in columns.
    lists = {dv.formula1.strip('"'): str(dv.sqref) for dv in ws.data_validations.dataValidation}
    assert lists[",".join(STATUS_CHOICES)].startswith(f"E{header + 1}:E")
    assert lists[",".join(CONTRACT_CHOICES)].startswith(f"F{header + 1}:F")
    assert all(at.parse_status(s) for s in STATUS_CHOICES) and all(at.parse_contract(c) for c in CONTRACT_CHOICES)
    # Protected sheet: identifiers locked, fill-in columns open; sorting allowed.
    assert ws.protection.sheet and not ws.protection.sort
    row = rows["Martin"]
    assert ws.cell(row, 1).protection.locked and ws.cell(row, 2).protection.locked
    assert not ws.cell(row, 5).protection.locked and not ws.cell(row, 6).protection.locked


def _fill(path, out, *, sort=False, walk_in=True):
    book = load_workbook(path)
    ws = book.active
    header, rows = _table(ws)
    ws.cell(rows["Martin"], 5, "présent")
    ws.cell(rows["Durand"], 5, "absent")
    # Petit left empty: not filled in yet.
    if sort:  # a partner sorts the lines by first name, descending: the numbers move with them
        values = [[ws.cell(r, c).value for c in range(1, len(HEADERS) + 1)] for r in sorted(rows.values())]
        values.sort(key=lambda v: v[2], reverse=True)
        for r, line in zip(sorted(rows.values()), values):
            for c, value in enumerate(line, start=1):
                ws.cell(r, c).value = value
    if walk_in:
        r = header + 5
        ws.cell(r, 2, "Nouveau")
        ws.cell(r, 3, "Sam")
        ws.cell(r, 5, "présent")
    book.save(out)
    return out


@pytest.mark.parametrize("sort", [False, True])
def test_a_filled_sheet_is_recorded_without_any_id_and_the_walk_in_reported(db, ids, tmp_path, sort):
    filled = _fill(_sheet(db, ids, tmp_path), tmp_path / "rendu.xlsx", sort=sort)
    before = _statuses(db, ids["event"])
    outcome = at.record_attendance(db, filled, now=NOW)
    after = _statuses(db, ids["event"])
    assert after[ids["alice"]] == ("attended", None)
    assert after[ids["bruno"]] == ("no_show", None)
    assert after[ids["chloe"]] == before[ids["chloe"]] == ("invited", None)
    assert len(after) == 3  # the walk-in matched nobody: not guessed
    assert outcome.unfilled == 1 and len(outcome.walk_in_rows) == 1
    assert "Nouveau" in open(outcome.walk_ins_file, encoding="utf-8-sig").read()
    assert "Nouveau" not in str(outcome.as_dict())
    again = at.record_attendance(db, filled, now=NOW)  # re-recording changes nothing
    assert again.changed == again.created == 0


def test_a_line_number_of_another_event_is_refused_with_its_row(db, ids, tmp_path):
    path = _fill(_sheet(db, ids, tmp_path), tmp_path / "rendu.xlsx", walk_in=False)
    book = load_workbook(path)
    ws = book.active
    header, rows = _table(ws)
    ws.cell(rows["Martin"], 1, 999999)
    book.save(path)
    with pytest.raises(InputError) as caught:
        at.record_attendance(db, path, now=NOW)
    assert [(p.row, p.column) for p in caught.value.problems] == [(rows["Martin"], "N°")]


def test_no_sheet_for_an_unknown_or_cancelled_event(db, ids, tmp_path):
    with db.transaction() as session, pytest.raises(ClausesError, match="inconnu"):
        write_attendance_sheet(session, 424242, tmp_path)
    with db.transaction() as session, pytest.raises(ClausesError, match="annulé"):
        write_attendance_sheet(session, ids["cancelled"], tmp_path)


def test_the_command_writes_the_sheet_and_the_file_form_still_works(db, ids, tmp_path, capsys):
    assert main(["attendance", "sheet", str(ids["event"]), "--output", str(tmp_path)]) == 0
    path = tmp_path / f"emargement-{ids['event']}.xlsx"
    assert path.exists() and "Feuille d'émargement" in capsys.readouterr().out
    assert main(["attendance", "sheet", "douze"]) == 2


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_a_sheet_re_saved_by_libreoffice_still_reads(db, ids, tmp_path):
    filled = _fill(_sheet(db, ids, tmp_path), tmp_path / "source" / "rendu.xlsx", sort=True) \
        if (tmp_path / "source").mkdir() is None else None
    out = tmp_path / "libreoffice"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--convert-to",
                    "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(filled)], check=True, timeout=180,
                   capture_output=True)
    resaved = out / "rendu.xlsx"
    assert resaved.read_bytes() != filled.read_bytes()
    ws = load_workbook(resaved).active
    assert ws.protection.sheet and ws.data_validations.dataValidation  # LibreOffice kept lists and protection
    outcome = at.record_attendance(db, resaved, now=NOW)
    after = _statuses(db, ids["event"])
    assert after[ids["alice"]] == ("attended", None) and after[ids["bruno"]] == ("no_show", None)
    assert len(outcome.walk_in_rows) == 1
