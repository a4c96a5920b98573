"""Candidate import: validation, normalisation, the merge rule, consent and atomicity."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from clauses.errors import InputError
from clauses.ingest.candidates import import_candidates_file, normalise_phone
from clauses.storage import Candidate, CandidateIdentity

HEADER = "Source;Identifiant source;Prénom;Nom;Courriel;Téléphone;Commune;Résident QPV;Critères d'éligibilité;Métiers;Date de consentement;Base du consentement;Disponibilités"
ROWS = [
    "France Travail;FT-1;Zoé;Lefèvre-Da Silva;Zoe.Lefevre@Example.org;06 39 98 00 01;Clermont-Ferrand;oui;DELD, RSA;Maçon, F1606;12/09/2026;consentement écrit;pas le mercredi",
    "France Travail;FT-2;Mamadou;Diallo;mamadou.diallo@example.org;+33 6 39 98 00 02;Cournon-d'Auvergne;non;jeune;Plombier chauffagiste;2026-10-01;consentement écrit;",
    "PLIE Clermont;PLIE-7;Karim;Haddad;;0639980003;Aubière;non;RQTH;K1204;;;",
]


def write(tmp_path, rows, name="candidats.csv", encoding="utf-8-sig"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding=encoding)
    return path


def candidates(db):
    with db.transaction() as session:
        return {c.last_name: c for c in session.scalars(select(Candidate))}


def test_phone_normalisation():
    assert normalise_phone("06 39 98 00 01") == "+33639980001"
    assert normalise_phone("+33 (0)6 39 98 00 01") is None or normalise_phone("+33 (0)6 39 98 00 01") == "+33639980001"
    assert normalise_phone("12") is None


def test_import_normalises_and_keeps_names_as_given(db, config, tmp_path):
    result = import_candidates_file(db, write(tmp_path, ROWS, encoding="cp1252"), config)
    assert (result.created, result.updated, result.unchanged, result.rejected) == (3, 0, 0, 0)
    people = candidates(db)
    zoe = people["Lefèvre-Da Silva"]
    assert zoe.first_name == "Zoé"
    assert zoe.email == "zoe.lefevre@example.org"
    assert zoe.phone == "+33639980001"
    assert zoe.qpv_resident and zoe.eligibility == ["deld", "qpv", "rsa"]
    assert zoe.trades == ["macon", "peintre"]
    assert zoe.can_be_contacted
    karim = people["Haddad"]
    assert karim.consent_date is None and not karim.can_be_contacted  # no consent: never invited
    assert result.details["sans consentement enregistré (ne peuvent pas être invités)"] == 1


def test_merge_rule_across_sources(db, config, tmp_path):
    import_candidates_file(db, write(tmp_path, ROWS), config)
    other = [
        # Same email from another partner: the same person; trades united, newest consent kept.
        "Mission Locale;ML-9;Zoé;Lefèvre-Da Silva;zoe.lefevre@example.org;;Clermont-Ferrand;oui;jeune;Façadier;01/10/2026;entretien;",
        # Same phone and same name (case and accents ignored), no email: the same person.
        "SIAE Clermont;S-3;KARIM;haddad;;06.39.98.00.03;Aubière;non;;;05/10/2026;entretien;",
        # Same phone, another name: another person.
        "SIAE Clermont;S-4;Sarah;Haddad;;06 39 98 00 03;Aubière;non;;;05/10/2026;entretien;",
    ]
    result = import_candidates_file(db, write(tmp_path, other, name="ml.csv"), config)
    assert (result.created, result.updated) == (1, 2)
    assert result.details["fusionnés avec un candidat d'un autre partenaire"] == 2
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Candidate)) == 4
        assert session.scalar(select(func.count()).select_from(CandidateIdentity)) == 6
        zoe = session.scalar(select(Candidate).where(Candidate.email == "zoe.lefevre@example.org"))
        assert zoe.trades == ["facadier", "macon", "peintre"]
        assert zoe.eligibility == ["deld", "jeune", "qpv", "rsa"]
        assert zoe.consent_date.isoformat() == "2026-10-01" and zoe.consent_basis == "entretien"
        karim = session.scalar(select(Candidate).where(Candidate.first_name == "KARIM"))
        assert karim.consent_date is not None and karim.can_be_contacted is False  # no email to write to


def test_reimport_is_unchanged_and_never_clears_an_opt_out(db, config, tmp_path):
    path = write(tmp_path, ROWS)
    import_candidates_file(db, path, config)
    with db.transaction() as session:
        session.scalar(select(Candidate).where(Candidate.last_name == "Diallo")).opted_out = True
    again = import_candidates_file(db, path, config)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    changed = [ROWS[0], ROWS[1].replace("jeune", "jeune, RSA"), ROWS[2]]
    result = import_candidates_file(db, write(tmp_path, changed, name="v2.csv"), config)
    assert (result.updated, result.unchanged) == (1, 2)
    assert candidates(db)["Diallo"].opted_out is True


@pytest.mark.parametrize(
    "row,column,reason",
    [
        (ROWS[0].replace("Zoe.Lefevre@Example.org", "zoe.lefevre@"), "Courriel", "adresse e-mail invalide"),
        (ROWS[0].replace("06 39 98 00 01", "12"), "Téléphone", "invalid phone number"),
        (ROWS[0].replace("Maçon, F1606", "Maçon, Soudeur"), "Métiers", "métier inconnu « Soudeur »"),
        (ROWS[0].replace("DELD, RSA", "DELD, riche"), "Critères d'éligibilité", "critère d'éligibilité inconnu 'riche'"),
        (ROWS[0].replace("12/09/2026", "hier"), "Date de consentement", "date illisible"),
        (ROWS[0].replace(";oui;", ";bof;"), "Résident QPV", "oui ou non attendu"),
        (ROWS[0].replace(";Zoé;", ";;"), "Prénom", "valeur manquante"),
        (ROWS[1].replace("FT-2", "FT-1"), "Identifiant source", "identifiant en double pour le même partenaire (déjà vu ligne 2)"),
    ],
)
def test_bad_rows_are_named_and_nothing_is_written(db, config, tmp_path, row, column, reason):
    rows = [ROWS[0], row] if "FT-1" in row and row is not ROWS[0] and "Diallo" in row else [row, ROWS[2]]
    with pytest.raises(InputError) as error:
        import_candidates_file(db, write(tmp_path, rows), config)
    assert any(p.column == column and reason in p.reason and isinstance(p.row, int) for p in error.value.problems), error.value.problems
    assert candidates(db) == {}
    # No personal value is echoed in the error.
    assert "zoe.lefevre" not in str(error.value).lower() and "39 98" not in str(error.value)


def test_source_from_the_command_line_when_the_file_has_none(db, config, tmp_path):
    header = HEADER.replace("Source;", "", 1)
    path = tmp_path / "ft.csv"
    path.write_text(header + "\n" + ROWS[1].split(";", 1)[1] + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="colonne « Source » : colonne obligatoire absente"):
        import_candidates_file(db, path, config)
    result = import_candidates_file(db, path, config, default_source="France Travail")
    assert result.created == 1
    with db.transaction() as session:
        assert session.scalar(select(CandidateIdentity.source)) == "France Travail"
