"""The ingestion flows on a real Prefect test server, and the command line around them."""

from __future__ import annotations

import json

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from sqlalchemy import func, select

from clauses.cli import main
from clauses.errors import InputError
from clauses.sample import write_candidates, write_pipeline
from clauses.storage import Candidate, Lot
from flows.import_candidates import import_candidates
from flows.ingest_pipeline import ingest_pipeline

pytestmark = pytest.mark.usefixtures("prefect_harness")


def latest_artifact(key: str) -> str:
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])), limit=1, sort="CREATED_DESC")
    return artifacts[0].data


def test_sample_pipeline_through_the_flow_twice(db, tmp_path):
    path = write_pipeline(tmp_path)
    [first] = ingest_pipeline(path=str(path))
    assert first["created"] > 100 and first["rejected"] == 0
    [second] = ingest_pipeline(path=str(tmp_path))  # a drop folder works too
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, first["created"])
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Lot)) == first["created"]
    assert f"| 0 | 0 | {first['created']} | 0 |" in latest_artifact("pipeline-ingestion")


def test_refused_file_fails_the_flow_and_says_why(db, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("Identifiant lot;Opération;Métier;Montant HT;Date de début;Durée (mois);Statut\nL1;Op;Soudeur;10;01/01/2027;2;prévu\n", encoding="utf-8")
    with pytest.raises(InputError, match="métier inconnu « Soudeur »"):
        ingest_pipeline(path=str(bad))
    assert "Soudeur" in latest_artifact("pipeline-ingestion")


def test_candidate_artifact_has_counts_and_no_personal_data(db, tmp_path):
    path = write_candidates(tmp_path, count=40)
    result = import_candidates(path=str(path))
    assert result["created"] == 40
    artifact = latest_artifact("candidate-import")
    assert "| 40 |" in artifact
    with db.transaction() as session:
        people = session.scalars(select(Candidate)).all()
    for person in people:
        assert person.email not in artifact and person.last_name not in artifact


def test_command_line_json_summary_and_exit_codes(db, tmp_path, capsys):
    path = write_pipeline(tmp_path)
    assert main(["ingest", "pipeline", str(path), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["ok"] is True and summary["files"][0]["created"] > 100

    bad = tmp_path / "bad.csv"
    bad.write_text("Métier;Statut\nmaçon;prévu\n", encoding="utf-8")
    assert main(["ingest", "pipeline", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.csv, ligne 1, colonne « Identifiant lot » : colonne obligatoire absente" in err
    assert "il faut « Date de fin » ou « Durée (mois) »" in err  # French, never « or », never a key

    assert main(["ingest", "candidates", str(write_candidates(tmp_path, count=10))]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Candidats importés") and "10 créés, 1 mis à jour, 0 inchangé, 0 refusé" in out


def test_every_subcommand_has_help(capsys):
    from clauses.cli import build_parser

    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    assert {"ingest", "demo"} <= set(commands)
    for name in commands:
        with pytest.raises(SystemExit) as exit_:
            main([name, "--help"])
        assert exit_.value.code == 0
    assert "utilisation : clauses" in capsys.readouterr().out
