"""The employers' invitation job on the sample data: the sample pipeline's fictitious companies, their
contacts as the demo gives them, a recruitment event made by hand (as the planner will), the
command line's French listing and the Prefect artifact (public labels, no address)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from sqlalchemy import select

from clauses.cli import main
from clauses.config.employers import siret_well_formed
from clauses.ingest.company_contacts import import_contacts
from clauses.ingest.pipeline_ingest import ingest_pipeline_file
from clauses.sample import write_pipeline
from clauses.sample.pipeline import SAMPLE_COMPANIES, employer_contacts_rows, write_employer_contacts
from clauses.storage import Message
from tests import employers_data as emp
from tests import outreach_data as data

pytestmark = pytest.mark.usefixtures("prefect_harness")


def latest_artifact(key: str) -> str:
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])), limit=1,
                                          sort="CREATED_DESC")
    return artifacts[0].data


def test_sample_companies_are_fictitious_and_well_formed():
    companies = [c for group in SAMPLE_COMPANIES.values() for c in group]
    assert all(siret_well_formed(siret) and siret.startswith("999") for _, siret in companies)
    assert all(row[2].endswith("@example.org") for row in employer_contacts_rows())


def test_employer_job_lists_invited_waiting_and_why_on_the_sample(db, config, tmp_path, capsys):
    ingest_pipeline_file(db, write_pipeline(tmp_path), config)
    with db.transaction() as s:
        assert import_contacts(s, config, write_employer_contacts(tmp_path)).created == len(employer_contacts_rows())
        plan = data.reference(s, config)
        start = dt.datetime(2027, 1, 12, 9, 0, tzinfo=data.PARIS)
        vrd = emp.recruitment(s, plan, start=start, trade="macon_vrd", employer_capacity=2).id
        emp.recruitment(s, plan, start=start, trade="coffreur", employer_capacity=2)  # Béton Fictif: no address
    outbox = tmp_path / "outbox"
    assert main(["entreprises", "inviter", "--outbox", str(outbox)]) == 0
    out = capsys.readouterr().out
    assert f"Rencontre de recrutement n° {vrd} (Maçon VRD, mardi 12 janvier 2027, 9 h 00) : 2 entreprises invitées sur 2 places employeurs" in out
    assert "  - Voirie Imaginaire 63 SAS (titulaire, " in out
    assert "  - Bâtisseurs Fictifs du Puy SARL (membre du GEIQ) : en attente : les places employeurs sont prises" in out
    assert ("  - Béton Fictif Clermont SARL (titulaire, " in out
            and "h dues) : pas d'adresse de contact (clauses entreprises contacts FICHIER)" in out)
    assert "@" not in out
    artifact = latest_artifact("send-employer-invitations")
    assert "Voirie Imaginaire 63 SAS" in artifact and "@" not in artifact.replace("facilitateurs@", "")
    with db.transaction() as s:
        sent = s.scalars(select(Message.public_id).where(Message.event_id == vrd, Message.state == "sent")).all()
    assert len(sent) == 2
    message = email.message_from_bytes((outbox / f"{sent[0]}.eml").read_bytes(), policy=email.policy.default)
    assert message["Subject"].startswith("Invitation : rencontre de recrutement pour le métier de maçon VRD")
    # A second run sends nothing again.
    assert main(["entreprises", "inviter", "--outbox", str(outbox), "--json"]) == 0
    assert '"sent": 0' in capsys.readouterr().out
