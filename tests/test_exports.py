"""Every CSV export: ``;``, UTF-8 with BOM, event numbers, French headers, and an XLSX beside it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd

from clauses.exports import read_csv_text, write_table
from clauses.forecast.export import french_table, write_csv as write_forecast_csv, write_xlsx as write_forecast_xlsx
from clauses.planning.approval import approve_plan
from clauses.planning.service import export_approved
from clauses.storage import Event, Plan
from clauses.storage.reference_sync import sync_reference

UTC = dt.timezone.utc


def _check_csv(path: Path) -> pd.DataFrame:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "no BOM: French Excel garbles accents"
    header = raw[3:].split(b"\n", 1)[0].decode("utf-8")
    assert ";" in header and "," not in header.replace("l'événement n°", "")
    return read_csv_text(raw.decode("utf-8"))


def test_the_partners_plan_export_is_csv_for_french_excel_with_event_numbers_and_an_xlsx(db, config, tmp_path):
    with db.transaction() as session:
        sync_reference(session, config)
        plan = Plan(status="draft")
        session.add(plan)
        session.flush()
        start = dt.datetime(2027, 3, 1, 8, 0, tzinfo=UTC)  # 9 h 00 in Paris
        cohort = Event(plan_id=plan.id, kind="poec", trade_key="electricien", partner_key="geiq_btp_63",
                       start=start + dt.timedelta(weeks=6), end=start + dt.timedelta(weeks=17), capacity=12,
                       uid="cohort@x")
        session.add(cohort)
        session.flush()
        discovery = Event(plan_id=plan.id, kind="discovery", trade_key="electricien", partner_key="geiq_btp_63",
                          start=start, end=start + dt.timedelta(hours=3), capacity=12, uid="disc@x",
                          recruits_for_event_id=cohort.id)
        session.add(discovery)
        session.flush()
        approve_plan(session, plan.id)
        files = export_approved(session, config, tmp_path)
        ids = (discovery.id, cohort.id)
    assert set(files) == {"csv", "xlsx", "ics"}
    frame = _check_csv(files["csv"])
    assert list(frame["N° événement"].astype(int)) == list(ids)
    first = frame.iloc[0]
    assert (first["Métier"], first["Date de début"], first["Heure de début"], first["Heure de fin"]) == (
        "Électricien du bâtiment", "01/03/2027", "9 h 00", "12 h 00")
    assert first["Recrute pour l'événement n°"] == str(ids[1])
    book = openpyxl.load_workbook(files["xlsx"])
    ws = book.active
    headers = [c.value for c in ws[1]]
    assert headers == list(frame.columns)
    assert ws.cell(2, 1).value == ids[0]
    # Days are dates in the workbook, shown as in the CSV: they sort and filter as dates.
    day = ws.cell(2, headers.index("Date de début") + 1)
    assert day.value == dt.datetime(2027, 3, 1) and day.number_format == "DD/MM/YYYY"


def test_a_workbook_turns_only_columns_of_real_days_into_dates(tmp_path):
    frame = pd.DataFrame({
        "Début": ["14/12/2026", "", "01/03/2027"],  # an empty cell stays empty
        "Note": ["14/12/2026", "à définir", "01/03/2027"],  # not every cell a day: text
        "Impossible": ["31/02/2027", "01/03/2027", "02/03/2027"],  # a day that does not exist: text
    })
    ws = openpyxl.load_workbook(write_table(frame, tmp_path / "t.csv", "T")["xlsx"]).active
    assert [c.value for c in ws["A"][1:]] == [dt.datetime(2026, 12, 14), None, dt.datetime(2027, 3, 1)]
    assert [c.value for c in ws["B"][1:]] == ["14/12/2026", "à définir", "01/03/2027"]
    assert [c.value for c in ws["C"][1:]] == ["31/02/2027", "01/03/2027", "02/03/2027"]
    assert ws.column_dimensions["A"].width == 12


def test_every_table_writer_writes_csv_and_xlsx_beside_it(tmp_path):
    frame = pd.DataFrame({"N° événement": [3], "Taux": [0.25], "Nom": ["=HYPERLINK(1)"]})
    files = write_table(frame, tmp_path / "t.csv", "Table")
    assert files["xlsx"] == tmp_path / "t.xlsx"
    text = files["csv"].read_text(encoding="utf-8-sig")
    assert text.splitlines() == ["N° événement;Taux;Nom", "3;0,25;'=HYPERLINK(1)"]
    assert not list(tmp_path.glob("*.part"))


def test_forecast_exports_have_french_headers_and_trade_labels(tmp_path):
    table = pd.DataFrame({"trade_key": ["electricien"], "period_start": [dt.date(2027, 3, 1)],
                          "period_end": [dt.date(2027, 3, 7)], "hours_mean": [12.345678], "people_p50": [1.0]})
    labels = {"electricien": "Électricien du bâtiment"}
    assert list(french_table(table, labels).columns) == [
        "métier", "début de période", "fin de période", "heures moyenne", "personnes à recruter P50"]
    frame = _check_csv(write_forecast_csv(table, labels, tmp_path / "p.csv"))
    assert frame.iloc[0]["métier"] == "Électricien du bâtiment" and frame.iloc[0]["heures moyenne"] == "12,3457"
    totals = {"electricien": {"hours": {"mean": 1, "p10": 1, "p50": 1, "p90": 1}, "peak_fte_p50_value": 1,
                              "people": {"p50": 1}}}
    book = openpyxl.load_workbook(write_forecast_xlsx(table, totals, labels, tmp_path / "p.xlsx"))
    for ws in book.worksheets:
        headers = [c.value for c in ws[1]]
        assert not any("_" in h or "LABEL" in h or h.startswith("trade") for h in headers), headers
    # Figures keep their decimals but are shown with one (Excel showed 411.3161 hours).
    ws = book["Prévision"]
    headers = [c.value for c in ws[1]]
    hours = ws.cell(2, headers.index("heures moyenne") + 1)
    assert hours.value == 12.3457 and hours.number_format == "#,##0.0"
    assert ws.cell(2, headers.index("personnes à recruter P50") + 1).number_format == "0.0"
    assert ws.cell(2, headers.index("début de période") + 1).number_format == "DD/MM/YYYY"
