"""Every email template with every trade label of config/trades.yaml, every first day of a month
and every kind of change: French elision and case, "1er", blank lines, what changed, POEC length."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from clauses import french
from clauses.config import load_config
from clauses.messages.render import KINDS, EventInfo, MessageContext, describe_changes, render
from clauses.settings import config_dir

PARIS = french.PARIS
LABELS = [trade.label for trade in load_config(config_dir()).trades]
# Labels another change may add, and words that test the rule (vowel, h muet, h aspiré, acronym).
EXTRA_LABELS = ["Menuisier", "Couvreur", "Carreleur", "Électricienne", "Horticulteur", "Hotte installateur",
                "Agent(e) d'entretien", "Ouvrier VRD", "Isolateur", "Usineur"]
CONTACT = {"name": "Facilitateurs", "email": "f@example.org", "phone": "04 73 00 00 00", "address": "1 rue A",
           "signature": "La cellule"}


def _event(label: str, start: dt.datetime, kind: str = "discovery", *, place="Salle A", address="1 rue B",
           length=dt.timedelta(hours=3), hours=None) -> EventInfo:
    return EventInfo(kind=kind, trade_label=label, start=start, end=start + length, place_name=place,
                     place_address=address, partner_name="GEIQ BTP 63", uid="u@x", sequence=1, hours=hours)


def _render(kind: str, label: str, start: dt.datetime, **kw):
    poec = _event(label, start + dt.timedelta(days=30), "poec", length=dt.timedelta(weeks=11), hours=400)
    return render(MessageContext(kind=kind, first_name="Zoé", last_name="Martin", event=_event(label, start),
                                 unsubscribe_url="https://x.org/u?m=1", contact=CONTACT, next_event=poec,
                                 previous_start=start - dt.timedelta(days=7), **kw))


@pytest.mark.parametrize("label", LABELS + EXTRA_LABELS)
@pytest.mark.parametrize("kind", KINDS)
def test_every_template_writes_the_trade_with_elision_and_in_lower_case(kind, label):
    rendered = _render(kind, label, dt.datetime(2027, 3, 1, 9, 0, tzinfo=PARIS))
    noun = french.common_noun(label)
    for body in (rendered.text, rendered.subject):
        assert label not in body or label == noun, body  # "Électricien" never in the middle of a sentence
        assert not re.search(r"\bde [aeiouéèêàâîôûAEIOUÉÈ]", body), body
        assert not re.search(r"\bde h(?!ott)", body), body  # h muet elides ("hotte" is aspiré)
        assert "(e)" not in body
    assert french.de(label) in rendered.text or kind == "poec_offer" and french.de(label) in rendered.subject


def test_elision_and_case_of_trade_labels():
    assert french.de("Électricien du bâtiment") == "d'électricien du bâtiment"
    assert french.de("Peintre en bâtiment") == "de peintre en bâtiment"
    assert french.de("Étancheur") == "d'étancheur"
    assert french.de("Horticulteur") == "d'horticulteur"
    assert french.de("Hotte installateur") == "de hotte installateur"
    assert french.de("Chargé(e) de relations locataires") == "de chargé·e de relations locataires"
    assert french.de("VRD") == "de VRD"
    assert french.de("Maçon VRD") == "de maçon VRD"


@pytest.mark.parametrize("month", range(1, 13))
@pytest.mark.parametrize("kind", KINDS)
def test_the_first_day_of_every_month_is_written_1er(kind, month):
    start = dt.datetime(2027, month, 1, 9, 0, tzinfo=PARIS)
    rendered = _render(kind, "Plaquiste", start)
    assert not re.search(r"\b1 (janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre)",
                         rendered.text + rendered.html + rendered.subject)
    if kind not in ("poec_offer", "outcome_request"):
        assert f"1er {french.date_long(start).split()[2]}" in rendered.text


@pytest.mark.parametrize("kind", KINDS)
def test_a_blank_line_precedes_the_contact_paragraph(kind):
    for with_next in (True, False):
        text = render(MessageContext(kind=kind, first_name="A", last_name="B",
                                     event=_event("Maçon", dt.datetime(2027, 3, 2, 9, tzinfo=PARIS)),
                                     unsubscribe_url="u", contact=CONTACT,
                                     next_event=_event("Maçon", dt.datetime(2027, 4, 2, 9, tzinfo=PARIS)) if with_next else None)).text
        assert "\n\nPour toute question" in text, text


START = dt.datetime(2027, 3, 2, 9, 0, tzinfo=PARIS)
CHANGES = {
    "date": (_event("Maçon", START - dt.timedelta(days=7)), ["Nouvelle date : mardi 2 mars 2027 à 9 h 00 (au lieu du mardi 23 février 2027 à 9 h 00)."]),
    "time": (_event("Maçon", START + dt.timedelta(hours=5)), ["Nouvel horaire : de 9 h 00 à 12 h 00 (au lieu de 14 h 00 à 17 h 00)."]),
    "end": (_event("Maçon", START, length=dt.timedelta(hours=2)), ["Nouvel horaire : de 9 h 00 à 12 h 00 (au lieu de 9 h 00 à 11 h 00)."]),
    "venue": (_event("Maçon", START, place="Salle C", address="3 rue D"),
              ["Nouveau lieu : Salle A, 1 rue B (au lieu de Salle C, 3 rue D)."]),
    "nothing visible": (_event("Maçon", START), ["Les informations pratiques ont été mises à jour ; la date, l'horaire et le lieu ne changent pas."]),
}


@pytest.mark.parametrize("change", CHANGES)
def test_the_update_email_says_what_changed(change):
    previous, expected = CHANGES[change]
    assert list(describe_changes(previous, _event("Maçon", START))) == expected
    rendered = render(MessageContext(kind="update", first_name="A", last_name="B", event=_event("Maçon", START),
                                     unsubscribe_url="u", contact=CONTACT, previous_start=previous.start,
                                     previous_event=previous))
    for line in expected:
        assert line in rendered.text
        # In HTML, where a phone's narrow screen would cut them, the spaces of French typography do not break.
        assert french.kept_together(line.replace("'", "&#39;")) in rendered.html


def test_date_venue_and_time_changed_together_are_all_said():
    previous = _event("Maçon", START - dt.timedelta(days=1, hours=1), place="Salle C", address="3 rue D")
    lines = describe_changes(previous, _event("Maçon", START))
    assert [line.split(" :")[0] for line in lines] == ["Nouvelle date", "Nouvel horaire", "Nouveau lieu"]


def test_the_poec_offer_gives_its_length_and_hours():
    rendered = _render("poec_offer", "Coffreur", START)
    assert "Elle dure 11 semaines (400 heures de formation)" in rendered.text
    assert "au métier de coffreur" in rendered.subject


def test_counts_take_the_singular_for_zero_and_one_and_the_plural_otherwise():
    assert french.import_counts(0, 0, 1, 0) == "0 créé, 0 mis à jour, 1 inchangé, 0 refusé"
    assert french.import_counts(10, 2, 3, 4) == "10 créés, 2 mis à jour, 3 inchangés, 4 refusés"
    assert french.counted("?", "invitation envoyée", "invitations envoyées") == "? invitations envoyées"


def test_numbers_have_a_decimal_comma():
    assert french.number(0.5) == "0,5" and french.number(1250.75) == "1\u202f250,75"


@pytest.mark.parametrize("written, shown", [
    ("lundi 1er mars 2027 à 9 h 00", "lundi 1er\u00a0mars 2027 à 9\u00a0h\u00a000"),
    ("du 22 juin au 4 septembre 2026", "du 22\u00a0juin au 4\u00a0septembre 2026"),
    ("POEC n° 25 (du lundi", "POEC n°\u00a025 (du lundi"),
    ("par le GEIQ BTP 63.", "par le GEIQ BTP\u00a063."),
    ("SIRET 99901100000000", "SIRET 99901100000000"),  # a long number may go to the next line
    ("le métier « Façadier » seulement", "le métier «\u00a0Façadier\u00a0» seulement"),
    ("contactez-nous :<br>", "contactez-nous\u00a0:<br>"),
    ("toujours en recherche ?</p>", "toujours en recherche\u00a0?</p>"),
    ("mises à jour ; la date", "mises à jour\u00a0; la date"),
    ("12,5 %", "12,5\u00a0%"),
    ("Facilitateurs – 04 73 00 00 00", "Facilitateurs – 04\u00a073\u00a000\u00a000\u00a000"),
    ("+33 4 73 00 00 00", "+33\u00a04\u00a073\u00a000\u00a000\u00a000"),
    # Left as they are: a style sheet, a link, a colon inside a word or a time written the English way.
    ("  :root { color-scheme: light; }", "  :root { color-scheme: light; }"),
    ("https://exemple.fr/r/abc?x=1", "https://exemple.fr/r/abc?x=1"),
    ("10:30, 2 heures", "10:30, 2 heures"),
    ("lots 01 02 03 04 05 06", "lots 01 02 03 04 05 06"),  # not a phone number: six pairs
    ("pour mai, 3 maisons", "pour mai, 3 maisons"),  # a month after a word; a word that begins like one
])
def test_the_spaces_french_typography_keeps_together(written, shown):
    assert french.kept_together(written) == shown


def test_html_pages_keep_french_spaces_together_in_their_own_text_and_their_values_but_text_emails_do_not():
    rendered = render(MessageContext(kind="invitation", first_name="A", last_name="B", event=_event("Maçon", START),
                                     unsubscribe_url="u", contact=CONTACT, yes_url="y", no_url="n"))
    assert "9\u00a0h\u00a000" in rendered.html and "9 h 00" not in rendered.html  # a value
    assert "contactez-nous\u00a0:" in rendered.html  # the template's own text
    assert "\u00a0" not in rendered.text and "9 h 00" in rendered.text


def test_phone_numbers_are_shown_as_written_here():
    assert french.phone_number("+33639980004") == "06 39 98 00 04"  # stored E.164, read in pairs
    assert french.phone_number("+3224569999") == "+32 2 456 99 99"  # another country: its own prefix
    assert french.phone_number("pas un numéro") == "pas un numéro"


@pytest.mark.parametrize("kind", KINDS)
def test_imperatives_join_their_pronouns_with_hyphens(kind):
    """« dites-le nous » is written « dites-le-nous »."""
    rendered = _render(kind, "Maçon", dt.datetime(2027, 3, 1, 9, 0, tzinfo=PARIS))
    for body in (rendered.text, rendered.html):
        assert not re.search(r"\b\w+-(le|la|les) (nous|moi|lui|leur)\b", body), body


def test_a_span_says_one_day_once():
    paris = ZoneInfo("Europe/Paris")
    start = dt.datetime(2026, 12, 14, 9, tzinfo=paris)
    assert french.span(start, start.replace(hour=12)) == "le lundi 14 décembre 2026, de 9 h 00 à 12 h 00"
    assert french.span(start, start.replace(hour=12), article=False) == "lundi 14 décembre 2026, de 9 h 00 à 12 h 00"
    assert french.span(dt.datetime(2027, 3, 1, 8, tzinfo=dt.timezone.utc), dt.datetime(2027, 5, 7, 15, tzinfo=dt.timezone.utc)) == (
        "du lundi 1er mars 2027 à 9 h 00 au vendredi 7 mai 2027 à 17 h 00")  # UTC shown in Paris time
