"""Dates, times and words as people read them here: French, Europe/Paris time.

One place for the formats so that an email, a calendar feed, a report and an export say the same
thing the same way: "mardi 3 mars 2026 à 9 h 00", "lundi 1er mars 2027", "d'électricien du bâtiment".
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

PARIS = ZoneInfo("Europe/Paris")
LOCALE = "fr_FR"

# What each kind of event is called in a table, a list or an export (the steps of the chain, in
# order). Inside a sentence, messages use their own forms (``clauses.messages.render``).
EVENT_KIND_LABELS = {
    "information_session": "Réunion d'information",
    "discovery": "Découverte métiers",
    "poec": "POEC",
    "recruitment": "Rencontre de recrutement",
}
# What an event's status is called in a table, a list or an export.
EVENT_STATUS_LABELS = {"scheduled": "prévu", "moved": "déplacé", "cancelled": "annulé", "held": "tenu"}
# How many of each kind, in a sentence: (one, several).
EVENT_KIND_NOUNS = {
    "information_session": ("réunion d'information", "réunions d'information"),
    "discovery": ("découverte métiers", "découvertes métiers"),
    "poec": ("POEC", "POEC"),
    "recruitment": ("rencontre de recrutement", "rencontres de recrutement"),
}


NO_BREAK_SPACE = "\u00a0"
_MONTHS = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
# Where French typography keeps words together: inside a time ("9 h 00"), a day and its month
# ("1er mars"), a number and its sign ("n° 75"), an acronym and its département ("GEIQ BTP 63"),
# inside « guillemets », and before : ; ! ? (when they end a clause) and %.
_KEPT_TOGETHER = re.compile(
    r"(?<=\d) (?=h \d\d)|(?<=\d h) (?=\d\d)|(?<=\d) (?=(?:" + _MONTHS + r")\b)|(?<=1er) (?=(?:" + _MONTHS + r")\b)"
    r"|(?<=[nN]°) (?=\d)|(?<=[A-Z]{2}) (?=\d\d\b)|(?<=«) | (?=»)|(?<=[\w)»’]) (?=[:;!?](?:\s|<|$))|(?<=\d) (?=%)"
)
# A French phone number written in pairs: "04 73 00 00 00", "+33 4 73 00 00 00".
_PHONE_NUMBER = re.compile(r"(?<![\d+])(?<!\d )(?:0|\+33 ?)\d(?: \d\d){4}(?! ?\d)")


def kept_together(text: str) -> str:
    """``text`` with the spaces a line must not break at made no-break spaces: '9 h 00', « Maçon »,
    'vos lots :', 'en recherche ?', '12 %', '04 73 00 00 00'. For pages and HTML emails, where a
    phone's narrow screen would otherwise start a line with '00', '»' or '?'; plain text keeps
    ordinary spaces."""
    text = _PHONE_NUMBER.sub(lambda number: number.group().replace(" ", NO_BREAK_SPACE), text)
    return _KEPT_TOGETHER.sub(NO_BREAK_SPACE, text)


def counted(number: int | str, one: str, several: str) -> str:
    """'1 place libérée', '2 places libérées', '0 inscrit': in French, 0 and 1 take the singular
    (a count not known, '?', the plural)."""
    return f"{number} {one if isinstance(number, int) and number <= 1 else several}"


def import_counts(created: int, updated: int, unchanged: int, rejected: int) -> str:
    """'3 créés, 0 mis à jour, 1 inchangé, 0 refusé': what an import did to its lots or candidates."""
    return (f"{counted(created, 'créé', 'créés')}, {updated} mis à jour, "
            f"{counted(unchanged, 'inchangé', 'inchangés')}, {counted(rejected, 'refusé', 'refusés')}")


def event_counts(counts: dict[str, int]) -> str:
    """'4 découvertes métiers, 1 rencontre de recrutement', in the chain's order; 'aucun' for none."""
    parts = [counted(counts[kind], *EVENT_KIND_NOUNS[kind]) for kind in EVENT_KIND_NOUNS if counts.get(kind)]
    parts += [f"{n} {kind}" for kind, n in counts.items() if kind not in EVENT_KIND_NOUNS and n]
    return ", ".join(parts) or "aucun"


def _aware(moment: dt.datetime) -> dt.datetime:
    """Naive datetimes in this project are UTC (see ``clauses.storage.base.UTCDateTime``)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def _format(moment: dt.datetime, pattern: str) -> str:
    """Babel's format in Paris time; the first day of a month is "1er" ("lundi 1er mars")."""
    moment = _aware(moment)
    if "d" in pattern and moment.astimezone(PARIS).day == 1:
        pattern = pattern.replace("d ", "d'er' ", 1)
    return format_datetime(moment, pattern, locale=LOCALE, tzinfo=PARIS)


def phone_number(e164: str) -> str:
    """A stored number as people here write it: '06 39 98 00 04' for a French one, '+32 2 123 45 67'
    for another country's; what cannot be read is shown as stored."""
    import phonenumbers

    try:
        number = phonenumbers.parse(e164, "FR")
    except phonenumbers.NumberParseException:
        return e164
    style = phonenumbers.PhoneNumberFormat.NATIONAL if number.country_code == 33 else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style)


def file_stamp(moment: dt.datetime | None = None) -> str:
    """'20261207-202309': a moment (now by default) in Paris time, for the names of files people
    open, so that a report's name and its « Édité le … à 20 h 23 » say the same time."""
    moment = _aware(moment) if moment is not None else dt.datetime.now(dt.timezone.utc)
    return moment.astimezone(PARIS).strftime("%Y%m%d-%H%M%S")


@lru_cache(maxsize=1024)
def datetime_long(moment: dt.datetime) -> str:
    """'mardi 3 mars 2026 à 9 h 00'."""
    return _format(moment, "EEEE d MMMM y 'à' H 'h' mm")


@lru_cache(maxsize=1024)
def date_long(moment: dt.datetime) -> str:
    """'mardi 3 mars 2026'."""
    return _format(moment, "EEEE d MMMM y")


@lru_cache(maxsize=1024)
def date_short(moment: dt.datetime) -> str:
    """'03/03/2026' (Paris day), for table cells."""
    return _format(moment, "dd/MM/y")


@lru_cache(maxsize=1024)
def time_of_day(moment: dt.datetime) -> str:
    """'9 h 00'."""
    return _format(moment, "H 'h' mm")


def span(start: dt.datetime, end: dt.datetime, *, article: bool = True) -> str:
    """'le lundi 14 décembre 2026, de 9 h 00 à 12 h 00' within a Paris day (without 'le' for a
    label's value); otherwise 'du lundi 22 juin 2026 à 9 h 00 au vendredi 4 septembre 2026 à 17 h 00'."""
    if paris_day(start) == paris_day(end):
        return f"{'le ' if article else ''}{date_long(start)}, de {time_of_day(start)} à {time_of_day(end)}"
    return f"du {datetime_long(start)} au {datetime_long(end)}"


def _day_of_month(moment: dt.datetime) -> str:
    """'1er' on the first of the month, the number otherwise (French usage)."""
    day = _aware(moment).astimezone(PARIS).day
    return "1er" if day == 1 else str(day)


@lru_cache(maxsize=1024)
def datetime_listed(moment: dt.datetime) -> str:
    """'lundi 7 décembre 2026, 9 h 00': an event in a list (``clauses plan show``). ``clauses plan
    move`` reads this form back (``clauses.planning.edits.parse_when``)."""
    aware = _aware(moment)
    weekday = format_datetime(aware, "EEEE", locale=LOCALE, tzinfo=PARIS)
    rest = format_datetime(aware, "MMMM y, H 'h' mm", locale=LOCALE, tzinfo=PARIS)
    return f"{weekday} {_day_of_month(aware)} {rest}"


def percent(value: float) -> str:
    """'12,3 %' (French decimal comma and the space before %)."""
    from babel.numbers import format_percent

    return format_percent(value, "#,##0.0 %", locale=LOCALE)


def number(value: float) -> str:
    """'0,5', '1 250,75': a decimal comma, digits grouped by a no-break space."""
    from babel.numbers import format_decimal

    return format_decimal(value, locale=LOCALE)


def datetime_short(moment: dt.datetime) -> str:
    """'03/03/2026 9 h 00', for table cells and exports."""
    return f"{date_short(moment)} {time_of_day(moment)}"


# Words starting with an "h aspiré" take no elision ("de hauteur" is wrong only for h muet words):
# the common stems of trade vocabulary. Everything else starting with a vowel or h elides.
H_ASPIRE = ("hache", "haie", "hall", "halle", "hamac", "hameau", "hangar", "hanche", "harc", "haricot", "harnais",
            "hasard", "hâte", "hausse", "haut", "hérisson", "héros", "hêtre", "hibou", "hiérarch", "hockey", "homard",
            "honte", "hors", "hotte", "houblon", "housse", "hublot", "huit", "hurl", "hutte")
_VOWELS = set("aeiouyàâäéèêëîïôöùûüœæ")
_INCLUSIVE = re.compile(r"(?<=\w)\((e|es|ne|le|se|re|ère|euse|rice|trice)\)")


def common_noun(label: str) -> str:
    """A trade label as it reads inside a sentence: first letter in lower case unless the first word
    is an acronym ("Électricien du bâtiment" → "électricien du bâtiment", "VRD" stays), and the
    feminine in parentheses written the way the emails write it ("Chargé(e)" → "chargé·e")."""
    text = _INCLUSIVE.sub(lambda m: "·" + m.group(1), " ".join(str(label).split()))
    first = text.split(" ", 1)[0]
    if first and not (len(first) > 1 and first.isupper()):
        text = text[0].lower() + text[1:]
    return text


def elides(word: str) -> bool:
    """Whether "de", "le", "que" lose their vowel before this word (vowel or h muet)."""
    word = word.lower()
    if not word:
        return False
    if word[0] == "h":
        return not word.startswith(H_ASPIRE)
    if word[0] == "y":  # "de Yasmine" keeps, "d'Yves" elides: before a consonant sound only
        return len(word) > 1 and unicodedata.normalize("NFD", word[1])[0] not in _VOWELS
    return unicodedata.normalize("NFD", word[0])[0] in _VOWELS or word[0] in _VOWELS


def de(label: str) -> str:
    """'de peintre en bâtiment', "d'électricien du bâtiment", "d'étancheur", "de chargé·e de …"."""
    noun = common_noun(label)
    return f"d'{noun}" if elides(noun) else f"de {noun}"


def paris_day(moment: dt.datetime) -> dt.date:
    """The day a moment falls on in Paris."""
    return _aware(moment).astimezone(PARIS).date()


def month_long(day: dt.date) -> str:
    """'mars 2027': the month a day falls in."""
    return format_date(day, "MMMM y", locale=LOCALE)


def day_long(day: dt.date | dt.datetime) -> str:
    """'1er mars 2027', '3 mars 2026' (a date, or a moment's Paris day)."""
    if isinstance(day, dt.datetime):
        day = paris_day(day)
    return f"{'1er' if day.day == 1 else day.day} {month_long(day)}"


def when_short(moment: dt.datetime) -> str:
    """'lundi 7 décembre 2026, 9 h 00': a table cell's date and Paris time (the form of
    ``datetime_listed``, which ``clauses plan move`` reads back)."""
    return datetime_listed(moment)