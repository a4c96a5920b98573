"""Funnel counts per event, per trade, per month and overall (see ``facts`` for the stages).

Counts are people: within a group (an event, a trade, a month, everything) a person counts once, at
every stage up to the furthest one they reached in any participation of the group. Bounces and
unsubscribes count the people of the group whose address bounced or who unsubscribed.
"""

from __future__ import annotations

import pandas as pd

from clauses.reporting.facts import SIDE_OUTCOMES, STAGES

COUNT_COLUMNS = [*STAGES, *SIDE_OUTCOMES, "bounced", "unsubscribed"]

LABELS = {
    "invited": "Invités",
    "registered": "Inscrits",
    "attended": "Présents",
    "selected": "Retenus",
    "poec": "En POEC",
    "completed": "Formation terminée",
    "met_employer": "Ont rencontré un employeur",
    "hired": "Embauchés",
    "declined": "Ont décliné",
    "no_show": "Absents",
    "excused": "Excusés",
    "bounced": "Adresse en échec",
    "unsubscribed": "Désinscrits",
}


def _per_person(facts: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    flags = [*SIDE_OUTCOMES, "bounced", "unsubscribed"]
    agg = {"stage": "max", **{f: "max" for f in flags}}
    people = facts.groupby([*keys, "person"], dropna=False).agg(agg).reset_index()
    for f in flags:
        people[f] = people[f].astype(bool)
    return people


def counts(facts: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """One row per group of ``keys`` with the count columns (``COUNT_COLUMNS``)."""
    if facts.empty:
        return pd.DataFrame(columns=[*keys, *COUNT_COLUMNS])
    people = _per_person(facts, keys)
    for i, stage in enumerate(STAGES):
        people[stage] = people["stage"] >= i
    out = people.groupby(keys, dropna=False)[COUNT_COLUMNS].sum().reset_index()
    out[COUNT_COLUMNS] = out[COUNT_COLUMNS].astype(int)
    return out


def by_event(facts: pd.DataFrame) -> pd.DataFrame:
    table = counts(facts, ["event_id"])
    if table.empty:
        return pd.DataFrame(columns=["event_id", "event_kind", "trade_key", "event_start", "event_status",
                                     "event_capacity", "month", *COUNT_COLUMNS])
    events = facts.drop_duplicates("event_id")[
        ["event_id", "event_kind", "trade_key", "event_start", "event_status", "event_capacity", "month"]
    ]
    return events.merge(table, on="event_id").sort_values(["event_start", "event_id"], ignore_index=True)


def by_trade(facts: pd.DataFrame) -> pd.DataFrame:
    return counts(facts, ["trade_key"]).sort_values("trade_key", ignore_index=True)


def by_month(facts: pd.DataFrame) -> pd.DataFrame:
    return counts(facts, ["month"]).sort_values("month", ignore_index=True)


def overall(facts: pd.DataFrame) -> dict[str, int]:
    """Everyone, each person once."""
    if facts.empty:
        return {c: 0 for c in COUNT_COLUMNS}
    table = counts(facts.assign(_all=1), ["_all"])
    return {c: int(table.iloc[0][c]) for c in COUNT_COLUMNS}


def hires_by_contract(facts: pd.DataFrame) -> pd.DataFrame:
    """People hired per trade and contract type (a person hired twice in a trade: the latest hire)."""
    hired = facts[facts["stage"] >= STAGES.index("hired")].copy()
    if hired.empty:
        return pd.DataFrame(columns=["trade_key", "contract_type", "hired"])
    hired["contract_type"] = hired["contract_type"].fillna("non précisé")
    hired = hired.sort_values("hired_on", na_position="first").drop_duplicates(["trade_key", "person"], keep="last")
    out = hired.groupby(["trade_key", "contract_type"]).size().rename("hired").reset_index()
    return out.sort_values(["trade_key", "contract_type"], ignore_index=True)
