"""The chain to a job, as the stored links made it: information session or discovery → POEC cohort
→ recruitment event, and the people at each step.

A chain is a set of events joined by their links (``Event.recruits_for_event_id``: an information
session or a discovery → the cohort it recruits for; ``Event.hiring_event_id``: a cohort, or a
discovery of a trade without POEC → the recruitment event where its people meet employers). Only
chains of at least two linked events with at least one participation are reported.

People per step (each person once per step, from the participation facts of the chain's events):

- invited / attended: on the chain's information sessions and discoveries (on its first step when
  it has neither);
- selected: selected at one of them, or entered one of the chain's cohorts;
- in POEC / completed: on the chain's cohorts (steps absent from a chain without POEC);
- met an employer: attended one of the chain's recruitment events (absent without one);
- hired: on any event of the chain.

Unlike the funnel (where a person counts at every stage up to the furthest reached), a step counts
only what happened at that step: a candidate invited straight to the recruitment event counts as
having met an employer, not as trained.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from clauses import french
from clauses.french import EVENT_KIND_LABELS
from clauses.reporting.facts import PARIS, STAGES, aware
from clauses.reporting.funnel import LABELS
from clauses.storage.planning import EVENT_KINDS, Event

ENTRY_KINDS = ("information_session", "discovery")
# An event's status agreeing with its kind's label (all four are feminine: "Réunion d'information
# tenue", "Découverte métiers annulée", "POEC prévue", "Rencontre de recrutement déplacée").
STATUS_LABELS = {"scheduled": "prévue", "moved": "déplacée", "cancelled": "annulée", "held": "tenue"}
STEP_COLUMNS = ("invited", "attended", "selected", "poec", "completed", "met_employer", "hired")


@dataclass(frozen=True)
class ChainEvent:
    id: int
    kind: str
    trade_key: str
    start: dt.datetime
    end: dt.datetime
    status: str

    def when(self) -> str:
        """'mardi 3 mars 2026', or 'du lundi 6 avril 2026 au vendredi 19 juin 2026'."""
        first, last = self.start.astimezone(PARIS).date(), self.end.astimezone(PARIS).date()
        if first == last:
            return french.date_long(self.start)
        return f"du {french.date_long(self.start)} au {french.date_long(self.end)}"

    def label(self) -> str:
        """'Découverte métiers n° 12 (mardi 3 mars 2026)'."""
        return f"{EVENT_KIND_LABELS.get(self.kind, self.kind)} n° {self.id} ({self.when()})"


@dataclass(frozen=True)
class ChainStep:
    stage: str  # a key of ``STEP_COLUMNS``
    people: int
    events: tuple[int, ...]  # the events this step is counted on

    @property
    def label(self) -> str:
        return LABELS[self.stage]


@dataclass
class Chain:
    trade_key: str
    events: list[ChainEvent]  # in the order of the chain (kind, then start)
    steps: list[ChainStep] = field(default_factory=list)

    def count(self, stage: str) -> int | None:
        return next((s.people for s in self.steps if s.stage == stage), None)

    def path(self) -> str:
        """The events in order, joined by arrows."""
        return " → ".join(e.label() for e in self.events)


def _linked_groups(rows) -> list[set[int]]:
    """Events joined by either link (union-find over both directions)."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for row in rows:
        find(row.id)
        for other in (row.recruits_for_event_id, row.hiring_event_id):
            if other is not None:
                parent[find(row.id)] = find(other)
    groups: dict[int, set[int]] = {}
    for event_id in list(parent):
        groups.setdefault(find(event_id), set()).add(event_id)
    return [g for g in groups.values() if len(g) >= 2]


def _people(rows: pd.DataFrame, stage: str) -> set[str]:
    return set(rows.loc[rows["stage"] >= STAGES.index(stage), "person"]) if not rows.empty else set()


def chain_steps(events: list[ChainEvent], facts: pd.DataFrame) -> list[ChainStep]:
    """The people at each step of a chain (see the module's rules); ``facts`` may hold other events."""
    ids = {e.id for e in events}
    facts = facts[facts["event_id"].isin(ids)] if not facts.empty else facts
    kinds = {e.kind for e in events}

    def of(*wanted: str) -> tuple[pd.DataFrame, tuple[int, ...]]:
        chosen = tuple(e.id for e in events if e.kind in wanted)
        return (facts[facts["event_id"].isin(chosen)] if not facts.empty else facts), chosen

    first = events[0].kind
    entry, entry_ids = of(*ENTRY_KINDS) if kinds & set(ENTRY_KINDS) else of(first)
    poec, poec_ids = of("poec")
    recruitment, recruitment_ids = of("recruitment")
    steps = [ChainStep("invited", len(_people(entry, "invited")), entry_ids),
             ChainStep("attended", len(_people(entry, "attended")), entry_ids)]
    if "poec" in kinds:
        selected = _people(entry, "selected") | _people(poec, "poec")
        steps += [ChainStep("selected", len(selected), (*entry_ids, *(i for i in poec_ids if i not in entry_ids))),
                  ChainStep("poec", len(_people(poec, "poec")), poec_ids),
                  ChainStep("completed", len(_people(poec, "completed")), poec_ids)]
    if "recruitment" in kinds:
        steps.append(ChainStep("met_employer", len(_people(recruitment, "met_employer")), recruitment_ids))
    steps.append(ChainStep("hired", len(_people(facts, "hired")), tuple(e.id for e in events)))
    return steps


def trade_chains(session: Session, facts: pd.DataFrame) -> list[Chain]:
    """Every chain of linked events with participants, the most hires first (then the most people
    invited, then the earliest)."""
    if facts.empty:
        return []
    rows = session.execute(
        select(Event.id, Event.kind, Event.trade_key, Event.start, Event.end, Event.status,
               Event.recruits_for_event_id, Event.hiring_event_id)
        .where((Event.recruits_for_event_id.is_not(None)) | (Event.hiring_event_id.is_not(None)))
    ).all()
    targets = {t for r in rows for t in (r.recruits_for_event_id, r.hiring_event_id) if t is not None}
    known = {r.id for r in rows}
    missing = sorted(targets - known)
    for start in range(0, len(missing), 500):
        rows += session.execute(
            select(Event.id, Event.kind, Event.trade_key, Event.start, Event.end, Event.status,
                   Event.recruits_for_event_id, Event.hiring_event_id)
            .where(Event.id.in_(missing[start : start + 500]))
        ).all()
    by_id = {r.id: r for r in rows}
    with_people = set(int(e) for e in facts["event_id"])
    order = {kind: i for i, kind in enumerate(EVENT_KINDS)}
    chains = []
    for group in _linked_groups(rows):
        if not group & with_people:
            continue
        events = sorted(
            (ChainEvent(r.id, r.kind, r.trade_key, aware(r.start), aware(r.end), r.status)
             for r in (by_id[i] for i in group)),
            key=lambda e: (order.get(e.kind, len(order)), e.start, e.id),
        )
        chain = Chain(trade_key=events[-1].trade_key, events=events)
        chain.steps = chain_steps(events, facts)
        chains.append(chain)
    chains.sort(key=lambda c: (-(c.count("hired") or 0), -(c.count("invited") or 0), c.events[0].start, c.events[0].id))
    return chains


def chains_table(chains: list[Chain], labels: dict[str, str]) -> pd.DataFrame:
    """One row per chain, French headers: trade, events in order, people per step ('—': no such step)."""
    counts = [LABELS[s] for s in STEP_COLUMNS]
    table = pd.DataFrame(
        [[labels.get(c.trade_key, c.trade_key), c.path(), *(c.count(s) for s in STEP_COLUMNS)] for c in chains],
        columns=["Métier", "Étapes de la chaîne", *counts],
    )
    return table.astype({column: "Int64" for column in counts})


def steps_table(chain: Chain) -> pd.DataFrame:
    """One chain's steps: who, counted on which events, and the share kept from the step before."""
    names = {e.id: e.label() for e in chain.events}
    rows, previous = [], None
    for step in chain.steps:
        on = ("tous les événements de la chaîne" if step.stage == "hired" and len(step.events) > 1
              else ", ".join(names[i] for i in step.events))
        rows.append({
            "Étape": step.label,
            "Comptés sur": on,
            "Personnes": step.people,
            "Part de l'étape précédente": (step.people / previous) if previous else None,
        })
        previous = step.people
    return pd.DataFrame(rows, columns=["Étape", "Comptés sur", "Personnes", "Part de l'étape précédente"])
