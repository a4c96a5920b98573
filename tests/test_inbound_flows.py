"""The two inbound flows on the session's Prefect test server, and their artifacts."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from clauses.errors import InputError
from clauses.inbound import email_events as ee
from clauses.storage import Candidate, EmailEvent, Participation
from inbound_helpers import Signer, seed, sg_event

pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.prefect]


def latest_artifact(key: str) -> str:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort

    with get_client(sync_client=True) as client:
        [artifact] = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])), sort=ArtifactSort.CREATED_DESC, limit=1
        )
    return artifact.data


def test_ingest_email_events_flow_drains_the_spool(db, config, monkeypatch):
    from flows.ingest_email_events import ingest_email_events

    signer = Signer()
    monkeypatch.setenv("SENDGRID_WEBHOOK_PUBLIC_KEY", signer.public_key_b64)
    with db.transaction() as session:
        ids = seed(session, config)
    spool = ee.spool_dir()
    ee.write_envelope(spool, signer.envelope([sg_event("bounce", "e1", message="m-alice"),
                                              sg_event("spamreport", "e2", email="chloe@example.org")]))
    ee.write_envelope(spool, signer.envelope([sg_event("processed", "e3", message="m-alice")]))
    summary = ingest_email_events()
    assert (summary["files"], summary["accepted_files"], summary["stored"]) == (2, 2, 3)
    assert summary["effects"] == {"email_bounced": 1, "opted_out": 1, "stored": 1}
    assert summary["messages_reconciled"] == 1
    assert ee.spooled_files(spool) == []
    with db.transaction() as session:
        assert session.get(Candidate, ids["alice"]).email_status == "bounced"
        assert session.get(Candidate, ids["chloe"]).opted_out
    markdown = latest_artifact("email-events")
    assert "désinscription | 1" in markdown and "example.org" not in markdown

    # A forged batch: the run fails after storing the good one, and the forged one is parked.
    forged = signer.envelope([sg_event("unsubscribe", "e4", message="m-bruno")])
    forged["body"] = forged["body"].replace("m-bruno", "m-alice")
    ee.write_envelope(spool, forged)
    ee.write_envelope(spool, signer.envelope([sg_event("open", "e5", message="m-bruno")]))
    with pytest.raises(InputError, match="falsifié ou modifié"):
        ingest_email_events()
    assert [p.parent.name for p in spool.rglob("*.json")] == ["rejected"]
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(EmailEvent)) == 4
        assert not session.get(Candidate, ids["alice"]).opted_out


def test_record_attendance_flow(db, config, tmp_path):
    from flows.record_attendance import record_attendance

    with db.transaction() as session:
        ids = seed(session, config)
    sheet = tmp_path / "presences.csv"
    sheet.write_text(
        "Événement;Courriel;Statut\n"
        f"{ids['event']};alice@example.org;présent\n"
        f"{ids['event']};bruno@example.org;absent\n",
        encoding="utf-8",
    )
    out = record_attendance(path=str(sheet))
    assert (out["created"], out["rejected"], out["statuses"]) == (2, 0, {"attended": 1, "no_show": 1})
    markdown = latest_artifact("attendance")
    assert "présents | 1" in markdown and "example.org" not in markdown

    bad = tmp_path / "mauvais.csv"
    bad.write_text(f"Événement;Courriel;Statut\n{ids['event']};chloe@example.org;peut-être\n", encoding="utf-8")
    with pytest.raises(InputError):
        record_attendance(path=str(bad))
    refused = latest_artifact("attendance")
    assert "fichier refusé" in refused and "| 2 | Statut |" in refused and "example.org" not in refused
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Participation)) == 2
    assert json.dumps(out).count("example.org") == 0


def test_cli_attendance_and_events(db, config, tmp_path, capsys, monkeypatch):
    from clauses.cli import main

    signer = Signer()
    monkeypatch.setenv("SENDGRID_WEBHOOK_PUBLIC_KEY", signer.public_key_b64)
    with db.transaction() as session:
        ids = seed(session, config)
    sheet = tmp_path / "inscriptions.csv"
    sheet.write_text(f"Événement;Identifiant candidat\n{ids['event_uid']};{ids['alice']}\n", encoding="utf-8")
    assert main(["attendance", str(sheet), "--status", "inscrit", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["ok"], data["created"], data["statuses"]) == (True, 1, {"registered": 1})

    assert main(["attendance", str(sheet), "--json"]) == 2  # no status column and no --status
    data = json.loads(capsys.readouterr().out)
    problem = data["problems"][0]
    assert data["ok"] is False and problem["column"] == "Statut"  # as written in a sheet, never a key
    assert "--status inscrit" in problem["reason"]  # what to do about a registration list

    batch = signer.write(tmp_path / "batch.json", [sg_event("unsubscribe", "e1", message="m-alice")])
    assert main(["events", str(batch), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["stored"], data["effects"]) == (1, {"opted_out": 1})
    assert batch.exists()  # a file named by a person is left in place
    with db.transaction() as session:
        assert session.get(Candidate, ids["alice"]).opted_out
