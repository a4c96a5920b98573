"""The pre-filled attendance sheet ("feuille d'émargement") of one event, and reading it back.

Written by ``clauses attendance sheet EVENT_ID``: an XLSX with the event's number, title, date,
venue and partner on top, then one line per person invited or registered, with a line number
("N°"), their name and their answer so far. The partner fills in the status (drop-down list of the
French statuses), the contract type when someone is hired (drop-down list) and, if needed, the date.
Identifier columns are locked (sheet protection without a password: only the fill-in columns, and
the blank lines left for people who came without an invitation, are editable); sorting and
filtering stay allowed.

Read back by ``clauses attendance FILE`` (``read_attendance_sheet``): the event comes from the
sheet's header, each person from their line number (the participation's number, which no later
invitation changes), so no id is typed by hand. What a spreadsheet does to a sheet does not matter:
re-saved by LibreOffice or Excel, lines sorted or moved, the table found again by its header.
A line without a number but with a name is a walk-in: reported for the coordinator to match,
never guessed from the name. A numbered line with no status is not filled in yet and is skipped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select
from sqlalchemy.orm import Session

from clauses import french, settings
from clauses.errors import ClausesError, InputError, Problem
from clauses.exports import spreadsheet_safe
from clauses.messages.compose import References
from clauses.readers.tabular import Sheet
from clauses.storage.candidates import Candidate
from clauses.storage.outreach import Participation
from clauses.storage.planning import Event
from clauses.text import normalise_key

TITLE = "Feuille d'émargement"
SHEET_NAME = "Émargement"
EVENT_LABEL = "Événement n°"
# The table's columns: (header, width, filled in by the partner).
COLUMNS = (
    ("N°", 8, False),
    ("Nom", 22, False),
    ("Prénom", 18, False),
    ("Réponse à l'invitation", 22, False),
    ("Statut", 22, True),
    ("Type de contrat", 30, True),
    ("Date", 14, True),
    ("Commentaire", 36, True),
)
HEADERS = [c[0] for c in COLUMNS]
# The statuses and contract types of the drop-down lists (``clauses.inbound.attendance`` reads them).
STATUS_CHOICES = ("présent", "absent", "excusé", "inscrit", "désisté", "intéressé POEC", "entré en formation",
                  "formation terminée", "embauché")
CONTRACT_CHOICES = ("CDI", "CDD", "CDDI", "contrat de professionnalisation", "apprentissage", "intérim", "CTTI",
                    "CDI intérimaire")
ANSWERS = {"invited": "invité·e, sans réponse", "registered": "inscrit·e", "declined": "désisté·e",
           "waitlisted": "liste d'attente", "offered": "place proposée", "attended": "présent·e",
           "no_show": "absent·e", "excused": "excusé·e", "interested": "intéressé·e", "enrolled": "en formation",
           "completed": "formation terminée", "hired": "embauché·e"}
BLANK_LINES = 15  # lines left for people who came without an invitation
LISTED = ("invited", "registered", "waitlisted", "offered", "declined", "attended", "no_show", "excused",
          "interested", "enrolled", "completed", "hired")


@dataclass
class SheetWritten:
    path: Path
    event_id: int
    people: int


def _event(session: Session, event_id: int) -> Event:
    event = session.get(Event, event_id)
    if event is None:
        raise ClausesError(f"événement n° {event_id} inconnu : voyez les numéros dans « clauses plan show »")
    if event.status == "cancelled":
        raise ClausesError(f"l'événement n° {event_id} est annulé : pas de feuille d'émargement")
    return event


def write_attendance_sheet(session: Session, event_id: int, folder: Path | None = None) -> SheetWritten:
    """Write the event's pre-filled sheet to ``<data>/emargement/emargement-<n°>.xlsx``."""
    event = _event(session, event_id)
    info = References.load(session).event_info(event)
    people = session.execute(
        select(Participation.id, Participation.status, Candidate.last_name, Candidate.first_name)
        .join(Candidate, Candidate.id == Participation.candidate_id)
        .where(Participation.event_id == event.id, Participation.status.in_(LISTED),
               Candidate.anonymised_at.is_(None))
        .order_by(Candidate.last_name, Candidate.first_name, Participation.id)
    ).all()

    book = Workbook()
    ws = book.active
    ws.title = SHEET_NAME
    bold = Font(bold=True)
    ws["A1"] = TITLE
    ws["A1"].font = Font(bold=True, size=14)
    block = [
        (EVENT_LABEL, event.id),
        ("Intitulé", info.title[0].upper() + info.title[1:]),
        ("Date", french.span(info.start, info.end, article=False)),  # a cohort's weeks, not « de 9 h 00 à 17 h 00 »
        ("Lieu", f"{info.place_name}, {info.place_address}"),
        ("Organisé par", info.partner_name),
        ("À remplir", "Statut de chaque personne (liste), type de contrat si embauche ; une personne venue sans "
                      "invitation : nom et prénom sur une ligne vide, sans N°."),
    ]
    for offset, (label, value) in enumerate(block, start=2):
        ws.cell(offset, 1, label).font = bold
        ws.cell(offset, 2, spreadsheet_safe(value))
        ws.cell(offset, 2).alignment = Alignment(horizontal="left")
    header_row = len(block) + 3
    fill = PatternFill("solid", fgColor="FFF2CC")
    for column, (header, width, _) in enumerate(COLUMNS, start=1):
        cell = ws.cell(header_row, column, header)
        cell.font = bold
        ws.column_dimensions[cell.column_letter].width = width
    first = header_row + 1
    for index, (number, status, last_name, first_name) in enumerate(people):
        row = first + index
        for column, value in enumerate((number, last_name, first_name, ANSWERS.get(status, status)), start=1):
            ws.cell(row, column, spreadsheet_safe(value))
    last = first + len(people) + BLANK_LINES - 1
    for row in range(first, last + 1):
        walk_in = row >= first + len(people)
        for column, (_, _, editable) in enumerate(COLUMNS, start=1):
            cell = ws.cell(row, column)
            if editable or (walk_in and HEADERS[column - 1] in ("Nom", "Prénom")):
                cell.protection = Protection(locked=False)
                cell.fill = fill
        ws.cell(row, HEADERS.index("Date") + 1).number_format = "DD/MM/YYYY"

    def choices(values: tuple[str, ...], header: str) -> None:
        letter = ws.cell(header_row, HEADERS.index(header) + 1).column_letter
        rule = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True,
                              showErrorMessage=True, errorTitle="Valeur inconnue",
                              error="Choisissez une valeur de la liste.")
        rule.add(f"{letter}{first}:{letter}{last}")
        ws.add_data_validation(rule)

    choices(STATUS_CHOICES, "Statut")
    choices(CONTRACT_CHOICES, "Type de contrat")
    ws.freeze_panes = ws.cell(first, 1)
    ws.auto_filter.ref = f"A{header_row}:{ws.cell(header_row, len(COLUMNS)).column_letter}{last}"
    ws.protection.sheet = True
    ws.protection.sort = False  # allowed, like filtering and adding lines
    ws.protection.autoFilter = False
    ws.protection.insertRows = False
    ws.protection.formatColumns = False
    folder = folder or settings.output_dir("emargement")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"emargement-{event.id}.xlsx"
    tmp = path.with_suffix(".tmp")
    book.save(tmp)
    tmp.replace(path)
    return SheetWritten(path=path, event_id=event.id, people=len(people))


# --------------------------------------------------------------------------------------------------
# Reading it back


@dataclass
class FilledSheet:
    """The lines to record (as ``clauses.inbound.attendance`` reads any sheet) and the walk-ins."""

    sheet: Sheet
    walk_ins: list[dict]  # {"row", "Nom", "Prénom", …} of lines without a number: to match by hand
    unfilled: int  # numbered lines with no status yet


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M") if (value.hour, value.minute) != (0, 0) else value.strftime("%d/%m/%Y")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return " ".join(str(value).split())


def is_attendance_sheet(path: Path) -> bool:
    """Whether ``path`` is an XLSX this module wrote (its title in the first cell, anywhere a
    spreadsheet moved it within the first rows)."""
    if path.suffix.lower() not in (".xlsx", ".xlsm") or not path.exists():
        return False
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # not a workbook: the general reader says so
        return False
    try:
        ws = book.worksheets[0]
        for row in ws.iter_rows(min_row=1, max_row=5, max_col=2, values_only=True):
            if any(normalise_key(_text(v)) == normalise_key(TITLE) for v in row):
                return True
        return False
    finally:
        book.close()


def read_attendance_sheet(path: Path) -> FilledSheet:
    """Read a filled-in sheet into the canonical columns of ``clauses.inbound.attendance``
    (event, participation, status, contract_type, date) with the spreadsheet's row numbers."""
    name = path.name
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = [[_text(v) for v in row] for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()
    event_number = ""
    header_index = None
    wanted = {normalise_key(h): h for h in HEADERS}
    for index, cells in enumerate(rows):
        keys = [normalise_key(c) for c in cells]
        if keys and keys[0] == normalise_key(EVENT_LABEL) and len(cells) > 1:
            event_number = cells[1]
        if normalise_key("N°") in keys and normalise_key("Statut") in keys:
            header_index = index
            break
    if header_index is None:
        raise InputError([Problem(name, None, "N°", "feuille d'émargement sans tableau : la ligne d'en-tête "
                                                    "(N°, Nom, Prénom, Statut…) est introuvable")])
    if not event_number:
        raise InputError([Problem(name, None, EVENT_LABEL, "feuille d'émargement sans numéro d'événement")])
    position = {wanted[k]: i for i, k in enumerate(normalise_key(c) for c in rows[header_index]) if k in wanted}

    def cell(cells: list[str], header: str) -> str:
        i = position.get(header)
        return cells[i] if i is not None and i < len(cells) else ""

    records: list[dict] = []
    numbers: list[int] = []
    walk_ins: list[dict] = []
    unfilled = 0
    for offset, cells in enumerate(rows[header_index + 1:], start=header_index + 2):
        number = cell(cells, "N°")
        status = cell(cells, "Statut")
        names = (cell(cells, "Nom"), cell(cells, "Prénom"))
        if not number:
            if any(names):
                walk_ins.append({"ligne": offset, "Nom": names[0], "Prénom": names[1], "Statut": status,
                                 "Type de contrat": cell(cells, "Type de contrat"), "Date": cell(cells, "Date"),
                                 "Commentaire": cell(cells, "Commentaire")})
            continue
        if not status:
            unfilled += 1
            continue
        records.append({"event": event_number, "participation": number, "status": status,
                        "contract_type": cell(cells, "Type de contrat"), "date": cell(cells, "Date")})
        numbers.append(offset)
    columns = ["event", "participation", "status", "contract_type", "date"]
    frame = pd.DataFrame(records, columns=columns, dtype=object).fillna("")
    original = {"event": EVENT_LABEL, "participation": "N°", "status": "Statut", "contract_type": "Type de contrat",
                "date": "Date"}
    sheet = Sheet(file=name, frame=frame, rows=pd.Series(numbers, dtype="int64"), original_headers=original)
    return FilledSheet(sheet=sheet, walk_ins=walk_ins, unfilled=unfilled)
