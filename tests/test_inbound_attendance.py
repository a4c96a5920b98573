"""Attendance and registration sheets: reading, validation with row and column, atomic apply."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from sqlalchemy import func, select

from clauses.errors import InputError
from clauses.inbound import attendance as at
from clauses.storage import Candidate, Event, ImportRun, Participation, ParticipationTransition
from inbound_helpers import UTC, seed

NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture
def ids(db, config):
    with db.transaction() as session:
        return seed(session, config)


def write(tmp_path, text: str, name="presences.csv", encoding="utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def participations(db) -> dict[tuple[int, int], tuple[str, str | None]]:
    with db.transaction() as session:
        return {(p.candidate_id, p.event_id): (p.status, p.contract_type) for p in session.scalars(select(Participation))}


def snapshot(db):
    with db.transaction() as session:
        return (
            participations(db),
            session.scalar(select(func.count()).select_from(ParticipationTransition)),
            session.scalar(select(func.count()).select_from(ImportRun)),
        )


# --- values -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "label, status",
    [("Inscrit", "registered"), ("désistée", "declined"), ("PRÉSENT(E)", "attended"), ("absent", "no_show"),
     ("no-show", "no_show"), ("Excusé", "excused"), ("intéressée POEC", "interested"),
     ("Entré(e) en formation", "enrolled"), ("formation terminée", "completed"), ("embauchée", "hired"),
     ("hired", "hired"), ("peut-être", None)],
)
def test_status_labels(label, status):
    assert at.parse_status(label) == status


@pytest.mark.parametrize(
    "label, contract",
    [("CDI", "CDI"), ("cdd", "CDD"), ("Contrat pro", "contrat de professionnalisation"),
     ("contrat d'apprentissage", "apprentissage"), ("Intérim", "intérim"), ("CDD 12 mois", "CDD 12 mois"),
     ("CDD de 18 mois", "CDD 18 mois"), ("stage", None)],
)
def test_contract_labels(label, contract):
    assert at.parse_contract(label) == contract


def test_dates_are_french_or_iso_in_paris_time():
    assert at.parse_when("10/11/2026") == dt.datetime(2026, 11, 10, 11, 0, tzinfo=UTC)  # noon in Paris
    assert at.parse_when("2026-11-10") == dt.datetime(2026, 11, 10, 11, 0, tzinfo=UTC)
    assert at.parse_when("10/07/2026 14:30") == dt.datetime(2026, 7, 10, 12, 30, tzinfo=UTC)  # summer time
    assert at.parse_when("2026-11-10T09:00:00+00:00") == dt.datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
    assert at.parse_when("31/02/2026") is None and at.parse_when("demain") is None


# --- applying ---------------------------------------------------------------------------------------


def test_french_sheet_in_windows_1252_with_semicolons(db, ids, tmp_path):
    text = (
        "Identifiant événement;Identifiant candidat;Source;Identifiant source;Courriel;Statut;Type de contrat;Date;Nom\n"
        f"{ids['event']};{ids['alice']};;;;Présente;;10/11/2026;Martin\n"
        f"{ids['event_uid']};;France_Travail;FT-0042;;Embauché;CDI;20/11/2026;Durand\n"
        f"{ids['event']};;;;CHLOE@example.org;Excusée;;;Petit\n"
    )
    outcome = at.record_attendance(db, write(tmp_path, text, encoding="cp1252"), now=NOW)
    assert (outcome.lines, outcome.created, outcome.rejected) == (3, 3, 0)
    assert participations(db) == {
        (ids["alice"], ids["event"]): ("attended", None),
        (ids["bruno"], ids["event"]): ("hired", "CDI"),
        (ids["chloe"], ids["event"]): ("excused", None),
    }
    with db.transaction() as session:
        transitions = session.scalars(select(ParticipationTransition)).all()
        assert {t.origin for t in transitions} == {"import"}
        alice = session.scalar(select(Participation).where(Participation.candidate_id == ids["alice"]))
        assert at._utc(alice.status_at) == dt.datetime(2026, 11, 10, 11, 0, tzinfo=UTC)
        chloe = session.scalar(select(Participation).where(Participation.candidate_id == ids["chloe"]))
        assert at._utc(chloe.status_at) == NOW  # no date: the time of the import
        run = session.scalar(select(ImportRun))
        assert (run.kind, run.file_name, run.created) == ("attendance", "presences.csv", 3)


def test_lines_are_applied_in_date_order_and_reimport_changes_nothing(db, ids, tmp_path):
    text = (
        "event,candidate id,status,date\n"
        f"{ids['event']},{ids['alice']},attended,2026-11-10\n"
        f"{ids['event']},{ids['alice']},registered,2026-11-01\n"
        f"{ids['event']},{ids['alice']},interested,2026-11-12\n"
    )
    path = write(tmp_path, "\ufeff" + text)  # UTF-8 with BOM, commas
    first = at.record_attendance(db, path, now=NOW)
    assert (first.created, first.changed) == (1, 2)
    with db.transaction() as session:
        steps = [(t.from_status, t.to_status) for t in session.scalars(select(ParticipationTransition).order_by(ParticipationTransition.id))]
    assert steps == [(None, "registered"), ("registered", "attended"), ("attended", "interested")]
    before = participations(db)
    second = at.record_attendance(db, path, now=NOW)
    assert (second.created, second.changed, second.unchanged) == (0, 0, 3)
    assert participations(db) == before


def test_registration_list_without_status_column_uses_the_default(db, ids, tmp_path):
    text = f"Événement;Identifiant candidat\n{ids['event']};{ids['alice']}\n{ids['event']};{ids['bruno']}\n"
    outcome = at.record_attendance(db, write(tmp_path, text), default_status="inscrit", now=NOW)
    assert outcome.statuses == {"registered": 2}
    with pytest.raises(InputError, match="colonne obligatoire absente"):
        at.record_attendance(db, write(tmp_path, text, name="b.csv"), now=NOW)


def test_every_bad_line_is_reported_and_nothing_changes(db, ids, tmp_path):
    with db.transaction() as session:
        future = Event(plan_id=session.get(Event, ids["event"]).plan_id, kind="discovery", trade_key="macon",
                       partner_key="geiq_btp_63", start=NOW + dt.timedelta(days=10),
                       end=NOW + dt.timedelta(days=10, hours=3), capacity=10, uid="future@clauses")
        session.add(future)
        session.flush()
        future_id = future.id
    # A valid first line, then one problem per line.
    text = (
        "Événement;Identifiant candidat;Email;Statut;Type de contrat;Date\n"
        f"{ids['event']};{ids['alice']};;présent;;\n"  # 2 valid
        f"999;{ids['alice']};;présent;;\n"  # 3 unknown event
        f"{ids['cancelled']};{ids['alice']};;présent;;\n"  # 4 cancelled event
        f"{ids['event']};4242;;présent;;\n"  # 5 unknown candidate
        f"{ids['event']};{ids['bruno']};;peut-être;;\n"  # 6 unknown status
        f"{ids['event']};{ids['bruno']};;embauché;;\n"  # 7 hired without contract
        f"{ids['event']};{ids['bruno']};;embauché;stage;\n"  # 8 unknown contract
        f"{ids['event']};{ids['bruno']};;présent;;31/02/2026\n"  # 9 bad date
        f"{ids['event']};{ids['bruno']};;présent;;01/01/2030\n"  # 10 future date
        f"{future_id};{ids['bruno']};;présent;;\n"  # 11 event not started
        f"{ids['event']};{ids['bruno']};chloe@example.org;présent;;\n"  # 12 id and email disagree
        f"{ids['event']};;;présent;;\n"  # 13 no candidate
        f"{ids['event']};{ids['alice']};;inscrit;;\n"  # 14 attended → registered: forbidden
    )
    before = snapshot(db)
    with pytest.raises(InputError) as caught:
        at.record_attendance(db, write(tmp_path, text), now=NOW)
    found = [(p.file, p.row, p.column) for p in caught.value.problems]
    assert found == [
        ("presences.csv", 3, "Événement"),
        ("presences.csv", 4, "Événement"),
        ("presences.csv", 5, "Identifiant candidat"),
        ("presences.csv", 6, "Statut"),
        ("presences.csv", 7, "Type de contrat"),
        ("presences.csv", 8, "Type de contrat"),
        ("presences.csv", 9, "Date"),
        ("presences.csv", 10, "Date"),
        ("presences.csv", 11, "Statut"),
        ("presences.csv", 12, "Identifiant candidat"),
        ("presences.csv", 13, "Identifiant candidat"),
        ("presences.csv", 14, "Statut"),
    ]
    assert "ne peut pas passer de « présent » à « inscrit »" in caught.value.problems[-1].reason
    # No personal data in the reasons.
    assert not any("example.org" in p.reason for p in caught.value.problems)
    assert snapshot(db) == before


def test_skip_invalid_loads_the_valid_lines_and_writes_the_rejects(db, ids, tmp_path):
    text = (
        "Événement;Identifiant candidat;Statut;Commentaire\n"
        f"{ids['event']};{ids['alice']};présent;ok\n"
        f"{ids['event']};{ids['bruno']};=HYPERLINK(\"x\");\n"
    )
    outcome = at.record_attendance(db, write(tmp_path, text), skip_invalid=True, now=NOW)
    assert (outcome.created, outcome.rejected) == (1, 1)
    assert participations(db) == {(ids["alice"], ids["event"]): ("attended", None)}
    with open(outcome.rejects_file, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert rows[0] == ["ligne", "Événement", "Identifiant candidat", "Statut", "motif"]
    assert rows[1][0] == "3" and rows[1][3].startswith("'=HYPERLINK") and "statut inconnu" in rows[1][4]


def test_anonymised_candidate_and_ambiguous_address_are_problems(db, ids, tmp_path):
    with db.transaction() as session:
        session.get(Candidate, ids["alice"]).anonymised_at = NOW
        session.get(Candidate, ids["chloe"]).email = "bruno@example.org"
    text = (
        "Événement;Identifiant candidat;Email;Statut\n"
        f"{ids['event']};{ids['alice']};;présent\n"
        f"{ids['event']};;Bruno@example.org;présent\n"
    )
    with pytest.raises(InputError) as caught:
        at.record_attendance(db, write(tmp_path, text), now=NOW)
    reasons = [(p.row, p.reason) for p in caught.value.problems]
    assert reasons == [(2, f"le candidat n° {ids['alice']} a été anonymisé"),
                       (3, "2 candidats ont cette adresse : donner le numéro du candidat")]


def test_partner_identifier_with_default_source(db, ids, tmp_path):
    text = f"Événement;Identifiant source;Statut\n{ids['event']};FT-0042;absent\n"
    with pytest.raises(InputError, match="a besoin de sa source"):
        at.record_attendance(db, write(tmp_path, text), now=NOW)
    outcome = at.record_attendance(db, write(tmp_path, text, name="b.csv"), default_source="france_travail", now=NOW)
    assert outcome.created == 1
    assert participations(db) == {(ids["bruno"], ids["event"]): ("no_show", None)}
