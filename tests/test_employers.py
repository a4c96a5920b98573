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
    assert "le lundi 1er mars 2027 à 9 h 00, avec GEIQ BTP 63" in text
    assert "jusqu’à 12 personnes attendues" in text
    thousand = hours_fr(1000)  # "1 000 h" with French (non-breaking) spaces
    assert thousand.replace("\u202f", " ").replace("\u00a0", " ") == "1 000 h"
    assert re.search(rf"^- Lot 02 – Maçonnerie – Opération \d+ \(Clermont-Ferrand\) : {thousand} d’insertion, dont "
                     rf"{thousand} restant à réaliser ; travaux du 1er février 2027 au 31 décembre 2027$", text, re.M)
    assert f"- Lot 03 – Murets – Opération" in text and f"{hours_fr(500)} d’insertion" in text
    assert f"Au total, {hours_fr(1500)} restent à réaliser" in text
    assert text.startswith("Bonjour Camille Exemple,\n\nNous organisons une rencontre de recrutement pour le métier de maçon")
    assert "Lot 01" not in text  # Alpha's lot is not Charlie's
    assert "Charpente &lt;b&gt;Charlie&lt;/b&gt; &amp; Fils SAS" in html and "<b>Charlie</b>" not in html
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
