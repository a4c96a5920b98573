"""Dates typed on the command line: one parser for every option that takes a day, reading the
formats the rest of the product reads (``31/12/2026``, ``2026-12-31``, ``31 décembre 2026``,
``jeudi 31 décembre 2026``), the calendar checked (``31/02/2027`` is not a date)."""

from __future__ import annotations

import argparse
import datetime as dt

EXAMPLES = "31/12/2026, 2026-12-31 ou 31 décembre 2026"


def day(text: str) -> dt.date:
    """``type=`` of an argparse option that takes a day."""
    from clauses.planning.edits import EditError, parse_when

    try:
        value = parse_when(text)
    except EditError:
        value = None
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise argparse.ArgumentTypeError(f"pas une date : « {text} » (exemples : {EXAMPLES})")
    return value


parse_date = day  # the name the command modules import
