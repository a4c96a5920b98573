"""``clauses candidate show``: one person's history by number, email or partner id, in French,
on the terminal only."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from clauses.cli import main
from clauses.outreach.participation import record_status
from inbound_helpers import UTC, seed


@pytest.fixture
def ids(db, config):
    with db.transaction() as session:
        ids = seed(session, config)
        for status, at in (("invited", dt.datetime(2026, 11, 1, 8, 0, tzinfo=UTC)),
                           ("registered", dt.datetime(2026, 11, 2, 8, 0, tzinfo=UTC)),
                           ("attended", dt.datetime(2026, 11, 10, 12, 0, tzinfo=UTC))):
            record_status(session, candidate_id=ids["bruno"], event_id=ids["event"], status=status,
                          origin="import", at=at)
    return ids


@pytest.mark.parametrize("who", ["{bruno}", "BRUNO@example.org", "france_travail:FT-0042", "FT-0042"])
def test_history_by_id_email_or_source_id_in_french(db, ids, capsys, caplog, who):
    caplog.set_level(logging.DEBUG)
    assert main(["candidate", "show", who.format(**ids)]) == 0
    out = capsys.readouterr().out
    assert f"Candidat n° {ids['bruno']} : Bruno Durand" in out
    assert "france_travail FT-0042" in out
    assert f"n° {ids['event']}, découverte du métier de maçon du mardi 10 novembre 2026, 10 h 00 : présent·e" in out
    assert "lundi 2 novembre 2026 à 9 h 00 : inscrit·e (feuille partenaire)" in out
    assert "invitation (n° " in out and "– envoyé" in out
    assert "Bruno" not in caplog.text and "bruno@" not in caplog.text.lower()


def test_unknown_or_ambiguous_person_is_a_clear_error(db, ids, capsys):
    assert main(["candidate", "show", "personne@example.org"]) == 2
    assert "aucun candidat" in capsys.readouterr().err
