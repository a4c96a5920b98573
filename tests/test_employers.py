"""Employers at recruitment events: who is invited (lots served, order, capacity, reasons), their
email and calendar, the ledger (exactly once, unsubscribes, bounces), their answers over the web,
the contacts import, and the candidates of a recruitment event. Real SQLite (or PostgreSQL), the
file outbox, a loopback SendGrid and a real uvicorn; no mocks."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re

import pytest
from sqlalchemy import select

from clauses.cli import main
from clauses.messages.dispatch import send_pending
from clauses.messages.employer import hours_fr
from clauses.messages.transports.file import FileTransport
from clauses.messages.transports.sendgrid import SendGridTransport
from clauses.outreach.employers import employers_for_event, select_employers, serving_window
from clauses.outreach.selection import select_invitations
from clauses.planning.approval import move_event
from clauses.storage import Candidate, Company, Event, Message, Participation
from clauses.storage.employers import CompanyContact, EmployerParticipation
from tests import employers_data as emp
from tests import outreach_data as data
from tests.sendgrid_server import FakeSendGrid
from web_helpers import request, start_web

MEMBER_MACON = "99900100000010"  # config/employers.yaml: a GEIQ member of the masonry trades
MEMBER_OTHER = "99900200000019"  # a member of other trades only


@pytest.fixture
def world(db, config):
    """A masonry recruitment event (employer capacity 2) and the lots around it."""
    with db.transaction() as s:
        plan = data.reference(s, config)
        event = emp.recruitment(s, plan, employer_capacity=2)
        alpha = emp.company(s, "Maçonnerie Alpha SAS")
        bravo = emp.company(s, "Béton Bravo SARL")
        charlie = emp.company(s, "Charpente Charlie SAS")
        later = emp.company(s, "Trop Tard SAS")
        painter = emp.company(s, "Peinture Delta SAS")
        done = emp.company(s, "Fini Echo SAS")
        paid = emp.company(s, "Soldé Foxtrot SAS")
        emp.lot(s, [alpha], hours=800, delivered=100, name="Lot 01 – Gros œuvre")  # owes 700 h
        emp.lot(s, [bravo, charlie], hours=2000, name="Lot 02 – Maçonnerie")  # 1,000 h each
        emp.lot(s, [charlie], hours=500, start=dt.date(2027, 8, 1), end=dt.date(2027, 11, 30), name="Lot 03 – Murets")
        emp.lot(s, [later], start=dt.date(2027, 10, 1), end=dt.date(2028, 6, 30))  # after the serving window
        emp.lot(s, [painter], trade="peintre")  # another trade
        emp.lot(s, [done], status="done")
        emp.lot(s, [paid], hours=300, delivered=300)  # every clause hour delivered
        emp.contact(s, alpha)
        emp.contact(s, charlie)
        ids = {"event": event.id, "alpha": alpha.id, "bravo": bravo.id, "charlie": charlie.id}
    return ids


def _outcomes(selection) -> list[tuple[str, str]]:
    return [(d.label, d.outcome) for d in selection.decisions]


def test_employers_are_the_holders_in_the_window_by_hours_owed_then_geiq_members(db, config, world):
    with db.transaction() as s:
        event = s.get(Event, world["event"])
        assert serving_window(event, config) == (dt.date(2027, 3, 1), dt.date(2027, 8, 30))
        employers = employers_for_event(s, config, event)
    assert [(e.label, e.source, e.owed) for e in employers] == [
        ("Charpente Charlie SAS", "awardee", 1500.0),  # half of lot 02 + lot 03
        ("Béton Bravo SARL", "awardee", 1000.0),
        ("Maçonnerie Alpha SAS", "awardee", 700.0),
        ("Bâtisseurs Fictifs du Puy SARL", "geiq_member", 0),  # masonry member; the other members are not
    ]
    assert [lot.name for lot in employers[0].lots] == ["Lot 02 – Maçonnerie", "Lot 03 – Murets"]


def test_capacity_is_counted_in_companies_and_nobody_is_skipped_silently(db, config, world):
    with db.transaction() as s:
        [selection] = select_employers(s, config, now=emp.NOW)
    assert _outcomes(selection) == [
        ("Charpente Charlie SAS", "invited"),
        ("Béton Bravo SARL", "no_contact"),  # listed, with its reason; its place goes to the next
        ("Maçonnerie Alpha SAS", "invited"),
        ("Bâtisseurs Fictifs du Puy SARL", "no_contact"),
    ]
    assert selection.decisions[1].reason_fr.startswith("pas d'adresse de contact")
    with db.transaction() as s:
        member = s.scalar(select(Company).where(Company.identifier == MEMBER_MACON))
        emp.contact(s, member)
        [again] = select_employers(s, config, now=emp.NOW)
    assert [d.outcome for d in again.decisions] == ["already", "no_contact", "already", "waiting"]
    # A company that declines frees its place: the next run invites the one waiting.
    with db.transaction() as s:
        row = s.scalar(select(EmployerParticipation).where(EmployerParticipation.company_id == world["alpha"]))
        row.status = "declined"
    with db.transaction() as s:
        [third] = select_employers(s, config, now=emp.NOW)
        invited = s.scalars(select(Message.company_id).where(Message.kind == "employer_invitation")).all()
    assert third.decisions[3].outcome == "invited"
    assert sorted(invited) == sorted([world["charlie"], world["alpha"], member.id])


def _eml(outbox, public_id):
    return email.message_from_bytes((outbox / f"{public_id}.eml").read_bytes(), policy=email.policy.default)


def test_employer_email_lists_lots_hours_french_date_and_escapes(db, config, world, tmp_path):
    with db.transaction() as s:
        charlie = s.get(Company, world["charlie"])
        charlie.name = "Charpente <b>Charlie</b> & Fils SAS"
        s.scalar(select(CompanyContact).where(CompanyContact.company_id == charlie.id)).name = "Camille Exemple"
        select_employers(s, config, now=emp.NOW)
        uid = s.get(Event, world["event"]).uid
    outbox = tmp_path / "outbox"
    report = send_pending(db, config, FileTransport(outbox))
    assert report.sent == 2 and report.by_kind == {"employer_invitation": 2}
    with db.transaction() as s:
        public_id = s.scalar(select(Message.public_id).where(Message.company_id == world["charlie"]))
    message = _eml(outbox, public_id)
    # Read back exactly (a long French subject used to be folded inside a word: "1er ma rs 2027").
    assert message["Subject"] == "Invitation : rencontre de recrutement pour le métier de maçon, le lundi 1er mars 2027 à 9 h 00"
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = message.get_body(("html",)).get_content()
    assert text.startswith("Bonjour Camille Exemple,")
    assert "pour le métier de maçon, le lundi 1er mars 2027 à 9 h 00, avec le GEIQ BTP 63" in text
    assert "jusqu’à 12 personnes attendues" in text
    thousand = hours_fr(1000)  # "1 000 h" with French (non-breaking) spaces
    assert thousand.replace("\u202f", " ").replace("\u00a0", " ") == "1 000 h"
    assert [hours_fr(h).replace("\u00a0", " ") for h in (596.3, 9.96, 7.54)] == ["596 h", "10 h", "7,5 h"]  # not « 596,3 h »
    assert "Vous recevez ce message car " in text and "parce que" not in text  # « parce que Électricité… »: no elision
    assert re.search(rf"^- Lot 02 – Maçonnerie \(chantier : Opération \d+, Clermont-Ferrand\) : {thousand} d’insertion, dont "
                     rf"{thousand} restant à réaliser ; travaux du 1er février 2027 au 31 décembre 2027$", text, re.M)
    assert "- Lot 03 – Murets (chantier : Opération" in text and f"{hours_fr(500)} d’insertion" in text
    assert f"Au total, {hours_fr(1500)} restent à réaliser" in text
    assert text.startswith("Bonjour Camille Exemple,\n\nNous organisons une rencontre de recrutement pour le métier de maçon")
    assert "Lot 01" not in text  # Alpha's lot is not Charlie's
    assert "Charpente &lt;b&gt;Charlie&lt;/b&gt; &amp; Fils SAS" in html and "<b>Charlie</b>" not in html
    assert ">Métier</td>" in html and ">Organisé par</td>" in html  # the details table, with the trade for companies
    yes = re.search(r"^Nous venons : (\S+)$", text, re.M).group(1)
    assert "/entreprise/" in yes and "example.org" not in yes.split("/entreprise/")[1]
    calendar = next(p for p in message.walk() if p.get_content_type() == "text/calendar").get_content()
    assert "METHOD:REQUEST" in calendar and f"UID:{uid}" in calendar and "SEQUENCE:0" in calendar
    assert f"mailto:recrutement{world['charlie']}@example.org" in calendar.replace("\r\n ", "")


def test_ledger_sends_once_honours_unsubscribes_and_updates_on_a_move(db, config, world):
    with FakeSendGrid() as fake:
        transport = SendGridTransport("SG.test", host=fake.host, timeout=2.0, max_attempts=2, backoff_base=0.01)
        with db.transaction() as s:
            select_employers(s, config, now=emp.NOW)
            select_employers(s, config, now=emp.NOW)  # the same decision twice: queued once
            s.scalar(select(CompanyContact).where(CompanyContact.company_id == world["alpha"])).opted_out = True
        report = send_pending(db, config, transport)
        assert (report.sent, report.skipped) == (1, 1)  # Alpha unsubscribed in the meantime: never sent
        assert send_pending(db, config, transport).sent == 0
        body = fake.accepted[0]
        assert list(body["personalizations"][0]["custom_args"]) == ["clauses_message_id"]
        assert "recrutement" not in str(body["personalizations"][0]["custom_args"])
        with db.transaction() as s:
            states = dict(s.execute(select(Message.company_id, Message.state)).all())
            key = s.scalar(select(Message.idempotency_key).where(Message.company_id == world["charlie"]))
        assert states == {world["charlie"]: "sent", world["alpha"]: "failed"}
        assert key == f"employer_invitation:e{world['event']}:k{world['charlie']}:v0"
        # Moved: the invited company is told again, same UID, SEQUENCE 1; still once.
        with db.transaction() as s:
            move_event(s, world["event"], start=emp.EVENT_START + dt.timedelta(days=1), origin="coordinator")
        for _ in range(2):
            with db.transaction() as s:
                select_employers(s, config, now=emp.NOW)
        assert send_pending(db, config, transport).sent == 1
        update = fake.accepted[1]
        assert update["subject"].startswith("Changement : rencontre de recrutement pour le métier de maçon, le mardi 2 mars 2027")
        calendar = next(c["value"] for c in update["content"] if c["type"].startswith("text/calendar"))
        assert "SEQUENCE:1" in calendar


def test_bounces_and_unsubscribes_reported_by_sendgrid_stop_invitations(db, config, world, tmp_path):
    from clauses.inbound import email_events as ee
    from inbound_helpers import Signer, sg_event

    with db.transaction() as s:
        select_employers(s, config, now=emp.NOW)
        ids = dict(s.execute(select(Message.company_id, Message.public_id)).all())
    signer = Signer()
    events = [
        sg_event("bounce", "ev-1", email=f"recrutement{world['charlie']}@example.org", message=ids[world["charlie"]],
                 type="bounce", reason="550 unknown"),
        sg_event("unsubscribe", "ev-2", email=f"recrutement{world['alpha']}@example.org", message=ids[world["alpha"]]),
    ]
    outcome = ee.ingest_envelope_file(db, signer.write(tmp_path / "batch.json", events), signer.public_key)
    assert outcome.accepted and outcome.counts.effects == {"employer_email_bounced": 1, "employer_opted_out": 1}
    with db.transaction() as s:
        contacts = {c.company_id: (c.email_status, c.opted_out) for c in s.scalars(select(CompanyContact))}
    assert contacts == {world["charlie"]: ("bounced", False), world["alpha"]: ("valid", True)}
    report = send_pending(db, config, FileTransport(tmp_path / "outbox"))
    assert (report.sent, report.skipped) == (0, 2)
    with db.transaction() as s:
        member = s.scalar(select(Company).where(Company.identifier == MEMBER_MACON))
        emp.contact(s, member)
        [selection] = select_employers(s, config, now=emp.NOW)
    # Both places stay taken (invited, no answer): the member waits; nobody is invited twice.
    assert [d.outcome for d in selection.decisions] == ["already", "no_contact", "already", "waiting"]


def _employer_links(outbox, public_id) -> tuple[str, str, str]:
    message = _eml(outbox, public_id)
    text = message.get_body(("plain",)).get_content()
    yes = re.search(r"^Nous venons : (\S+)\r?$", text, re.M).group(1)
    no = re.search(r"^Nous ne pourrons pas venir : (\S+)\r?$", text, re.M).group(1)
    return yes, no, message["List-Unsubscribe"].strip("<>")


def _press(url: str) -> str:
    from web_helpers import form_of

    status, page, _ = request(url)
    assert status == 200, page
    form = form_of(page)
    assert len(form.buttons) == 1, form.buttons
    status, page, _ = request(url, form.fields)
    assert status == 200, page
    return page


def _employer_status(db, event_id, company_id):
    with db.transaction() as s:
        return s.scalar(select(EmployerParticipation.status).where(
            EmployerParticipation.event_id == event_id, EmployerParticipation.company_id == company_id))


def test_employers_answer_on_the_web_yes_counts_against_employer_capacity(db, config, tmp_path, monkeypatch):
    outbox = tmp_path / "outbox"
    server = start_web(config, db, outbox, monkeypatch)
    try:
        start = dt.datetime.now(data.PARIS).replace(hour=9, minute=0, second=0, microsecond=0) + dt.timedelta(days=20)
        with db.transaction() as s:
            plan = data.reference(s, config)
            event = emp.recruitment(s, plan, start=start, employer_capacity=2)
            firms = [emp.company(s, f"Entreprise Test {n} SAS") for n in range(3)]
            for n, firm in enumerate(firms):
                emp.lot(s, [firm], hours=900 - n * 100, start=start.date(), end=start.date() + dt.timedelta(days=200))
                emp.contact(s, firm)
            select_employers(s, config, now=dt.datetime.now(dt.timezone.utc))
            event_id = event.id
        send_pending(db, config, FileTransport(outbox))
        with db.transaction() as s:
            sent = dict(s.execute(select(Message.company_id, Message.public_id)).all())
        first, second = firms[0].id, firms[1].id
        assert set(sent) == {first, second}  # two places: the third company waits
        yes1, no1, unsubscribe1 = _employer_links(outbox, sent[first])
        yes2, _, _ = _employer_links(outbox, sent[second])
        # A GET only shows (mail gateways open links): nothing changes.
        status, page, headers = request(yes1)
        assert status == 200 and "Nous venons" in page and 'lang="fr"' in page and headers["Cache-Control"] == "no-store"
        assert _employer_status(db, event_id, first) == "invited"
        # A link cut before its answer offers both.
        status, page, _ = request(yes1.rsplit("/", 1)[0])
        assert status == 200 and "Nous venons</button>" in page and f'href="{no1}">Nous ne pourrons pas venir</a>' in page
        assert request(yes1, {"csrf": "forged"})[0] == 403
        assert "nous vous attendons" in _press(yes1) and _employer_status(db, event_id, first) == "registered"
        # The capacity falls to one: the second company's "yes" puts it on the waiting list.
        with db.transaction() as s:
            s.get(Event, event_id).employer_capacity = 1
        assert "liste d’attente" in _press(yes2) and _employer_status(db, event_id, second) == "waitlisted"
        assert "vous ne venez pas" in _press(no1) and _employer_status(db, event_id, first) == "declined"
        # Unsubscribe (RFC 8058 one-click POST): no more invitations to that address.
        assert request(unsubscribe1, {"List-Unsubscribe": "One-Click"})[0] == 200
        with db.transaction() as s:
            assert s.scalar(select(CompanyContact.opted_out).where(CompanyContact.company_id == first)) is True
        # A candidate's answer page does not take an employer's token, and the other way round.
        token = yes1.split("/entreprise/")[1].split("/")[0]
        assert request(f"{server.url}/r/{token}/oui")[0] == 404
    finally:
        server.stop()


def test_recruitment_event_invites_its_completers_first_then_the_trades_ready_people(db, config):
    start = emp.EVENT_START
    with db.transaction() as s:
        plan = data.reference(s, config)
        event = emp.recruitment(s, plan, capacity=3)
        cohort = data.event(s, plan, start=start - dt.timedelta(weeks=14), kind="poec", hours=400)
        cohort.hiring_event_id = event.id
        earlier = data.event(s, plan, start=start - dt.timedelta(weeks=60), kind="poec", hours=400)
        people = {name: data.candidate(s, n, qpv=(name == "ready_qpv")).id for n, name in enumerate(
            ["own_a", "own_b", "ready_qpv", "ready", "hired", "only_interested", "other_trade"], start=1)}
        for name in ("own_a", "own_b"):
            s.add(Participation(candidate_id=people[name], event_id=cohort.id, status="completed"))
        for name in ("ready_qpv", "ready", "hired"):
            s.add(Participation(candidate_id=people[name], event_id=earlier.id, status="completed"))
        s.add(Participation(candidate_id=people["hired"], event_id=cohort.id, status="hired"))
        s.get(Candidate, people["other_trade"]).trades = ["peintre"]
        s.flush()
        [selection] = select_invitations(s, config, now=emp.NOW, event_ids=[event.id])
        kinds = set(s.scalars(select(Message.kind).where(Message.event_id == event.id)))
    # Capacity 3 candidates: the two completers of its cohort, then the QPV resident who trained earlier.
    assert selection.target == 3
    assert selection.invited == [people["own_a"], people["own_b"], people["ready_qpv"]]
    assert kinds == {"invitation"}


def test_recruitment_and_information_session_invitations_read_right(db, config, tmp_path):
    with db.transaction() as s:
        plan = data.reference(s, config)
        event = emp.recruitment(s, plan, capacity=2)
        cohort = data.event(s, plan, start=emp.EVENT_START - dt.timedelta(weeks=14), kind="poec", hours=400)
        cohort.hiring_event_id = event.id
        person = data.candidate(s, 1)
        s.add(Participation(candidate_id=person.id, event_id=cohort.id, status="completed"))
        session_event = data.event(s, plan, start=emp.EVENT_START, kind="information_session", capacity=4)
        data.candidate(s, 2)  # interested in the trade, not trained yet: for the information session
        s.flush()
        select_invitations(s, config, now=emp.NOW)
        ids = dict(s.execute(select(Message.event_id, Message.public_id)).all())
    send_pending(db, config, FileTransport(tmp_path))
    recruitment_text = _eml(tmp_path, ids[event.id]).get_body(("plain",)).get_content()
    assert "Nous vous invitons à une rencontre de recrutement organisée par le GEIQ BTP 63 le lundi 1er mars 2027 à 9 h 00." in recruitment_text
    assert "Vous y rencontrerez les entreprises qui recrutent sur les chantiers de la Métropole : venez avec votre CV." in recruitment_text
    info = _eml(tmp_path, ids[session_event.id])
    assert info["Subject"] == "Invitation : réunion d'information sur le métier de maçon, le lundi 1er mars 2027 à 9 h 00"
    assert "Vous y découvrirez le métier, la formation proposée" in info.get_body(("plain",)).get_content()


def test_contacts_import_is_atomic_names_rows_and_prints_no_address(db, config, tmp_path, capsys, world):
    bad = tmp_path / "contacts.csv"
    bad.write_text("SIRET;Courriel;Contact\n"
                   f"{MEMBER_MACON};geiq-membre@example.org;Dominique Exemple\n"
                   "12345678900000;inconnue@example.org;\n"
                   f"{MEMBER_MACON};autre@example.org;\n"
                   f"{MEMBER_OTHER};pas-une-adresse;\n", encoding="utf-8")
    assert main(["entreprises", "contacts", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "contacts.csv, ligne 3, colonne « SIRET » : entreprise inconnue (SIRET 12345678900000)" in err
    assert "ligne 4, colonne « SIRET » : entreprise déjà donnée ligne 2" in err
    assert "ligne 5, colonne « Courriel » : adresse e-mail invalide (forme attendue : nom@domaine.fr)" in err
    with db.transaction() as s:
        assert s.scalar(select(CompanyContact).where(CompanyContact.email == "geiq-membre@example.org")) is None
    good = tmp_path / "contacts-ok.csv"
    good.write_text("SIRET;Entreprise;Courriel;Contact\n"
                    f"{MEMBER_MACON};;geiq-membre@example.org;Dominique Exemple\n"
                    f";Béton Bravo SARL;bravo@example.org;\n", encoding="utf-8")
    assert main(["entreprises", "contacts", str(good)]) == 0
    out = capsys.readouterr().out
    assert "2 lignes lues : 2 adresses ajoutées, 0 modifiée, 0 inchangée" in out
    assert "@" not in out and "Dominique" not in out
    with db.transaction() as s:
        [selection] = select_employers(s, config, now=emp.NOW)
    assert _outcomes(selection) == [("Charpente Charlie SAS", "invited"), ("Béton Bravo SARL", "invited"),
                                    ("Maçonnerie Alpha SAS", "waiting"), ("Bâtisseurs Fictifs du Puy SARL", "waiting")]


def test_a_cancelled_event_tells_the_invited_companies_and_names_stay_out_of_listings(db, config, world, tmp_path):
    from clauses.planning.approval import cancel_event

    with db.transaction() as s:
        person = emp.company(s, "Jean Exemple", "11122233300005", person_like=True)
        emp.lot(s, [person], hours=5000)  # owes the most: first in line
        emp.contact(s, person)
        [selection] = select_employers(s, config, now=emp.NOW)
    assert selection.decisions[0].label == "SIRET 11122233300005" and selection.decisions[0].outcome == "invited"
    assert "Jean Exemple" not in str(selection.as_dict())
    outbox = tmp_path / "outbox"
    assert send_pending(db, config, FileTransport(outbox)).sent == 2
    with db.transaction() as s:
        cancel_event(s, world["event"])
    for _ in range(2):
        with db.transaction() as s:
            assert select_employers(s, config, now=emp.NOW) == []  # no open event left to invite to
    report = send_pending(db, config, FileTransport(outbox))
    assert report.by_kind == {"employer_cancellation": 2}
    with db.transaction() as s:
        public_id = s.scalar(select(Message.public_id).where(Message.kind == "employer_cancellation",
                                                             Message.company_id == world["charlie"]))
    message = _eml(outbox, public_id)
    assert message["Subject"] == "Annulation : rencontre de recrutement pour le métier de maçon du lundi 1er mars 2027 à 9 h 00"
    calendar = next(p for p in message.walk() if p.get_content_type() == "text/calendar").get_content()
    assert "METHOD:CANCEL" in calendar and "STATUS:CANCELLED" in calendar and "SEQUENCE:1" in calendar
    assert "est annulée" in message.get_body(("plain",)).get_content()
