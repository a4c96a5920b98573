"""The self-contained HTML report: one file, French, charts embedded as base64 PNG, rendered from
``templates/report/outcomes.html`` with autoescape on (names and labels cannot inject markup)."""

from __future__ import annotations

import base64
import datetime as dt
import math
from functools import lru_cache
from pathlib import Path

import pandas as pd
from babel.numbers import format_decimal, format_percent
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from clauses import french, settings
from clauses.french import EVENT_KIND_LABELS, EVENT_STATUS_LABELS, kept_together
from clauses.reporting import charts
from clauses.reporting.chain import STATUS_LABELS, steps_table
from clauses.reporting.report import PERCENT_COLUMNS, OutcomeReport, french_day, tables
from clauses.typography import KeptTogether, kept_together_values


def french_number(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "—"
    if isinstance(value, (int, float)):
        return format_decimal(value, format="#,##0.#", locale="fr_FR")
    return str(value)


def french_percent(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return format_percent(value, format="#,##0.0 %", locale="fr_FR")


# Free text that may run long: it wraps, where other text stays on one line.
WRAPPED_COLUMNS = {"Pourquoi", "Étapes de la chaîne", "Comptés sur"}


def cell_class(value, column: str) -> str:
    """Numbers (and percentages) are right-aligned in the tables, text left-aligned; only free
    text wraps."""
    if column in PERCENT_COLUMNS or column.startswith("N°") or (
            isinstance(value, (int, float)) and not isinstance(value, bool)):
        return "num"
    return "text wrap" if column in WRAPPED_COLUMNS else "text"


def cell(value, column: str) -> str:
    """A table cell's text; a text of several lines keeps them (French spaces kept together)."""
    if isinstance(value, dt.date):
        return french.day_long(value)
    if isinstance(value, str) and "\n" in value:
        return Markup("<br>").join(escape(kept_together(line)) for line in value.split("\n"))
    if column in PERCENT_COLUMNS:
        return french_percent(value)
    if column.startswith("N°"):
        return str(value)
    return french_number(value)


@lru_cache(maxsize=4)
def environment(templates_dir: str | None = None) -> Environment:
    folder = Path(templates_dir) if templates_dir else settings.templates_dir()
    env = Environment(
        loader=FileSystemLoader(str(folder)),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
        undefined=StrictUndefined,
        extensions=[KeptTogether],
        finalize=kept_together_values,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cell"] = cell
    env.filters["cell_class"] = cell_class
    env.filters["number"] = french_number
    env.filters["percent"] = french_percent
    return env


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _section(stem: str, title: str, frame: pd.DataFrame, empty: str = "Aucune donnée pour l'instant.") -> dict:
    return {"stem": stem, "title": title, "columns": list(frame.columns), "rows": frame.to_dict("records"), "empty": empty}


# What can already be counted for an event still to come: nobody can be present before it starts.
UPCOMING_COLUMNS = ["N° événement", "Type", "Métier", "Date", "Statut", "Places", "Invités", "Inscrits",
                    "Ont décliné", "Adresse en échec", "Désinscrits"]
# An event held or cancelled is named in one cell of three lines (four when it was not held), so
# that its 14 counts fit beside it on a laptop; its day is enough once it is over.
EVENT_IDENTITY = ["N° événement", "Type", "Métier", "Date", "Heure", "Statut"]


def _named_events(events: pd.DataFrame, days: pd.Series) -> pd.DataFrame:
    """``events`` with their identity columns made one « Événement » cell: type and number, trade,
    day (``days``, on the same index), and the status unless the event was held."""
    status = events["Statut"].map(lambda label: "" if label == EVENT_STATUS_LABELS["held"] else f"\nStatut : {label}")
    named = (events["Type"] + " n° " + events["N° événement"].astype(str) + "\n" + events["Métier"] + "\n"
             + days.loc[events.index] + status)
    return pd.concat([named.rename("Événement"), events.drop(columns=EVENT_IDENTITY)], axis=1)


def _event_sections(report: OutcomeReport, events: pd.DataFrame) -> list[dict]:
    """The per-event table (``tables``' rows, in the same order) shown as two: events still to come,
    with what can be counted before an event (invited, registered…), and the others with every
    step, each named in one cell. One table of 19 columns scrolled sideways on a laptop, hiding
    the hires; exports keep the one table."""
    to_come = (pd.Series([start > report.generated_at for start in report.by_event["event_start"]], dtype=bool)
               & report.by_event["event_status"].isin(["scheduled", "moved"])).to_numpy()
    # An event to come is said with its weekday and hour, in one cell (exports keep a date, and the hour beside).
    upcoming = events.loc[to_come].assign(Date=report.by_event["event_start"].loc[to_come].map(french.when_short))
    return [
        _section("evenements-a-venir", "Événements à venir : invitations et inscriptions", upcoming[UPCOMING_COLUMNS],
                 empty="Aucun événement à venir n'a encore d'invité."),
        _section("entonnoir-evenements", "Parcours par événement (événements passés ou annulés)", _named_events(events.loc[~to_come], report.by_event["event_start"].map(french.date_long))),
    ]


def _main_chain(report: OutcomeReport) -> dict | None:
    """The chain with the most hires, in full: its events in order, its steps, its chart."""
    if not report.chains:
        return None
    chain = report.chains[0]
    trade = report.trade_labels.get(chain.trade_key, chain.trade_key)
    return {
        "trade": trade,
        "events": [
            {"kind": EVENT_KIND_LABELS.get(e.kind, e.kind), "id": e.id, "when": e.when(),
             "status": STATUS_LABELS.get(e.status, e.status)}
            for e in chain.events
        ],
        "steps": _section("chaine-etapes", f"Personnes à chaque étape : {trade}", steps_table(chain)),
        "chart": _data_uri(charts.chain_chart(chain, report.trade_labels)),
        "others": len(report.chains) - 1,
    }


def render_html(report: OutcomeReport, templates_dir: str | None = None) -> str:
    frames = tables(report)
    sections = [_section(stem, title, frame) for stem, (title, frame) in frames.items() if stem != "entonnoir-evenements"]
    by_stem = {s["stem"]: s for s in [*sections, *_event_sections(report, frames["entonnoir-evenements"][1])]}
    snapshot = report.coverage.snapshot
    values = {
        "generated": french.datetime_long(report.generated_at),
        "totals": report.totals,
        "answers": report.answers,
        "include_names": report.include_names,
        "names": report.names.to_dict("records") if report.names is not None else [],
        "name_columns": list(report.names.columns) if report.names is not None else [],
        "funnel_chart": _data_uri(charts.funnel_chart(report.totals)),
        "coverage_chart": _data_uri(charts.coverage_chart(report.coverage.table, report.trade_labels)),
        "companies_chart": _data_uri(charts.companies_chart(report.companies if report.companies is not None else pd.DataFrame())),
        "sections": by_stem,
        "chain": _main_chain(report),
        "notes": report.notes,
        "snapshot": (
            {
                "id": snapshot["snapshot_id"],
                "as_of": french_day(snapshot["as_of"]),
                "horizon_end": french_day(snapshot["horizon_end"]),
            }
            if snapshot
            else None
        ),
        "min_observations": report.conversion["min_observations"],
        "hours_per_hire": report.coverage.hours_per_hire,
        "weekly_hours": report.coverage.weekly_hours,
    }
    return environment(templates_dir).get_template("report/outcomes.html").render(values)
