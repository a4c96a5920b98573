"""Hours covered against the forecast need, conversion rates for the planner, and the report files."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from clauses.reporting import build_report, observed_conversion_rates, read_conversion_rates, write_report_files
from clauses.reporting.conversion import write_conversion_rates
from reporting_data import seed, seed_forecast


@pytest.fixture
def seeded(db, config):
    with db.transaction() as session:
        return seed(session, config)


def _config_with_min_observations(config, n):
    planning = config.planning
    conversion = planning.conversion.model_copy(update={"min_observations": n})
    return config.model_copy(update={"planning": planning.model_copy(update={"conversion": conversion})})


def test_hours_covered_by_hires_capped_by_time_left_and_by_need(db, config, seeded):
    with db.transaction() as session:
        snapshot_id = seed_forecast(session, macon_hours=1000, peintre_hours=50)
        report = build_report(session, config)
    table = report.coverage.table.set_index("trade_key")
    assert report.coverage.snapshot["snapshot_id"] == snapshot_id
    # c1 hired 20 July 2026: 400 h (≥ 23 weeks × 35 h left before 27 December).
    assert table.loc["macon", "hires"] == 1
    assert table.loc["macon", "hours_from_hires"] == pytest.approx(400)
    assert table.loc["macon", "need_hours_p50"] == pytest.approx(1000)
    assert table.loc["macon", "coverage_share"] == pytest.approx(0.4)
    assert table.loc["macon", "remaining_hours"] == pytest.approx(600)
    # c7 hired 14 December 2026: 2 weeks × 35 h = 70 h, capped by the 50 h need.
    assert table.loc["peintre", "hours_from_hires"] == pytest.approx(70)
    assert table.loc["peintre", "covered_hours"] == pytest.approx(50)
    assert table.loc["peintre", "coverage_share"] == pytest.approx(1.0)
    assert report.coverage.notes == []


def test_without_a_forecast_the_report_says_so(db, config, seeded):
    with db.transaction() as session:
        report = build_report(session, config)
    assert report.coverage.snapshot is None
    assert any("Aucune prévision" in note for note in report.notes)
    table = report.coverage.table.set_index("trade_key")
    assert table.loc["macon", "covered_hours"] == pytest.approx(400)
    assert pd.isna(table.loc["macon", "need_hours_p50"])


def test_conversion_rates_fall_back_to_configuration_below_the_minimum(db, config, seeded):
    configured = config.planning.conversion
    with db.transaction() as session:
        few = observed_conversion_rates(session, config)  # min 30 people: nothing observed is used
        many = observed_conversion_rates(session, _config_with_min_observations(config, 3))
    assert few["invited_to_attended"] == configured.invited_to_attended
    assert few["details"]["invited_to_attended"]["source"] == "configuration"
    assert few["details"]["invited_to_attended"]["observed"] == round(5 / 11, 4)
    # Per trade, summed: invited 8 + 3, attended 4 + 1, selected 2 + 1, completed 2 + 1, hired 1 + 1.
    assert many["invited_to_attended"] == pytest.approx(round(5 / 11, 4))
    assert many["attended_to_selected"] == pytest.approx(0.6)
    assert many["selected_to_completed"] == pytest.approx(1.0)
    assert many["completed_to_hired"] == pytest.approx(round(2 / 3, 4))
    assert many["details"]["completed_to_hired"] | {"rate": None} == {
        "rate": None, "source": "observed", "observed": round(2 / 3, 4), "numerator": 2, "denominator": 3,
        "configured": configured.completed_to_hired}
    # 1 hired of 1 completed for the painters: too few for the per-trade rate to be used.
    assert many["per_trade"]["peintre"]["completed_to_hired"]["source"] == "configuration"


def test_planner_reads_the_rates_written_by_the_report(db, config, seeded, tmp_path):
    path = tmp_path / "conversion_rates.json"
    assert read_conversion_rates(config, path)["invited_to_attended"] == config.planning.conversion.invited_to_attended
    with db.transaction() as session:
        rates = observed_conversion_rates(session, _config_with_min_observations(config, 3))
    write_conversion_rates(rates, path)
    assert read_conversion_rates(config, path)["invited_to_attended"] == pytest.approx(round(5 / 11, 4))


def test_report_files_html_csv_xlsx_without_names(db, config, seeded, tmp_path):
    with db.transaction() as session:
        seed_forecast(session)
        report = build_report(session, config)
    files = write_report_files(report, tmp_path / "reports")
    html = Path(files["html"]).read_text(encoding="utf-8")
    assert "Rapport des résultats" in html and "Parcours par métier" in html and "Maçon" in html
    assert "data:image/png;base64," in html and "<script" not in html and "http" not in html.split("<body>")[1]
    assert "aucune donnée personnelle" in html
    everything = html + "".join(Path(p).read_text(encoding="utf-8-sig") for k, p in files.items() if k.startswith("csv:"))
    for n in range(1, 11):
        assert f"Nom{n}" not in everything and f"personne{n}@" not in everything
    trades_csv = Path(files["csv:entonnoir-metiers"]).read_text(encoding="utf-8-sig").splitlines()
    assert trades_csv[0].startswith("Métier;Invités;Inscrits;Présents")
    assert trades_csv[1].startswith("Maçon;8;5;4;2;2;2;1")
    book = openpyxl.load_workbook(files["xlsx"])
    assert book.sheetnames == ["Par événement", "Par métier", "Par mois", "Embauches par contrat", "Heures couvertes",
                               "Taux de conversion", "Messagerie", "Entreprises titulaires"]
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            assert not any(isinstance(v, str) and v.startswith("Nom") and v[3:].isdigit() for v in row)
    assert Path(files["png:entonnoir"]).read_bytes()[:4] == b"\x89PNG"
    assert json.loads(Path(files["conversion"]).read_text())["min_observations"] == 30


def test_names_only_when_asked_and_the_report_says_so(db, config, seeded, tmp_path):
    with db.transaction() as session:
        from clauses.storage import Candidate
        session.get(Candidate, seeded["candidates"][1]).last_name = "<b>Durand</b>"
        report = build_report(session, config, include_names=True)
    files = write_report_files(report, tmp_path)
    html = Path(files["html"]).read_text(encoding="utf-8")
    assert "nominatif" in Path(files["html"]).name
    assert html.index("Ce rapport est nominatif") < html.index("Parcours des candidats")
    assert "&lt;b&gt;Durand&lt;/b&gt;" in html and "<b>Durand</b>" not in html  # autoescape
    assert "Prénom7" in html  # hired: listed
    assert "Prénom5" not in html  # only invited: not listed
    assert "option « --with-names »" in html
    for key, path in files.items():
        if key != "html" and not path.endswith(".png"):
            content = Path(path).read_bytes().decode("utf-8-sig", errors="ignore")
            assert "Durand" not in content and "Prénom7" not in content
