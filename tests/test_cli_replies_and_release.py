"""``clauses replies`` (take in, list, settle) and ``clauses messages release``, as a coordinator
runs them: French output, exit codes, the database afterwards."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from clauses.cli import main
from clauses.inbound import calendar_replies as cr
from clauses.messages import ledger
from clauses.storage import Message, Participation
from inbound_helpers import seed

SAMPLES = Path(__file__).parent / "data" / "replies"
START = dt.datetime(2027, 3, 1, 8, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def ids(db, config):
    with db.transaction() as session:
        return seed(session, config, start=START)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.usefixtures("prefect_harness")
def test_replies_from_the_drop_folder_then_the_list(db, ids, capsys):
    folder = cr.drop_folder()
    for path in SAMPLES.glob("*.eml"):
        shutil.copy(path, folder / path.name)
    code, out, _ = run(capsys, "replies")
    assert code == 0
    assert "messages : 6 (6 enregistrés, 0 déjà reçus)" in out
    assert "inscription enregistrée : 1" in out and "à examiner : 3" in out
    assert list(folder.glob("*.eml")) == []
    with db.transaction() as session:
        statuses = {c: s for c, s in session.execute(select(Participation.candidate_id, Participation.status))}
    assert statuses == {ids["alice"]: "registered", ids["bruno"]: "declined"}
    from test_inbound_flows import latest_artifact

    markdown = latest_artifact("email-replies")
    assert "à examiner" in markdown and "Alice" not in markdown and "example.org" not in markdown

    code, out, _ = run(capsys, "replies", "list")
    assert code == 0 and out.startswith("Réponses à examiner : 4")  # 3 to review + 1 « peut-être »
    assert "de : Chloé Petit" in out and "participant non invité à cet événement" in out
    assert "événement : découverte métiers (Maçon) du lundi" in out
    assert "| je viendrai mais avec 15 minutes de retard" in out
    code, out, _ = run(capsys, "replies", "list", "--no-tentative", "--json")
    listed = json.loads(out)["replies"]
    assert len(listed) == 3
    first = listed[0]["id"]
    code, out, _ = run(capsys, "replies", "settle", str(first), "999")
    assert code == 0 and f"traitées : {first}" in out and "ignorées (inconnues ou déjà traitées) : 999" in out
    assert "Réponses à examiner : 3" in run(capsys, "replies", "list")[1]
    code, _, err = run(capsys, "replies", "settle", "douze")
    assert code == 2 and "'douze' n'est pas un numéro de réponse" in err


def _sending(db, ids, minutes_ago: int) -> None:
    with db.transaction() as session:
        message = session.get(Message, ids["m_alice"])  # seeded "sending"
        message.sending_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=minutes_ago)


def _state(db, message_id: int) -> str:
    with db.transaction() as session:
        return session.get(Message, message_id).state


def test_messages_release_dry_run_then_release(db, ids, capsys):
    _sending(db, ids, 90)
    code, out, _ = run(capsys, "messages", "release", "--older-than", "60", "--dry-run")
    assert code == 0
    assert out.startswith("Simulation, rien n'a changé : 1 message serait remis à l'envoi (partira au prochain envoi)")
    assert f"n° {ids['m_alice']} — invitation à Alice Martin, événement n° {ids['event']}" in out
    assert _state(db, ids["m_alice"]) == "sending"
    code, out, _ = run(capsys, "messages", "release", "--older-than", "120")
    assert code == 0 and out.startswith("Aucun message changé")
    code, out, _ = run(capsys, "messages", "release", "--older-than", "60")
    assert out.startswith("1 message remis à l'envoi") and _state(db, ids["m_alice"]) == "pending"


def test_messages_release_by_id_mark_sent(db, ids, capsys):
    _sending(db, ids, 5)
    code, out, _ = run(capsys, "messages", "release", "--id", str(ids["m_alice"]), "--id", str(ids["m_bruno"]),
                       "--mark-sent", "--json")
    data = json.loads(out)
    assert code == 0 and data["changed"] == 1 and data["ignored"] == [ids["m_bruno"]]  # bruno's was "sent"
    assert _state(db, ids["m_alice"]) == "sent"
    with db.transaction() as session:  # a late processed event changes nothing more
        assert ledger.reconcile_processed(session, ["m-alice"]) == 0


def test_messages_release_needs_a_selection(capsys):
    code, _, err = run(capsys, "messages", "release")
    assert code == 2 and "--older-than MINUTES" in err
