"""The report and retention flows on a real Prefect test server, through the command line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from sqlalchemy import select

from clauses.cli import main
from clauses.reporting import read_conversion_rates
from clauses.storage import Candidate, RetentionRun
from clauses.storage.base import utcnow
from reporting_data import seed, seed_forecast

pytestmark = pytest.mark.usefixtures("prefect_harness")


def latest_artifact(key: str) -> str:
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])), limit=1, sort="CREATED_DESC"
        )
    data = artifacts[0].data
    if isinstance(data, str) and data.startswith("["):  # a table artifact: JSON text
        data = json.dumps(json.loads(data), ensure_ascii=False)
    return str(data)


def _no_personal_data(text: str) -> None:
    for n in range(1, 11):
        assert f"Nom{n}" not in text and f"Prénom{n}" not in text and f"personne{n}@" not in text


def test_report_command_writes_files_and_artifacts_without_names(db, config, capsys):
    with db.transaction() as session:
        seed(session, config)
        seed_forecast(session)
    assert main(["report", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["totals"]["hired"] == 2 and out["include_names"] is False
    html = Path(out["files"]["html"])
    assert html.exists() and html.parent.name == "reports" and "nominatif" not in html.name
    assert read_conversion_rates(config, Path(out["files"]["conversion"]))["invited_to_attended"] == pytest.approx(0.40)
    summary, by_trade = latest_artifact("outcomes-summary"), latest_artifact("outcomes-by-trade")
    assert "Invités" in summary and "Aucune donnée personnelle" in summary
    assert "Maçon" in by_trade
    _no_personal_data(summary + by_trade + json.dumps(out))

    assert main(["report", "--with-names"]) == 0
    text = capsys.readouterr().out
    assert "le rapport HTML donne des noms" in text
    # Each rate says what it rests on: the held events' counts, not the invitations counted above.
    rates = text.split("taux de conversion pour la prochaine planification :\n", 1)[1].splitlines()[:4]
    assert [line.split(" : ", 1)[0].strip() for line in rates] == [
        "Invités → présents", "Présents → retenus", "Entrés en POEC → formation terminée", "Formation terminée → embauchés"]
    assert all(re.search(r" : taux (observé|configuré) \d+ % (retenu|refusé)", line) for line in rates), rates
    assert all(re.search(r"\(\d+ .+ sur \d+ .+ tenues? ;", line) for line in rates), rates
    assert "Rapport HTML nominatif" in latest_artifact("outcomes-summary")
    _no_personal_data(text + latest_artifact("outcomes-summary") + latest_artifact("outcomes-by-trade"))


def test_retention_command_dry_run_then_for_real(db, config, capsys):
    with db.transaction() as session:
        ids = seed(session, config)  # every activity in 2026: with 1 month of retention, all inactive…
        session.get(Candidate, ids["candidates"][7]).last_activity_at = utcnow()  # … but c7, active today
    assert main(["retention", "--months", "1", "--dry-run", "--json"]) == 0
    dry = json.loads(capsys.readouterr().out)
    assert dry["dry_run"] and dry["candidates_anonymised"] == 9
    assert "simulation" in latest_artifact("retention-run")
    with db.transaction() as session:
        assert session.scalar(select(Candidate.last_name).where(Candidate.id == 1)) == "Nom1"
    assert main(["retention", "--months", "1", "--mode", "delete"]) == 0
    text = capsys.readouterr().out
    assert "Candidats supprimés : 9" in text
    artifact = latest_artifact("retention-run")
    assert "Candidats supprimés | 9" in artifact
    _no_personal_data(text + artifact)
    with db.transaction() as session:
        assert session.scalars(select(Candidate.last_name)).all() == ["Nom7"]
    with db.transaction() as session:
        runs = session.scalars(select(RetentionRun).order_by(RetentionRun.id)).all()
        assert [(r.dry_run, r.mode) for r in runs] == [(True, "anonymise"), (False, "delete")]
    assert main(["retention", "--months", "0"]) == 2
