"""The chain to a job in the outcome report: the "met an employer" stage, the chains of linked events
(information session → discovery → POEC → recruitment event) with their people per step, the
chain's last steps observed, and the HTML section, on a hand-counted history.

Maçon: information session I (3 March 2026) and discovery D (10 March) recruit for cohort P
(6 April – 19 June), whose people meet employers at recruitment event R (2 July); R3 (February
2027) is still to come and R4 (1 September 2026) is over without any sheet. Peintre (no POEC):
discovery D2 (5 May) → recruitment event R2 (1 June).

    a1  I attended; D interested; P completed, hired (CDI) on P *and* on R (the same hire twice)
    a2  D interested; P completed; invited to R, excused
    a3  D interested; P enrolled (did not finish)
    a4  D invited, absent
    a5  R attended and hired (a ready candidate who did not follow the cohort)
    a6  I invited only
    a7  R3 registered (still to come)
    a8  D interested; P completed; R attended, hired there only
    a9  R4 invited (over, not answered for)
    b1  D2 attended; R2 attended, not hired
    b2  D2 attended; R2 absent
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from clauses.outreach.participation import record_status
from clauses.reporting import build_report, observed_conversion_rates, write_report_files
from clauses.reporting.chain import trade_chains
from clauses.reporting.facts import participation_facts
from clauses.reporting.funnel import by_event, by_trade, hires_by_contract, overall
from clauses.reporting.html import render_html
from clauses.storage import Candidate, Event, Plan
from clauses.storage.reference_sync import sync_reference
from reporting_data import at

NOW = dt.datetime(2026, 12, 5, 9, tzinfo=dt.timezone.utc)
STAGES = ["invited", "registered", "attended", "selected", "poec", "completed", "met_employer", "hired"]


def _event(session, plan, name, kind, trade, start, end=None, status="held", **links):
    event = Event(plan_id=plan.id, kind=kind, trade_key=trade, partner_key="geiq_btp_63", venue_key="geiq_clermont",
                  start=start, end=end or start + dt.timedelta(hours=3), capacity=15, status=status,
                  uid=f"chain-{name}@clauses.example.org", **links)
    session.add(event)
    session.flush()
    return event


def _person(session, name, trade):
    candidate = Candidate(first_name=f"Prénom-{name}", last_name=f"Nom-{name}", email=f"{name}@example.net",
                          commune="Clermont-Ferrand", trades=[trade], consent_date=dt.date(2025, 12, 1))
    session.add(candidate)
    session.flush()
    return candidate


def _path(session, candidate, event, *steps, contract=None):
    for status in steps:
        record_status(session, candidate_id=candidate.id, event_id=event.id, status=status, origin="import",
                      at=event.start, contract_type=contract if status == "hired" else None)


def seed_chain(session, config) -> dict:
    sync_reference(session, config)
    plan = Plan(status="approved")
    session.add(plan)
    session.flush()
    r = _event(session, plan, "r", "recruitment", "macon", at(2026, 7, 2, 9))
    p = _event(session, plan, "p", "poec", "macon", at(2026, 4, 6, 9), at(2026, 6, 19, 17), hiring_event_id=r.id)
    d = _event(session, plan, "d", "discovery", "macon", at(2026, 3, 10, 9), recruits_for_event_id=p.id)
    i = _event(session, plan, "i", "information_session", "macon", at(2026, 3, 3, 9), recruits_for_event_id=p.id)
    r3 = _event(session, plan, "r3", "recruitment", "macon", at(2027, 2, 2, 9), status="scheduled")
    r4 = _event(session, plan, "r4", "recruitment", "macon", at(2026, 9, 1, 9), status="scheduled")
    r2 = _event(session, plan, "r2", "recruitment", "peintre", at(2026, 6, 1, 9))
    d2 = _event(session, plan, "d2", "discovery", "peintre", at(2026, 5, 5, 9), hiring_event_id=r2.id)
    a = {n: _person(session, f"a{n}", "macon") for n in range(1, 10)}
    b = {n: _person(session, f"b{n}", "peintre") for n in range(1, 3)}
    _path(session, a[1], i, "invited", "attended")
    _path(session, a[1], d, "invited", "attended", "interested")
    _path(session, a[1], p, "enrolled", "completed", "hired", contract="CDI")
    _path(session, a[1], r, "invited", "attended", "hired", contract="CDI")
    _path(session, a[2], d, "invited", "attended", "interested")
    _path(session, a[2], p, "enrolled", "completed")
    _path(session, a[2], r, "invited", "excused")
    _path(session, a[3], d, "invited", "attended", "interested")
    _path(session, a[3], p, "enrolled")
    _path(session, a[4], d, "invited", "no_show")
    _path(session, a[5], r, "attended", "hired", contract="CDD 12 mois")
    _path(session, a[6], i, "invited")
    _path(session, a[7], r3, "invited", "registered")
    _path(session, a[8], d, "invited", "attended", "interested")
    _path(session, a[8], p, "enrolled", "completed")
    _path(session, a[8], r, "invited", "attended", "hired", contract="CDI")
    _path(session, a[9], r4, "invited")
    _path(session, b[1], d2, "invited", "attended")
    _path(session, b[1], r2, "invited", "attended")
    _path(session, b[2], d2, "invited", "attended")
    _path(session, b[2], r2, "invited", "no_show")
    return {"events": {e.uid.split("@")[0][6:]: e.id for e in (i, d, p, r, r2, r3, r4, d2)}}


@pytest.fixture
def chain_ids(db, config):
    with db.transaction() as session:
        return seed_chain(session, config)


def _row(table, column, value):
    rows = table[table[column] == value]
    assert len(rows) == 1
    return rows.iloc[0]


def test_met_an_employer_is_a_stage_and_a_hire_after_a_recruitment_event_counts_once(db, config, chain_ids):
    with db.transaction() as session:
        facts = participation_facts(session, config)
    macon = _row(by_trade(facts), "trade_key", "macon")
    # a7 registered for a recruitment event still to come: invited and registered, no more; a4,
    # absent from the discovery, was expected there: registered.
    assert [int(macon[s]) for s in STAGES] == [9, 7, 5, 5, 5, 4, 3, 3]
    recruitment = _row(by_event(facts), "event_id", chain_ids["events"]["r"])
    assert [int(recruitment[s]) for s in STAGES] == [4, 4, 3, 3, 3, 3, 3, 3]  # a2, excused, was expected
    assert int(recruitment["excused"]) == 1
    future = _row(by_event(facts), "event_id", chain_ids["events"]["r3"])
    assert [int(future[s]) for s in STAGES] == [1, 1, 0, 0, 0, 0, 0, 0]
    totals = overall(facts)
    assert (totals["met_employer"], totals["hired"]) == (4, 3)  # b1 met an employer; a1 hired once
    hires = hires_by_contract(facts)
    assert sorted(zip(hires["trade_key"], hires["contract_type"], hires["hired"])) == [
        ("macon", "CDD 12 mois", 1), ("macon", "CDI", 2)]
    with db.transaction() as session:
        report = build_report(session, config, now=NOW)
    assert report.coverage.table.set_index("trade_key").loc["macon", "hires"] == 3


def test_chains_follow_the_stored_links_with_people_at_each_step(db, config, chain_ids):
    ids = chain_ids["events"]
    with db.transaction() as session:
        chains = trade_chains(session, participation_facts(session, config))
    assert len(chains) == 2  # R3 and R4 are linked to nothing: no chain
    macon, peintre = chains
    assert macon.trade_key == "macon"
    assert [e.id for e in macon.events] == [ids["i"], ids["d"], ids["p"], ids["r"]]
    assert {s.stage: s.people for s in macon.steps} == {
        "invited": 6, "attended": 4, "selected": 4, "poec": 4, "completed": 3, "met_employer": 3, "hired": 3}
    assert macon.path() == (
        f"Réunion d'information n° {ids['i']} (mardi 3 mars 2026) → Découverte métiers n° {ids['d']} "
        f"(mardi 10 mars 2026) → POEC n° {ids['p']} (du lundi 6 avril 2026 au vendredi 19 juin 2026) → "
        f"Rencontre de recrutement n° {ids['r']} (jeudi 2 juillet 2026)")
    # A trade without POEC: discovery → recruitment event, no training steps.
    assert [e.id for e in peintre.events] == [ids["d2"], ids["r2"]]
    assert [(s.stage, s.people) for s in peintre.steps] == [
        ("invited", 2), ("attended", 2), ("met_employer", 1), ("hired", 0)]
    assert "lundi 1er juin 2026" in peintre.path()


def test_completers_hired_at_the_recruitment_event_count_for_the_planner_and_the_last_steps_are_observed(
        db, config, chain_ids):
    planning = config.planning
    conversion = planning.conversion.model_copy(update={"min_observations": 2})
    loose = config.model_copy(update={"planning": planning.model_copy(update={"conversion": conversion})})
    with db.transaction() as session:
        rates = observed_conversion_rates(session, loose, now=NOW)
    # P's completers a1, a2, a8: a1 hired on P (and on R, once), a8 hired on R only.
    detail = rates["details"]["completed_to_hired"]
    assert (detail["numerator"], detail["denominator"], detail["events"]) == (2, 3, 1)
    assert rates["completed_to_hired"] == pytest.approx(round(2 / 3, 4))
    chain = rates["chain"]
    # Completers a1, a8 met employers at R; a2 excused. R3 (to come) and R4 (no sheet) are not observations.
    assert (chain["completed_to_met_employer"]["numerator"], chain["completed_to_met_employer"]["denominator"]) == (2, 3)
    assert chain["completed_to_met_employer"]["events"] == 2  # R and R2
    assert (chain["met_employer_to_hired"]["numerator"], chain["met_employer_to_hired"]["denominator"]) == (3, 4)
    assert chain["met_employer_to_hired"]["reason"].startswith(
        "taux observé 75 % (3 embauchés sur 4 ayant rencontré un employeur, 2 rencontres de recrutement tenues")
    assert set(rates["per_kind"]["recruitment"]) == {"invited_to_attended"}
    assert rates["per_kind"]["recruitment"]["invited_to_attended"]["denominator"] == 6  # a1, a2, a5, a8; b1, b2


def test_the_html_report_shows_the_chain_from_discovery_to_hire_in_french_and_escaped(db, config, chain_ids, tmp_path):
    ids = chain_ids["events"]
    trades = [t.model_copy(update={"label": "Maçon <b>gros œuvre</b>"}) if t.key == "macon" else t for t in config.trades]
    config = config.model_copy(update={"trades_file": config.trades_file.model_copy(update={"trades": trades})})
    with db.transaction() as session:
        report = build_report(session, config, now=NOW)
    html = render_html(report).replace("&#39;", "'").replace("\u00a0", " ")
    chain = html[html.index('<h2 id="chaine">'):html.index('<h2 id="embauches-contrats">')]
    assert "La chaîne jusqu'à l'emploi" in chain
    assert "Maçon &lt;b&gt;gros œuvre&lt;/b&gt;" in chain and "<b>gros" not in html
    for text in (f"<strong>Réunion d'information</strong> n° {ids['i']}, mardi 3 mars 2026 (tenue)",
                 f"<strong>POEC</strong> n° {ids['p']}, du lundi 6 avril 2026 au vendredi 19 juin 2026",
                 f"<strong>Rencontre de recrutement</strong> n° {ids['r']}, jeudi 2 juillet 2026",
                 "Ont rencontré un employeur", "Personnes à chaque étape", "Comptés sur"):
        assert text in chain
    assert chain.index("Réunion d'information</strong>") < chain.index("Découverte métiers</strong>") \
        < chain.index("POEC</strong>") < chain.index("Rencontre de recrutement</strong>")
    assert chain.count('src="data:image/png;base64,') == 1  # the chain's chart
    assert "Chaînes jusqu'à l'emploi, par métier" in chain
    assert "Après la formation : rencontres avec les employeurs (observé)" in html
    assert "Prénom-a" not in html and "Nom-a" not in html
    files = write_report_files(report, tmp_path / "reports")
    chains_csv = Path(files["csv:chaines-metiers"]).read_text(encoding="utf-8-sig").splitlines()
    assert chains_csv[0] == ("Métier;Étapes de la chaîne;Invités;Présents;Retenus;En POEC;Formation terminée;"
                             "Ont rencontré un employeur;Embauchés")
    assert chains_csv[1].endswith(";6;4;4;4;3;3;3")
    assert chains_csv[2].endswith(";2;2;;;;1;0")  # the painters' chain has no cohort
    assert Path(files["png:chaine"]).read_bytes()[:4] == b"\x89PNG"
    assert report.summary()["chains"][0]["steps"]["hired"] == 3


def test_no_chain_says_so(db, config):
    from reporting_data import seed

    with db.transaction() as session:
        seed(session, config)
        report = build_report(session, config)
    html = render_html(report).replace("&#39;", "'")
    assert report.chains == []
    assert "Aucune chaîne d'événements liés" in html
    assert isinstance(report.conversion["chain"]["met_employer_to_hired"]["reason"], str)
    assert pd.isna(report.conversion["chain"]["met_employer_to_hired"]["observed"])


def test_the_markdown_summary_gives_the_chain_in_one_line(db, config, chain_ids):
    from flows.report_outcomes import markdown_summary

    with db.transaction() as session:
        report = build_report(session, config, now=NOW)
    text = markdown_summary(report)
    assert "## La chaîne jusqu'à l'emploi : Maçon" in text
    assert ("6 invités → 4 présents → 4 retenus → 4 en POEC → 3 formation terminée → "
            "3 ont rencontré un employeur → 3 embauchés") in text
    assert "Prénom-a" not in text
