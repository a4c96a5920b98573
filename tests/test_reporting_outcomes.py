"""Hours covered against the forecast need, conversion rates for the planner, and the report files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from clauses.reporting import build_report, observed_conversion_rates, read_conversion_rates, write_report_files
from clauses.config.planning import PlausibleRange
from clauses.outreach.participation import record_status
from clauses.reporting.conversion import planner_rates, wilson_interval, write_conversion_rates
from clauses.storage import Candidate, Event, Plan
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


def test_hours_covered_are_listed_from_the_largest_need(db, config, seeded):
    # They were listed by trade key: « Canalisateur » before « Maçon », whose need was four times larger.
    with db.transaction() as session:
        seed_forecast(session, macon_hours=1000, peintre_hours=2000)
        report = build_report(session, config)
    needs = report.coverage.table["need_hours_p50"].tolist()
    assert report.coverage.table["trade_key"].tolist()[:2] == ["peintre", "macon"]
    assert needs == sorted(needs, reverse=True)


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
        many = observed_conversion_rates(session, _config_with_min_observations(config, 2))
    assert few["invited_to_attended"] == configured.invited_to_attended
    assert few["details"]["invited_to_attended"]["source"] == "configuration"
    assert few["details"]["invited_to_attended"]["observed"] == round(5 / 11, 4)
    assert "trop peu d'observations" in few["details"]["invited_to_attended"]["reason"]
    # Discoveries, per trade summed: invited 8 + 3, attended 4 + 1, selected 2 + 1.
    assert many["invited_to_attended"] == pytest.approx(round(5 / 11, 4))
    assert many["attended_to_selected"] == pytest.approx(0.6)
    # The maçon cohort: 2 entered, 2 completed, 1 hired (c7's hire after a discovery is not a cohort's).
    assert many["selected_to_completed"] == pytest.approx(1.0)
    assert many["completed_to_hired"] == pytest.approx(0.5)
    low, high = wilson_interval(1, 2)
    assert many["details"]["completed_to_hired"] | {"rate": None, "reason": None} == {
        "rate": None, "source": "observed", "observed": 0.5, "numerator": 1, "denominator": 2,
        "confidence_low": round(low, 4), "confidence_high": round(high, 4), "events": 1, "event_kind": "poec",
        "configured": configured.completed_to_hired, "plausible": [0.2, 1.0], "reason": None}
    assert many["details"]["completed_to_hired"]["reason"].startswith("taux observé 50 % retenu (1 embauché sur "
                                                                      "2 ayant terminé la formation, 1 cohorte POEC tenue")
    assert set(many["per_kind"]) == {"discovery", "poec"}
    assert many["per_kind"]["discovery"]["invited_to_attended"]["denominator"] == 11
    # No painters' cohort: their per-trade POEC rates are the configured ones.
    assert many["per_trade"]["peintre"]["completed_to_hired"]["source"] == "configuration"


def test_wilson_interval():
    low, high = wilson_interval(29, 58)
    assert (low, high) == (pytest.approx(0.3754, abs=1e-4), pytest.approx(0.6246, abs=1e-4))
    assert wilson_interval(0, 10)[0] == pytest.approx(0.0, abs=1e-12) and wilson_interval(10, 10)[1] == pytest.approx(1.0)
    assert wilson_interval(0, 0) is None


def _invite_to_a_discovery(session, config, start, people, status="scheduled"):
    """A macon discovery at ``start`` with ``people`` new candidates invited (nobody answered)."""
    plan = Plan(status="approved")
    session.add(plan)
    session.flush()
    event = Event(plan_id=plan.id, kind="discovery", trade_key="macon", partner_key="geiq_btp_63",
                  venue_key="geiq_clermont", start=start, end=start + dt.timedelta(hours=3), capacity=15,
                  status=status, uid=f"numbers-{start.isoformat()}@example.org")
    session.add(event)
    session.flush()
    for n in range(people):
        candidate = Candidate(first_name="P", last_name=f"N{n}", email=f"p{start.day}-{n}@example.net",
                              commune="Clermont-Ferrand", trades=["macon"], consent_date=dt.date(2025, 12, 1))
        session.add(candidate)
        session.flush()
        record_status(session, candidate_id=candidate.id, event_id=event.id, status="invited", origin="import",
                      at=start - dt.timedelta(days=10))
    return event


def test_rates_count_only_events_held_and_answered_for(db, config, seeded):
    """Invitations to events still to come (or over but not answered for) are not observations."""
    now = dt.datetime(2026, 12, 5, 9, tzinfo=dt.timezone.utc)
    with db.transaction() as session:
        _invite_to_a_discovery(session, config, now + dt.timedelta(days=10), 40)
        _invite_to_a_discovery(session, config, now - dt.timedelta(days=3), 20)  # over, no sheet yet
        rates = observed_conversion_rates(session, _config_with_min_observations(config, 2), now=now)
    assert rates["details"]["invited_to_attended"]["denominator"] == 11
    assert rates["invited_to_attended"] == pytest.approx(round(5 / 11, 4))
    assert rates["details"]["invited_to_attended"]["events"] == 2
    assert len(rates["held_events"]) == 3


def test_an_implausible_observed_rate_is_refused_and_the_planner_says_why(db, config, seeded):
    base = _config_with_min_observations(config, 2)
    conversion = base.planning.conversion.model_copy(update={"plausible": {
        **base.planning.conversion.plausible,
        "invited_to_attended": PlausibleRange(low=0.5, high=0.9),
    }})
    strict = base.model_copy(update={"planning": base.planning.model_copy(update={"conversion": conversion})})
    with db.transaction() as session:
        rates = observed_conversion_rates(session, strict)
        planner = planner_rates(session, strict)
    detail = rates["details"]["invited_to_attended"]
    assert detail["source"] == "configuration" and detail["observed"] == round(5 / 11, 4)
    assert rates["invited_to_attended"] == config.planning.conversion.invited_to_attended
    assert "taux observé 45 % refusé (5 présents sur 11 invités, 2 découvertes métiers tenues) : hors de la " \
        "plage plausible 50 % – 90 % ; taux configuré 40 % retenu" in detail["reason"]
    assert planner.invited_to_attended == config.planning.conversion.invited_to_attended
    assert planner.attended_to_selected == pytest.approx(0.6)
    assert any(r.startswith("Invités → présents : taux observé 45 % refusé") for r in planner.reasons)


def test_plausible_ranges_are_checked_in_the_configuration(config):
    from clauses.config.planning import ConversionRates

    values = config.planning.conversion.model_dump()
    with pytest.raises(ValueError, match="unknown rate"):
        ConversionRates.model_validate({**values, "plausible": {"invited_to_present": {"low": 0.1, "high": 0.5}}})
    with pytest.raises(ValueError, match="high must be above low"):
        ConversionRates.model_validate({**values, "plausible": {"invited_to_attended": {"low": 0.6, "high": 0.5}}})


def test_planner_reads_the_rates_written_by_the_report(db, config, seeded, tmp_path):
    path = tmp_path / "conversion_rates.json"
    assert read_conversion_rates(config, path)["invited_to_attended"] == config.planning.conversion.invited_to_attended
    with db.transaction() as session:
        rates = observed_conversion_rates(session, _config_with_min_observations(config, 2))
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
    assert trades_csv[0].startswith("Métier;Invités;Inscrits;Présents;Retenus;En POEC;Formation terminée;"
                                    "Ont rencontré un employeur;Embauchés;")
    assert trades_csv[1].startswith("Maçon;8;5;4;2;2;2;1;1;")  # the hire counts as having met an employer
    book = openpyxl.load_workbook(files["xlsx"])
    assert book.sheetnames == ["Par événement", "Par métier", "Par mois", "Chaînes par métier", "Embauches par contrat",
                               "Heures couvertes", "Taux de conversion", "Rencontres employeurs", "Messagerie",
                               "Réponses", "Entreprises titulaires"]
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            assert not any(isinstance(v, str) and v.startswith("Nom") and v[3:].isdigit() for v in row)
    # Shares are shown as percentages (a coordinator read 0.3754), counts as they are.
    rates = book["Taux de conversion"]
    headers = [c.value for c in rates[1]]
    observed = rates.cell(2, headers.index("Taux observé") + 1)
    assert isinstance(observed.value, (int, float)) and observed.number_format == "0.0 %"
    assert rates.cell(2, headers.index("Personnes (numérateur)") + 1).number_format == "General"
    assert Path(files["png:entonnoir"]).read_bytes()[:4] == b"\x89PNG"
    assert json.loads(Path(files["conversion"]).read_text())["min_observations"] == 30


def test_the_answers_count_invitations_and_say_so_beside_people_counted_once(db, config, seeded, tmp_path):
    """People invited to several events count once in the funnel, once per invitation in the answers.
    The headline and the answers table name what they count (the headline said « 22 inscrits » over
    a funnel chart of 53 « Inscrits »)."""
    with db.transaction() as session:
        report = build_report(session, config)
    files = write_report_files(report, tmp_path)
    html = Path(files["html"]).read_text(encoding="utf-8").replace("\u00a0", " ")
    replies = Path(files["csv:reponses-candidats"]).read_text(encoding="utf-8-sig").splitlines()
    assert replies[0] == "Invitations;Nombre;Part des réponses"
    assert replies[1].startswith("Toutes les invitations;")
    assert (int(replies[1].split(";")[1]), report.totals["invited"]) == (13, 10)  # invitations, people
    assert "</strong>réponses aux invitations</div>" in html and "</strong>inscriptions en cours</div>" in html
    assert "</strong>inscrits</div>" not in html and "</strong>ont répondu</div>" not in html
    assert "Comptées par invitation (une personne à un événement)" in html


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
    assert "option «\u00a0--with-names\u00a0»" in html  # no-break spaces inside guillemets
    for key, path in files.items():
        if key != "html" and not path.endswith(".png"):
            content = Path(path).read_bytes().decode("utf-8-sig", errors="ignore")
            assert "Durand" not in content and "Prénom7" not in content


def test_events_to_come_have_their_own_short_table_and_files_are_named_in_paris_time(db, config, seeded, tmp_path):
    """One table of 19 columns scrolled sideways on a laptop, while an event still to come can only
    have invited and registered people: those events get a table of their own in the HTML report.
    The files' names give the time of « Édité le … » (Paris), not UTC."""
    import re

    from reporting_data import _event, _path, at

    with db.transaction() as session:
        plan = session.query(Plan).first()
        coming = _event(session, plan, 4, "discovery", "peintre", at(2026, 9, 1, 9))
        coming.status = "scheduled"
        _path(session, session.get(Candidate, seeded["candidates"][10]), coming, [("invited", at(2026, 7, 20))])
        session.flush()
        report = build_report(session, config, now=at(2026, 8, 1, 10))
    files = write_report_files(report, tmp_path)
    assert Path(files["html"]).name == "rapport-resultats-20260801-100000.html"  # 10 h 00 in Paris, 8 h 00 UTC
    html = Path(files["html"]).read_text(encoding="utf-8").replace("\u00a0", " ")

    def section(stem: str) -> str:
        return re.search(rf'<h2 id="{stem}">.*?(?=<h2 )', html, re.S).group()

    def event_ids(section: str) -> list[int]:  # each row's first cell: the number, or the event named in full
        return [int(n) for n in re.findall(r'<tr><td class="(?:num">|text">[^<]* n° )(\d+)', section)]

    to_come, past = section("evenements-a-venir"), section("entonnoir-evenements")
    assert "<th>Invités</th>" in to_come and "<th>Présents</th>" not in to_come and "prévu" in to_come
    assert event_ids(to_come) == [coming.id]
    assert sorted(event_ids(past)) == sorted(seeded["events"].values()) and "<th>Présents</th>" in past
    every_event = Path(files["csv:entonnoir-evenements"]).read_text(encoding="utf-8-sig").splitlines()
    assert len(every_event) == 1 + 4  # the export keeps one table of every event


def test_events_held_or_cancelled_are_named_in_one_cell_with_their_day_and_status(db, config, seeded, tmp_path):
    """The table of past events had 19 columns and scrolled sideways on a laptop, hiding the hires:
    an event is named in one cell (type and number, trade, day), its status said only when it was
    not held; the export keeps one column each."""
    import re

    from reporting_data import at

    with db.transaction() as session:
        cancelled = session.get(Event, seeded["events"]["p1"])
        cancelled.status = "cancelled"
        session.flush()
        report = build_report(session, config, now=at(2026, 8, 1, 10))
    files = write_report_files(report, tmp_path)
    html = Path(files["html"]).read_text(encoding="utf-8").replace("\u00a0", " ")
    past = re.search(r'<h2 id="entonnoir-evenements">.*?(?=<h2 )', html, re.S).group()
    assert "<th>Événement</th>" in past and "<th>Type</th>" not in past and "<th>Statut</th>" not in past
    cells = dict(re.findall(r'<tr><td class="text">([^<]* n° (\d+)<br>.*?)</td>', past))
    cells = {int(number): cell.split("<br>") for cell, number in cells.items()}
    assert cells.keys() == set(seeded["events"].values())
    lines = cells[cancelled.id]
    assert lines[0] == f"POEC n° {cancelled.id}" and lines[-1] == "Statut : annulé"
    assert re.fullmatch(r"\w+ \d+(er)? \w+ \d{4}", lines[2])  # its day, without the hour
    held = [lines for number, lines in cells.items() if number != cancelled.id]
    assert held and all(len(lines) == 3 for lines in held)  # a held event's status goes without saying
    export = Path(files["csv:entonnoir-evenements"]).read_text(encoding="utf-8-sig").splitlines()
    assert export[0].startswith("N° événement;Type;Métier;Date;Heure;Statut;Places")


def test_report_exports_hold_days_a_spreadsheet_sorts_and_the_page_says_them_in_words(db, config, seeded, tmp_path):
    """The workbook held « mardi 12 mai 2026, 9 h 00 » as text: sorted by date, April came before
    March. Exports now hold days (03/01/2027, a date in the workbook) and the hour beside; the HTML
    report still says them in words."""
    import re

    from reporting_data import at

    with db.transaction() as session:
        report = build_report(session, config, now=at(2026, 8, 1, 10))
    files = write_report_files(report, tmp_path)
    rows = [line.split(";") for line in Path(files["csv:entonnoir-evenements"]).read_text(encoding="utf-8-sig").splitlines()]
    date, hour = rows[0].index("Date"), rows[0].index("Heure")
    assert all(re.fullmatch(r"\d\d/\d\d/20\d\d", row[date]) and re.fullmatch(r"\d{1,2} h \d\d", row[hour]) for row in rows[1:])
    book = openpyxl.load_workbook(files["xlsx"])
    events = book["Par événement"]
    headers = [c.value for c in events[1]]
    days = [events.cell(r, headers.index("Date") + 1) for r in range(2, events.max_row + 1)]
    assert days and all(isinstance(c.value, dt.datetime) and c.number_format == "DD/MM/YYYY" for c in days)
    assert [c.value.strftime("%d/%m/%Y") for c in days] == [row[date] for row in rows[1:]]
    html = Path(files["html"]).read_text(encoding="utf-8").replace("\u00a0", " ")
    to_come = re.search(r'<h2 id="evenements-a-venir">.*?(?=<h2 )', html, re.S).group()
    assert "<th>Heure</th>" not in to_come
