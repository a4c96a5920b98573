"""Rendering, calendar and MIME: French dates, escaping, headers, parts, an independent .ics parser."""

from __future__ import annotations

import dataclasses
import datetime as dt
from email import policy
from email.parser import BytesParser
from zoneinfo import ZoneInfo

import pytest
import vobject

from clauses.messages.calendar import build_calendar
from clauses.messages.mime import Outgoing, build_mime
from clauses.messages.render import KINDS, EventInfo, MessageContext, french_datetime, render

PARIS = ZoneInfo("Europe/Paris")
EVIL_NAME = 'Jean <script>alert(1)</script>\r\nBcc: victim@example.com'


def _event(start=dt.datetime(2026, 3, 3, 9, 0, tzinfo=PARIS), sequence=0) -> EventInfo:
    return EventInfo(kind="discovery", trade_label="Maçon", start=start, end=start + dt.timedelta(hours=3),
                     place_name="GEIQ BTP 63 – locaux", place_address="12 rue de l'Industrie, 63000 Clermont-Ferrand",
                     partner_name="GEIQ BTP 63", uid="event-1@clauses.example.org", sequence=sequence)


def _context(kind="invitation", first_name="Amélie", last_name="Durand", **kw) -> MessageContext:
    return MessageContext(kind=kind, first_name=first_name, last_name=last_name, event=_event(),
                          unsubscribe_url="https://clauses.example.org/desinscription?m=abc123",
                          contact={"name": "Facilitateurs", "email": "facilitateurs@example.org", "phone": "04 73 00 00 00",
                                   "address": "64 avenue de l'Union Soviétique", "signature": "La cellule"}, **kw)


def test_french_dates_in_paris_time_across_summer_time():
    assert french_datetime(dt.datetime(2026, 3, 3, 8, 0, tzinfo=dt.timezone.utc)) == "mardi 3 mars 2026 à 9 h 00"
    # Summer time: 07:00 UTC is 9 h 00 in Paris in July.
    assert french_datetime(dt.datetime(2026, 7, 3, 7, 0, tzinfo=dt.timezone.utc)) == "vendredi 3 juillet 2026 à 9 h 00"


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders_french_text_and_html_with_unsubscribe_and_contact(kind):
    nxt = _event(start=dt.datetime(2026, 4, 14, 9, 0, tzinfo=PARIS))
    rendered = render(_context(kind, next_event=nxt, previous_start=dt.datetime(2026, 2, 24, 9, 0, tzinfo=PARIS)))
    for body in (rendered.text, rendered.html):
        assert "Bonjour Amélie Durand" in body
        assert "https://clauses.example.org/desinscription?m=abc123" in body
    assert "04 73 00 00 00" in rendered.text
    assert "04\u00a073\u00a000\u00a000\u00a000" in rendered.html  # kept on one line
    assert "\n" not in rendered.subject
    if kind in ("invitation", "reminder", "update"):
        assert "mardi 3 mars 2026 à 9 h 00" in rendered.text
        assert "12 rue de l&#39;Industrie" in rendered.html or "12 rue de l'Industrie" in rendered.html
    if kind == "missed_you":
        assert "mardi 14 avril 2026 à 9 h 00" in rendered.text


def test_markup_and_line_breaks_in_a_name_change_neither_html_nor_headers():
    rendered = render(_context(first_name=EVIL_NAME))
    assert "<script>" not in rendered.html
    assert "&lt;script&gt;" in rendered.html
    assert "Bcc: victim" not in rendered.text.splitlines()[0][:0] + "\n".join(
        line for line in rendered.text.splitlines() if line.startswith("Bcc"))
    message = Outgoing(public_id="p1", kind="invitation", to_email="a@example.net", to_name=EVIL_NAME,
                       from_email="clauses@example.org", from_name="Cellule", reply_to_email="f@example.org",
                       reply_to_name="F", subject="Sujet\r\nBcc: victim@example.com", text=rendered.text,
                       html=rendered.html, unsubscribe_url="https://u.example/x")
    parsed = BytesParser(policy=policy.default).parsebytes(build_mime(message).as_bytes())
    assert parsed["Bcc"] is None
    assert parsed["To"].addresses[0].addr_spec == "a@example.net"
    assert len(parsed.get_all("To")) == 1
    assert parsed["Subject"] == "Sujet Bcc: victim@example.com"


def test_ics_parses_with_an_independent_parser_and_has_the_invitation_fields():
    stamp = dt.datetime(2026, 2, 1, 10, 0, tzinfo=dt.timezone.utc)
    event = _event(start=dt.datetime(2026, 7, 3, 9, 0, tzinfo=PARIS), sequence=2)
    ics = build_calendar(event, method="REQUEST", organizer_email="facilitateurs@example.org", organizer_name="Facilitateurs",
                         attendee_email="a@example.net", attendee_name="Amélie Durand", stamp=stamp, alarm_minutes_before=1440)
    cal = vobject.readOne(ics.decode())
    assert cal.method.value == "REQUEST"
    vevent = cal.vevent
    assert vevent.uid.value == "event-1@clauses.example.org"
    assert int(vevent.sequence.value) == 2
    assert vevent.dtstamp.value == stamp
    assert vevent.dtstart.value == dt.datetime(2026, 7, 3, 7, 0, tzinfo=dt.timezone.utc)  # 9 h Paris, summer time
    assert vevent.organizer.value.lower() == "mailto:facilitateurs@example.org"
    attendee = vevent.attendee
    assert attendee.value.lower() == "mailto:a@example.net"
    assert attendee.params["RSVP"] == ["TRUE"]
    assert attendee.params["PARTSTAT"] == ["NEEDS-ACTION"]
    assert vevent.valarm.trigger.value == -dt.timedelta(days=1)
    # Same inputs, same bytes (stable UID and DTSTAMP).
    assert ics == build_calendar(event, method="REQUEST", organizer_email="facilitateurs@example.org", organizer_name="Facilitateurs",
                                 attendee_email="a@example.net", attendee_name="Amélie Durand", stamp=stamp, alarm_minutes_before=1440)


def test_the_calendar_entry_says_what_it_is_who_organises_it_and_whom_to_call():
    """Opened from a phone's calendar the day before, the entry only gave a title, a place and a time."""
    from clauses.messages.calendar import describe

    event = _event()
    description = describe(event, _context().contact)
    assert description == ("Découverte du métier de maçon, organisée par GEIQ BTP 63.\n"
                           "Un empêchement, une question : Facilitateurs – 04 73 00 00 00 – facilitateurs@example.org.")
    ics = build_calendar(event, method="REQUEST", organizer_email="f@example.org", organizer_name="F", attendee_email="a@example.net",
                         attendee_name="A", stamp=dt.datetime(2026, 2, 1, tzinfo=dt.timezone.utc), description=description)
    assert vobject.readOne(ics.decode()).vevent.description.value == description
    with_article = dataclasses.replace(event, partner_in_sentence="le GEIQ BTP 63")
    assert describe(with_article, _context().contact).startswith("Découverte du métier de maçon, organisée par le GEIQ BTP 63.")


def test_cancellation_ics_has_method_cancel_and_status_cancelled():
    ics = build_calendar(_event(sequence=3), method="CANCEL", organizer_email="f@example.org", organizer_name="F",
                         attendee_email="a@example.net", attendee_name="A", stamp=dt.datetime(2026, 2, 1, tzinfo=dt.timezone.utc))
    cal = vobject.readOne(ics.decode())
    assert cal.method.value == "CANCEL"
    assert cal.vevent.status.value == "CANCELLED"
    assert int(cal.vevent.sequence.value) == 3
    assert not hasattr(cal.vevent, "valarm")


def test_eml_parts_text_html_calendar_and_attachment():
    rendered = render(_context())
    ics = build_calendar(_event(), method="REQUEST", organizer_email="f@example.org", organizer_name="F",
                         attendee_email="a@example.net", attendee_name="A", stamp=dt.datetime(2026, 2, 1, tzinfo=dt.timezone.utc))
    message = Outgoing(public_id="p1", kind="invitation", to_email="a@example.net", to_name="Amélie Durand",
                       from_email="clauses@example.org", from_name="Cellule – Métropole", reply_to_email="f@example.org",
                       reply_to_name="F", subject=rendered.subject, text=rendered.text, html=rendered.html,
                       unsubscribe_url="https://u.example/x", ics=ics, ics_method="REQUEST")
    parsed = BytesParser(policy=policy.default).parsebytes(build_mime(message).as_bytes())
    assert parsed.get_content_type() == "multipart/mixed"
    assert parsed["Reply-To"].addresses[0].addr_spec == "f@example.org"
    assert parsed["List-Unsubscribe"] == "<https://u.example/x>"
    types = [part.get_content_type() for part in parsed.walk()]
    assert types == ["multipart/mixed", "multipart/alternative", "text/plain", "text/html", "text/calendar", "application/ics"]
    calendar_part = next(p for p in parsed.walk() if p.get_content_type() == "text/calendar")
    assert calendar_part.get_param("method") == "REQUEST"
    attachment = next(parsed.iter_attachments())
    assert attachment.get_filename() == "invitation.ics"
    assert attachment.get_content() == ics
    assert "mardi 3 mars 2026 à 9 h 00" in parsed.get_body(("plain",)).get_content()


def test_preview_command_writes_every_file(tmp_path):
    from clauses.cli import main

    assert main(["preview", "update", "--out", str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["update.eml", "update.html", "update.ics", "update.txt"]
    parsed = BytesParser(policy=policy.default).parsebytes((tmp_path / "update.eml").read_bytes())
    assert parsed["Subject"].startswith("Changement")
    assert vobject.readOne((tmp_path / "update.ics").read_text()).method.value == "REQUEST"


def test_rendering_from_an_event_skeleton_is_byte_identical_to_a_full_rendering():
    from clauses.messages import render as module

    marker = "\ue0001\ue001"  # a name that looks like an internal marker changes nothing
    for kind in KINDS:
        for first, last in [("Amélie", "Durand"), (EVIL_NAME, f"O'Hara & fils {marker}"), ("", "")]:
            context = _context(kind, first_name=first, last_name=last, previous_start=dt.datetime(2026, 3, 1, 9, tzinfo=PARIS),
                               next_event=_event(sequence=2))
            fast = render(context)
            values = module._values(context, module.one_line(first), module.one_line(last), context.unsubscribe_url)
            assert (fast.text, fast.html) == module._render_templates(module.environment(None), kind, values)
            if first:
                assert module.one_line(last) in fast.text  # printed as given, marker-like text included


def test_a_template_that_branches_on_the_name_is_rendered_in_full(tmp_path):
    folder = tmp_path / "email"
    folder.mkdir()
    (folder / "invitation.txt").write_text("{% if first_name == 'Amélie' %}Chère {{ first_name }}{% else %}Bonjour{% endif %}\n")
    (folder / "invitation.html").write_text("<p>{{ first_name }}</p>\n")
    assert render(_context(), templates_dir=str(tmp_path)).text == "Chère Amélie"
    assert render(_context(first_name="Paul"), templates_dir=str(tmp_path)).text == "Bonjour"


def test_attendee_line_folding_matches_icalendar():
    import random

    from icalendar.parser import Contentline
    from icalendar.parser.string import _foldline

    from clauses.messages.calendar import _attendee_line, _attendee_vcal, _fold

    rng = random.Random(7)
    for alphabet in ("ab\\^;:, xyz", "ab\\^é漢😀 x", "é\\^"):
        for _ in range(3000):
            line = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 260)))
            assert _fold(line.encode()) == _foldline(line).encode(), repr(line)
    for name in ("Amélie Durand", EVIL_NAME, "Zoë Ñ 漢字 " * 8, "back\\slash^caret" * 6, ""):
        for email in ("a@b.fr", "x" * 80 + "@example.net"):
            vcal = _attendee_vcal(email, name)
            assert _attendee_line(email, name) == Contentline.from_parts("ATTENDEE", vcal.params, vcal, sorted=True).to_ical()
