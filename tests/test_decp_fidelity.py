"""DECP as it really is: modifications, re-publications, every shape the schema allows, the tabular
consolidated files, dates, damaged text, amounts, awardees, and the messages that name DECP fields.

Records are built from the official schema 2.0.3 (``../shared/data/decp/schema_decp_v2.0.3.json``)
and the documented tabular shape (decp-table-schema: one row per contract and awardee)."""

from __future__ import annotations

import ast
import csv
import datetime as dt
import json
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from sqlalchemy import select

from clauses.errors import InputError
from clauses.ingest.awardees import person_like, public_label, sheet_awardees
from clauses.ingest.pipeline_ingest import ingest_pipeline_file, read_pipeline
from clauses.readers.decp import paris_date, read_decp_json
from clauses.storage import Company, Lot, LotCompany

BUYER = "20006960900015"
SIRET_A, SIRET_B = "12345678900023", "98765432100017"


def record(**overrides):
    base = {
        "id": "2026-0042",
        "acheteur": {"id": BUYER},
        "nature": "Marché",
        "objet": "Groupe scolaire – lot 3 : étanchéité",
        "codeCPV": "45261420-4",
        "lieuExecution": {"code": "63000", "typeCode": "Code postal"},
        "dureeMois": 18,
        "dateNotification": "2026-03-15",
        "datePublicationDonnees": "2026-03-20",
        "montant": 1250000,
        "titulaires": [{"titulaire": {"typeIdentifiant": "SIRET", "id": SIRET_A}}],
        "considerationsSociales": {"considerationSociale": ["Clause sociale"]},
    }
    base.update(overrides)
    return base


def write_json(tmp_path, data, name="decp.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def lots_of(db) -> dict[str, Lot]:
    with db.transaction() as session:
        lots = {lot.external_id: lot for lot in session.scalars(select(Lot))}
        session.expunge_all()
    return lots


def awardees_of(db) -> dict[str, set[str]]:
    with db.transaction() as session:
        rows = session.execute(
            select(Lot.external_id, Company.identifier).join(LotCompany, LotCompany.lot_id == Lot.id).join(Company, Company.id == LotCompany.company_id)
        ).all()
    out: dict[str, set[str]] = {}
    for lot, company in rows:
        out.setdefault(lot, set()).add(company)
    return out


# --- Modifications -----------------------------------------------------------------------------


def test_latest_2x_modification_sets_amount_duration_and_awardees(db, config, tmp_path):
    modified = record(modifications=[
        {"modification": {"id": 1, "dateNotificationModification": "2026-06-01", "datePublicationDonneesModification": "2026-06-03",
                          "montant": 1300000, "dureeMois": 20}},
        {"modification": {"id": 2, "dateNotificationModification": "2026-09-01", "datePublicationDonneesModification": "2026-09-03",
                          "montant": 1410000, "dureeMois": 22,
                          "titulaires": [{"titulaire": {"typeIdentifiant": "SIRET", "id": SIRET_B}}]}},
    ])
    ingest_pipeline_file(db, write_json(tmp_path, {"marches": {"marche": [modified]}}), config)
    lot = lots_of(db)[f"decp:{BUYER}:2026-0042"]
    assert float(lot.amount_ht) == 1410000
    assert (lot.start.isoformat(), lot.end.isoformat()) == ("2026-03-15", "2028-01-14")  # 22 months
    assert lot.insertion_hours == pytest.approx(1410000 * 0.45 * 0.05 / 30)
    assert awardees_of(db) == {f"decp:{BUYER}:2026-0042": {SIRET_B}}


def test_1x_modifications_apply_in_date_order_and_keep_what_they_do_not_change(config, tmp_path):
    raw = {k: v for k, v in record().items() if k not in ("considerationsSociales", "titulaires")}
    raw["titulaires"] = [{"denominationSociale": "ETANCHE SAS", "id": SIRET_A, "typeIdentifiant": "SIRET"}]
    # Listed out of order; the later one changes the duration only, the earlier the amount.
    raw["modifications"] = [
        {"objetModification": "Avenant 2", "dateNotificationModification": "2026-09-01", "dureeMois": 22, "montant": 0,
         "datePublicationDonneesModification": "2026-09-02"},
        {"objetModification": "Avenant 1", "dateNotificationModification": "2026-06-01", "montant": 1410000,
         "datePublicationDonneesModification": "2026-06-02"},
    ]
    [read] = read_decp_json(write_json(tmp_path, {"marches": [raw]})).records
    assert (read.amount, read.duration, read.modifications) == ("1410000", "22", 2)
    assert [(a.identifier, a.name) for a in read.awardees] == [(SIRET_A, "ETANCHE SAS")]


# --- Re-publications and labels ------------------------------------------------------------------


def test_republications_are_one_contract_and_the_latest_wins(db, config, tmp_path):
    records = [
        record(id="2019A0150004", datePublicationDonnees="2019-03-01", montant=100000),
        record(id="2019A0150005", datePublicationDonnees="2019-05-01", montant=120000),
        # Same buyer and base id, another objet and awardee: another lot of the consultation.
        record(id="2019A0150006", objet="Groupe scolaire – lot 4 : peinture", codeCPV="45442100",
               titulaires=[{"titulaire": {"typeIdentifiant": "SIRET", "id": SIRET_B}}]),
    ]
    result = ingest_pipeline_file(db, write_json(tmp_path, {"marches": {"marche": records}}), config)
    assert result.created == 2
    assert result.skipped == {"publication antérieure du même marché": 1}
    lots = lots_of(db)
    assert float(lots[f"decp:{BUYER}:2019A0150004"].amount_ht) == 120000  # the first id, the latest figures
    assert f"decp:{BUYER}:2019A0150006" in lots


def test_records_are_named_by_buyer_and_id_in_problems_and_rejects(db, config, tmp_path, monkeypatch):
    monkeypatch.setenv("CLAUSES_DATA_DIR", str(tmp_path / "data"))
    other = "21630113500010"
    records = [
        record(id="20191901200", montant=-5),
        record(id="20191901200", acheteur={"id": other}, dureeMois="NC"),
        record(id="ok"),
    ]
    result = ingest_pipeline_file(db, write_json(tmp_path, {"marches": {"marche": records}}), config, skip_invalid=True)
    assert (result.created, result.rejected) == (1, 2)
    reasons = {(p.row, p.column): p.reason for p in result.problems}
    assert set(reasons) == {(f"{BUYER} / 20191901200", "montant"), (f"{other} / 20191901200", "dureeMois")}
    with open(result.rejects_file, encoding="utf-8-sig", newline="") as handle:
        rows = {row["enregistrement"]: row["motifs"] for row in csv.DictReader(handle, delimiter=";")}
    assert "montant négatif" in rows[f"{BUYER} / 20191901200"] and "dureeMois" not in rows[f"{BUYER} / 20191901200"]
    assert "dureeMois" in rows[f"{other} / 20191901200"] and "negative" not in rows[f"{other} / 20191901200"]


def test_one_id_for_every_lot_of_a_consultation_keeps_every_lot(config, tmp_path):
    """A real publisher gives twelve lots one id, each with its own awardee and amount."""
    records = [
        record(id="20181101", montant=34973, titulaires=[{"titulaire": {"typeIdentifiant": "SIRET", "id": SIRET_A}}]),
        record(id="20181101", montant=87203, titulaires=[{"titulaire": {"typeIdentifiant": "SIRET", "id": SIRET_B}}]),
    ]
    validated = read_pipeline(write_json(tmp_path, {"marches": {"marche": records}}), config)
    assert len(validated.lots) == 2 and validated.lots["external_id"].is_unique
    assert validated.skipped == {}


# --- Shapes the schema allows --------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape",
    [
        {"marches": {"marche": record()}},  # marche as a single object (the official Marche.json)
        {"marche": record()},
        [record()],  # a flat list of records
        record(),  # one record alone
    ],
    ids=["marches-marche-object", "marche-object", "flat-list", "one-record"],
)
def test_every_shape_of_the_schema_is_read(config, tmp_path, shape):
    validated = read_pipeline(write_json(tmp_path, shape), config)
    assert validated.ok and len(validated.lots) == 1


def test_buyer_and_place_given_as_strings(config, tmp_path):
    path = write_json(tmp_path, {"marches": {"marche": [record(acheteur=BUYER, lieuExecution="63000")]}})
    validated = read_pipeline(path, config)
    assert validated.ok
    assert validated.lots["external_id"].tolist() == [f"decp:{BUYER}:2026-0042"]
    assert validated.lots["commune"].tolist() == ["Clermont-Ferrand"]


def test_concessions_are_counted_not_dropped(config, tmp_path):
    concession = {"id": "C-1", "autoriteConcedante": {"id": BUYER}, "nature": "Concession de travaux", "objet": "Parking",
                  "codeCPV": "45223300", "lieuExecution": {"code": "63000", "typeCode": "Code postal"},
                  "dureeMois": 240, "dateSignature": "2026-01-10", "valeurGlobale": 3e6,
                  "considerationsSociales": {"considerationSociale": ["Clause sociale"]}}
    path = write_json(tmp_path, {"marches": {"marche": [record()], "contrat-concession": [concession]}})
    validated = read_pipeline(path, config)
    assert len(validated.lots) == 1 and validated.skipped == {"concession": 1}
    as_1x = write_json(tmp_path, {"marches": [{**concession, "_type": "Contrat de concession"}]}, "old.json")
    assert read_pipeline(as_1x, config, assume_clause=True).skipped == {"concession": 1}


def test_the_reader_does_not_reach_up_into_ingestion():
    import clauses.readers.decp as reader
    import clauses.readers.decp_table as table

    for module in (reader, table):
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        assert not any(name and name.startswith("clauses.ingest") for name in imported), module.__name__


# --- The tabular consolidated DECP ---------------------------------------------------------------

TABLE_HEADER = [
    "id", "uid", "acheteur.id", "acheteur.nom", "nature", "objet", "codeCPV", "procedure", "lieuExecution.code",
    "lieuExecution.typeCode", "lieuExecution.nom", "dureeMois", "dateNotification", "datePublicationDonnees", "montant",
    "formePrix", "titulaire.id", "titulaire.typeIdentifiant", "titulaire.denominationSociale", "objetModification",
    "donneesActuelles", "considerationsSociales",
]


def table_rows():
    common = [BUYER, "Ville de Clermont-Ferrand", "Marché", "Réhabilitation école – lot 2 : gros œuvre", "45262522",
              "Procédure adaptée", "63113", "Code commune", "Clermont-Ferrand"]
    # One contract, two awardees (two rows), then modified (duration and amount): two more rows.
    return [
        ["T-1", BUYER + "T-1", *common, "18", "2026-02-01", "2026-02-10", "1250000", "Ferme", SIRET_A, "SIRET", "MACONNERIE DU PUY SARL", "", "non", "Clause sociale"],
        ["T-1", BUYER + "T-1", *common, "18", "2026-02-01", "2026-02-10", "1250000", "Ferme", SIRET_B, "SIRET", "Jean Dupont", "", "non", "Clause sociale"],
        ["T-1", BUYER + "T-1", *common, "22", "2026-02-01", "2026-07-01", "1410000", "Ferme", SIRET_A, "SIRET", "MACONNERIE DU PUY SARL", "Avenant 1", "oui", "Clause sociale"],
        ["T-1", BUYER + "T-1", *common, "22", "2026-02-01", "2026-07-01", "1410000", "Ferme", SIRET_B, "SIRET", "Jean Dupont", "Avenant 1", "oui", "Clause sociale"],
        ["T-2", BUYER + "T-2", *common[:3], "Nettoyage des locaux", "90919200", *common[5:], "12", "2026-02-01", "2026-02-10", "50000", "Ferme", SIRET_A, "SIRET", "X", "", "oui", "Pas de considération sociale"],
    ]


@pytest.mark.parametrize("form", ["csv", "csv-underscores", "parquet"])
def test_tabular_consolidated_decp(db, config, tmp_path, form):
    header = [h.replace(".", "_") for h in TABLE_HEADER] if form == "csv-underscores" else TABLE_HEADER
    frame = pd.DataFrame(table_rows(), columns=header)
    if form == "parquet":
        path = tmp_path / "decp.parquet"
        frame.to_parquet(path)
    else:
        path = tmp_path / "decp.csv"
        frame.to_csv(path, index=False, sep=";" if form == "csv" else ",")
    result = ingest_pipeline_file(db, path, config)
    assert result.created == 1 and result.skipped == {"sans clause sociale": 1}
    lot = lots_of(db)[f"decp:{BUYER}:T-1"]
    assert (float(lot.amount_ht), lot.end.isoformat(), lot.trade_key) == (1410000, "2027-11-30", "macon")
    assert awardees_of(db) == {f"decp:{BUYER}:T-1": {SIRET_A, SIRET_B}}


# --- Dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written,paris",
    [
        ("2024-05-15T23:30:00Z", "2024-05-16"),  # 01:30 in Paris (summer time)
        ("2024-05-15T23:30:00+02:00", "2024-05-15"),
        ("2024-12-31T23:30:00Z", "2025-01-01"),  # winter time: +1 h
        ("2024-05-15T01:00:00-05:00", "2024-05-15"),
        ("2018-11-16+01:00", "2018-11-16"),
        ("2024/05/15", "2024-05-15"),
        ("20240515", "2024-05-15"),
        ("20241345", "20241345"),  # not a date: left for the validator to name
    ],
)
def test_decp_dates_are_paris_dates(written, paris):
    assert paris_date(written) == paris


def test_an_impossible_date_names_the_decp_field(config, tmp_path):
    validated = read_pipeline(write_json(tmp_path, [record(dateNotification="0218-10-29")]), config)
    [problem] = validated.problems
    assert (problem.row, problem.column) == (f"{BUYER} / 2026-0042", "dateNotification")


# --- Text ----------------------------------------------------------------------------------------


def test_oe_ligature_matches_its_keyword(config, tmp_path):
    validated = read_pipeline(write_json(tmp_path, [record(objet="Lot 2 : Gros Œuvre", codeCPV="45000000")]), config)
    assert validated.lots["trade_key"].tolist() == ["macon"]


def test_damaged_text_is_reported_once_flagged_and_the_cpv_decides(db, config, tmp_path):
    records = [
        record(id="m1", objet="Travaux de plomberie et mise en ?uvre de l?étanchéité"),
        record(id="m2", objet="R\ufffdfection de la plomberie"),
        record(id="clean", objet="Travaux de plomberie", codeCPV="45330000"),
    ]
    result = ingest_pipeline_file(db, write_json(tmp_path, [*records]), config)
    damaged = [w for w in result.warnings if "texte abîmé" in w.reason]
    assert len(damaged) == 1 and damaged[0].reason.startswith("2 marchés au texte abîmé")
    lots = lots_of(db)
    for lot_id in ("m1", "m2"):
        lot = lots[f"decp:{BUYER}:{lot_id}"]
        assert lot.text_damaged and lot.trade_key == "etancheur"  # CPV 45261420 alone, not "plomberie"
    assert not lots[f"decp:{BUYER}:clean"].text_damaged


# --- Amounts -------------------------------------------------------------------------------------


def test_zero_amount_is_kept_with_a_warning(config, tmp_path):
    validated = read_pipeline(write_json(tmp_path, [record(montant=0)]), config)
    assert len(validated.lots) == 1 and validated.lots["insertion_hours"].iloc[0] == 0
    [warning] = validated.warnings
    assert "montant de 0 €" in warning and f"{BUYER} / 2026-0042" in warning


@pytest.mark.parametrize("framework", [{"nature": "Accord-cadre"}, {"techniques": {"technique": ["Accord-cadre"]}}])
def test_framework_agreement_keeps_ceiling_and_expected_hours(db, config, tmp_path, framework):
    ingest_pipeline_file(db, write_json(tmp_path, [record(**framework)]), config)
    lot = lots_of(db)[f"decp:{BUYER}:2026-0042"]
    ceiling = 1250000 * 0.45 * 0.05 / 30
    ratio = config.decp.framework_realisation_ratio
    assert lot.framework_ceiling_hours == pytest.approx(ceiling)
    assert lot.insertion_hours == pytest.approx(ceiling * ratio, abs=0.01)
    assert lot.hours_parameters["realisation_ratio"] == ratio


def test_a_changed_realisation_ratio_rewrites_the_lot(db, config, tmp_path):
    path = write_json(tmp_path, [record(nature="Accord-cadre")])
    ingest_pipeline_file(db, path, config)
    other = config.model_copy(update={"decp": config.decp.model_copy(update={"framework_realisation_ratio": 0.8})})
    again = ingest_pipeline_file(db, path, other)
    assert again.updated == 1
    assert any(w.reason.startswith("1 accord-cadre : le montant publié est un plafond ; heures attendues = heures du plafond × 0,8 (source du taux : ")
               for w in again.warnings)
    assert lots_of(db)[f"decp:{BUYER}:2026-0042"].insertion_hours == pytest.approx(1250000 * 0.45 * 0.05 / 30 * 0.8, abs=0.01)


# --- Messages ------------------------------------------------------------------------------------


def test_a_run_that_loads_nothing_says_so(db, config, tmp_path):
    result = ingest_pipeline_file(db, write_json(tmp_path, [record(lieuExecution={"code": "69003", "typeCode": "Code postal"})]), config)
    assert result.created == 0
    assert any("aucun lot chargé : le seul enregistrement du fichier a été écarté ou refusé" in w.reason for w in result.warnings)


def test_not_found_and_bad_shapes_are_input_errors(config, tmp_path):
    with pytest.raises(InputError, match="fichier introuvable"):
        read_pipeline(tmp_path / "absent.json", config)
    with pytest.raises(InputError, match="pas un fichier DECP"):
        read_pipeline(write_json(tmp_path, {"marches": "x"}), config)


# --- Awardees ------------------------------------------------------------------------------------


def test_companies_are_stored_once_and_relinked(db, config, tmp_path):
    first = [record(id="a"), record(id="b")]
    ingest_pipeline_file(db, write_json(tmp_path, first), config)
    changed = [record(id="a"), record(id="b", titulaires=[{"titulaire": {"typeIdentifiant": "SIRET", "id": SIRET_B}}])]
    ingest_pipeline_file(db, write_json(tmp_path, changed, "next.json"), config)
    assert awardees_of(db) == {f"decp:{BUYER}:a": {SIRET_A}, f"decp:{BUYER}:b": {SIRET_B}}
    with db.transaction() as session:
        assert sorted(session.scalars(select(Company.identifier))) == sorted([SIRET_A, SIRET_B])


def test_a_pipeline_csv_may_name_the_company(db, config, tmp_path):
    path = tmp_path / "pipeline.csv"
    path.write_text(
        "Identifiant opération;Opération;Identifiant lot;Lot;Métier;Montant HT;Date de début;Durée (mois);Statut;Entreprise;SIRET\n"
        f"OP1;École;L1;Gros œuvre;macon;500000;01/03/2027;10;attribué;BATI 63 SAS;{SIRET_A}\n"
        "OP1;École;L2;Peinture;peintre;100000;01/03/2027;4;attribué;;\n",
        encoding="utf-8",
    )
    ingest_pipeline_file(db, path, config)
    assert awardees_of(db) == {"L1": {SIRET_A}}
    with db.transaction() as session:
        company = session.scalar(select(Company))
        assert (company.name, company.person_like) == ("BATI 63 SAS", False)



def test_a_company_of_a_rejected_row_is_not_stored_and_siret_spaces_go(db, config, tmp_path):
    """SIRET written as French offices write it (spaces, narrow no-break spaces); the company of a
    row refused with --skip-invalid is not stored."""
    spaced = f"{SIRET_A[:3]} {SIRET_A[3:6]}\u202f{SIRET_A[6:9]}\u00a0{SIRET_A[9:]}"
    path = tmp_path / "pipeline.csv"
    path.write_text(
        "Identifiant opération;Opération;Identifiant lot;Lot;Métier;Montant HT;Date de début;Durée (mois);Statut;Entreprise;SIRET\n"
        f"OP1;École;L1;Gros œuvre;macon;500000;01/03/2027;10;attribué;BATI 63 SAS;{spaced}\n"
        f"OP1;École;L2;Peinture;peintre;pas un montant;01/03/2027;4;attribué;PEINTURE 63 SAS;{SIRET_B}\n",
        encoding="utf-8",
    )
    ingest_pipeline_file(db, path, config, skip_invalid=True)
    assert awardees_of(db) == {"L1": {SIRET_A}}
    with db.transaction() as session:
        assert list(session.scalars(select(Company.name))) == ["BATI 63 SAS"]

def test_sheet_awardees_with_one_of_the_two_columns_and_rows_kept():
    """A file may give the SIRET without the name (or the reverse); the rows of refused lots and
    rows naming no company give no awardee; the frame is indexed from 0 whatever was taken."""
    frame = pd.DataFrame({"lot_id": ["L1", "L2", "L3"], "company_id": [SIRET_A, "", f"{SIRET_B[:3]} {SIRET_B[3:]}"]}, dtype="str")
    every = sheet_awardees(frame, np.ones(3, dtype=bool))
    assert every.to_dict("list") == {"lot_id": ["L1", "L3"], "identifier_type": ["SIRET", "SIRET"],
                                     "identifier": [SIRET_A, SIRET_B], "name": ["", ""]}
    assert list(every.index) == [0, 1]
    named = pd.DataFrame({"lot_id": ["L1", "L2", "L3"], "company": ["BATI 63 SAS", "", "PEINTURE 63 SAS"]}, dtype="str")
    kept = sheet_awardees(named, np.array([False, True, True]))
    assert kept.to_dict("list") == {"lot_id": ["L3"], "identifier_type": ["SIRET"], "identifier": [""], "name": ["PEINTURE 63 SAS"]}
    assert list(kept.index) == [0]


@pytest.mark.parametrize(
    "name,person",
    [("MACONNERIE DU PUY SARL", False), ("OVIVE", False), ("Colin Maudry", True), ("DUPONT Jean", True),
     ("EI Martin", True), ("M. Pierre Durand", True), ("Entreprise Martin Frères", False), (None, False)],
)
def test_person_like_names(name, person):
    assert person_like(name) is person


def test_public_label_never_shows_a_person_like_name():
    assert public_label("SIRET", SIRET_A, "Jean Dupont", True) == f"SIRET {SIRET_A}"
    assert public_label("SIRET", SIRET_A, "BATI 63 SAS", False) == "BATI 63 SAS"
    assert "Dupont" not in public_label("NOM", "jean dupont", "Jean Dupont", True)


# --- The report per company ----------------------------------------------------------------------


def test_report_shows_hours_per_company_without_person_names(db, config, tmp_path):
    from sqlalchemy import update

    from clauses import french
    from clauses.reporting import build_report, write_report_files
    from clauses.reporting.html import render_html
    from clauses.reporting.report import tables

    records = [
        record(id="a", titulaires=[{"denominationSociale": "ETANCHE SAS", "id": SIRET_A, "typeIdentifiant": "SIRET"}]),
        record(id="b", montant=600000, titulaires=[{"denominationSociale": "ETANCHE SAS", "id": SIRET_A, "typeIdentifiant": "SIRET"},
                                                   {"denominationSociale": "Jean Dupont", "id": SIRET_B, "typeIdentifiant": "SIRET"}]),
    ]
    ingest_pipeline_file(db, write_json(tmp_path, records), config)
    with db.transaction() as session:
        session.execute(update(Lot).where(Lot.external_id == f"decp:{BUYER}:a").values(hours_delivered=100.0))
    with db.transaction() as session:
        report = build_report(session, config)
    title, frame = tables(report)["entreprises"]
    rows = {row["Identifiant"]: row for row in frame.to_dict("records")}
    hours = lambda amount: amount * 0.45 * 0.05 / 30  # noqa: E731
    mine = rows[f"SIRET {SIRET_A}"]
    assert mine["Entreprise"] == "ETANCHE SAS" and mine["Lots"] == 2
    assert mine["Heures dues (clause)"] == pytest.approx(hours(1250000) + hours(600000) / 2, abs=0.1)
    assert mine["Heures réalisées"] == 100
    assert rows[f"SIRET {SIRET_B}"]["Entreprise"] == f"SIRET {SIRET_B}"  # a name that may be a person's
    html = render_html(report)
    assert "par entreprise titulaire" in html and "ETANCHE SAS" in html
    assert "Dupont" not in html
    # Days are dates: in words on the page, dates in the workbook (as text, « 6 avril 2026 » sorted
    # before « 3 mars 2026 »).
    first_day = mine["Premier lot débute le"]
    assert type(first_day) is dt.date
    assert f">{french.day_long(first_day)}</td>" in html.replace("\u00a0", " ")
    files = write_report_files(report, tmp_path / "bilan")
    sheet = openpyxl.load_workbook(files["xlsx"])["Entreprises titulaires"]
    headers = [c.value for c in sheet[1]]
    cells = [sheet.cell(r, headers.index("Premier lot débute le") + 1) for r in range(2, sheet.max_row + 1)]
    assert {c.value.date() for c in cells} == {row["Premier lot débute le"] for row in rows.values()}
    assert {c.number_format for c in cells} == {"DD/MM/YYYY"}


def test_a_record_field_is_read_once_and_kept():
    # Fields are read from the raw record when first asked for, then kept (on Python 3.11 by the
    # module's own lock-free cached_property): a second read does not look at the record again.
    from clauses.readers.decp import DecpRecord

    record = DecpRecord({"id": "2024-001", "objet": " Lot 3 : Couverture "}, 1)
    assert (record.id, record.objet) == ("2024-001", "Lot 3 : Couverture")
    record.raw.update(id="changed", objet="changed")
    assert (record.id, record.objet) == ("2024-001", "Lot 3 : Couverture")
    assert type(DecpRecord.__dict__["objet"]).__name__ == "cached_property"
