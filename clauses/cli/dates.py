"""Dates typed on the command line (``--as-of``, ``--start``): the same forms as everywhere else
(``clauses.planning.edits.parse_when``), a date without a time."""

from __future__ import annotations

import argparse
import datetime as dt


def parse_date(text: str) -> dt.date:
    """'07/12/2026', '2026-12-07' or 'lundi 7 décembre 2026'; anything else is a usage error."""
    from clauses.errors import ClausesError
    from clauses.planning.edits import parse_when

    try:
        value = parse_when(text)
    except ClausesError as exc:
        raise argparse.ArgumentTypeError(f"« {text} » n'est pas une date (JJ/MM/AAAA ou AAAA-MM-JJ)") from exc
    if isinstance(value, dt.datetime):
        raise argparse.ArgumentTypeError(f"« {text} » : une date seule est attendue, sans heure")
    return value
