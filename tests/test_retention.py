"""Data retention: inactive candidates lose their personal data, the report's counts do not move,
the run is recorded with counts only."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from clauses.reporting import build_report, tables
from clauses.retention import apply_retention
from clauses.storage import (
    AnonymousParticipation,
    Candidate,
    CandidateIdentity,
    EmailEvent,
    Message,
    Participation,
    RetentionRun,
)
from reporting_data import OLD, seed

UTC = dt.timezone.utc
LATER = dt.datetime(2029, 6, 1, tzinfo=UTC)  # more than 24 months after every activity of the seed


@pytest.fixture
def seeded(db, config):
    with db.transaction() as session:
        return seed(session, config)


def _report_tables(db, config):
    with db.transaction() as session:
        report = build_report(session, config, now=LATER)
    # The answers' table counts the participations still on record (how each person answered is
    # not kept once they are deleted): clauses.reporting.answers.
    return {stem: frame.to_csv() for stem, (_, frame) in tables(report).items() if stem != "reponses-candidats"}


def _personal_values(session):
    return session.execute(
        select(Candidate.first_name, Candidate.last_name, Candidate.email, Candidate.phone, Candidate.commune,
               Candidate.availability_notes, Candidate.consent_basis)
    ).all()


def test_recent_activity_keeps_a_candidate(db, config, seeded):
    recent = seeded["candidates"][4]
    with db.transaction() as session:
        session.get(Candidate, recent).last_activity_at = dt.datetime(2028, 1, 1, tzinfo=UTC)
        result = apply_retention(session, config, now=LATER)
    assert result.candidates_examined == 10
    assert result.candidates_inactive == 9 and result.candidates_anonymised == 9
    with db.transaction() as session:
        kept = session.get(Candidate, recent)
        assert kept.last_name == "Nom4" and kept.email == "personne4@example.net" and kept.anonymised_at is None
        assert session.scalar(select(func.count()).select_from(CandidateIdentity)) == 1


def test_a_status_change_or_a_message_is_activity(db, config, seeded):
    with db.transaction() as session:
        # c1's latest transition (hired, 20 July 2026) is less than 24 months before 1 July 2028;
        # c10's message was sent on 20 February 2026, older.
        result = apply_retention(session, config, now=dt.datetime(2028, 7, 1, tzinfo=UTC))
        assert session.get(Candidate, seeded["candidates"][1]).anonymised_at is None
        assert session.get(Candidate, seeded["candidates"][7]).anonymised_at is None  # hired 14 Dec 2026
        assert session.get(Candidate, seeded["candidates"][10]).anonymised_at is not None
    assert result.candidates_inactive == 8


def test_anonymise_removes_personal_data_and_keeps_report_counts(db, config, seeded, tmp_path):
    before = _report_tables(db, config)
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    (outbox / "pub-10.eml").write_text("To: personne10@example.net")
    (outbox / "other.eml").write_text("not this candidate's")
    with db.transaction() as session:
        result = apply_retention(session, config, now=LATER, outbox=outbox)
    assert (result.candidates_anonymised, result.identities_deleted, result.messages_scrubbed) == (10, 10, 1)
    assert result.outbox_files_deleted == 1
    assert not (outbox / "pub-10.eml").exists() and (outbox / "other.eml").exists()
    with db.transaction() as session:
        assert set(_personal_values(session)) == {("Anonyme", "Anonyme", None, None, None, None, None)}
        assert session.scalar(select(func.count()).select_from(CandidateIdentity)) == 0
        assert session.scalar(select(Message.last_error)) is None
        assert session.scalar(select(func.count()).select_from(Participation)) == 13
        c5 = session.get(Candidate, seeded["candidates"][5])
        assert c5.email_status == "bounced" and c5.eligibility == ["RSA"] and c5.anonymised_at is not None
        assert not c5.can_be_contacted
        run = session.get(RetentionRun, result.run_id)
        assert (run.mode, run.dry_run, run.candidates_anonymised, run.inactive_months) == ("anonymise", False, 10, 24)
        assert run.finished_at is not None
    assert _report_tables(db, config) == before
    with db.transaction() as session:  # a second run finds nothing left to do
        again = apply_retention(session, config, now=LATER)
    assert (again.candidates_examined, again.candidates_inactive) == (0, 0)


def test_delete_mode_keeps_report_counts_through_anonymous_outcomes(db, config, seeded, tmp_path):
    before = _report_tables(db, config)
    with db.transaction() as session:
        result = apply_retention(session, config, now=LATER, mode="delete", outbox=tmp_path)
    assert (result.candidates_deleted, result.participations_archived, result.identities_deleted) == (10, 13, 10)
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Candidate)) == 0
        assert session.scalar(select(func.count()).select_from(Participation)) == 0
        assert session.scalar(select(func.count()).select_from(AnonymousParticipation)) == 13
        tokens = session.scalars(select(AnonymousParticipation.person_token).distinct()).all()
        assert len(tokens) == 10
        assert session.scalar(select(func.count()).select_from(Message)) == 1  # kept, detached
        assert session.scalar(select(Message.candidate_id)) is None
        assert session.scalar(select(func.count()).select_from(EmailEvent)) == 2
    assert _report_tables(db, config) == before


def test_delete_after_anonymise_still_keeps_counts(db, config, seeded, tmp_path):
    before = _report_tables(db, config)
    with db.transaction() as session:
        apply_retention(session, config, now=LATER, outbox=tmp_path)
    with db.transaction() as session:
        result = apply_retention(session, config, now=LATER, mode="delete", outbox=tmp_path)
    assert result.candidates_deleted == 10
    assert _report_tables(db, config) == before


def test_dry_run_changes_nothing_and_is_recorded(db, config, seeded, tmp_path):
    with db.transaction() as session:
        before = set(_personal_values(session))
        result = apply_retention(session, config, now=LATER, mode="delete", dry_run=True, outbox=tmp_path)
    assert (result.candidates_deleted, result.participations_archived) == (10, 13)
    with db.transaction() as session:
        assert set(_personal_values(session)) == before
        assert session.scalar(select(func.count()).select_from(AnonymousParticipation)) == 0
        run = session.get(RetentionRun, result.run_id)
        assert run.dry_run and run.candidates_deleted == 10


def test_run_record_holds_no_personal_data(db, config, seeded, tmp_path):
    with db.transaction() as session:
        result = apply_retention(session, config, now=LATER, outbox=tmp_path)
        row = session.execute(select(RetentionRun.__table__).where(RetentionRun.id == result.run_id)).one()
    text = " ".join(str(v) for v in row) + str(result.as_dict())
    assert "Nom" not in text and "@" not in text and "Prénom" not in text
    assert result.cutoff == dt.datetime(2027, 6, 1, tzinfo=UTC)
    assert OLD < result.cutoff


def test_bad_mode_is_refused(db, config):
    with db.transaction() as session, pytest.raises(ValueError, match="unknown retention mode"):
        apply_retention(session, config, mode="shred")


def test_inactive_company_contacts_are_retired_and_an_opt_out_keeps_its_address(db, config):
    from clauses.storage.employers import CompanyContact, EmployerParticipation
    from tests import employers_data as employers
    from tests import outreach_data as data

    with db.transaction() as session:
        quiet = employers.contact(session, employers.company(session, "CALME SAS"), name="Jeanne Martin")
        out = employers.contact(session, employers.company(session, "PARTI SAS"), name="Paul Durand", opted_out=True)
        busy_company = employers.company(session, "ACTIF SAS")
        busy = employers.contact(session, busy_company, name="Luc Bernard")
        for row in (quiet, out, busy):
            row.updated_at = dt.datetime(2026, 1, 5, tzinfo=UTC)
        # The busy company answered a recruitment event a year later: its contact stays.
        event = employers.recruitment(session, data.reference(session, config))
        session.add(EmployerParticipation(event_id=event.id, company_id=busy_company.id, status="accepted",
                                          status_at=dt.datetime(2027, 1, 10, tzinfo=UTC)))
        ids = quiet.id, out.id, busy.id
    now = dt.datetime(2028, 6, 1, tzinfo=UTC)  # 29 months after the contacts, 17 after the answer
    with db.transaction() as session:
        assert apply_retention(session, config, now=now, dry_run=True).company_contacts_retired == 2
    with db.transaction() as session:
        assert session.get(CompanyContact, ids[0]).name == "Jeanne Martin"  # a dry run changes nothing
        run = apply_retention(session, config, now=now)
        assert run.company_contacts_retired == 2
    with db.transaction() as session:
        assert session.get(CompanyContact, ids[0]) is None
        kept_out = session.get(CompanyContact, ids[1])
        assert kept_out.opted_out and kept_out.email and kept_out.name is None
        assert session.get(CompanyContact, ids[2]).name == "Luc Bernard"
        assert session.scalar(select(RetentionRun.company_contacts_retired).order_by(RetentionRun.id.desc()).limit(1)) == 2
        # Once retired, a contact is not counted again.
        assert apply_retention(session, config, now=now).company_contacts_retired == 0
