"""From a forecast of people needed per trade and week to what the planner must deliver: new hires
needed by week, and the funnel rates that size cohorts and discovery events.

Need is the forecast's ``people`` column: new people to bring in per period (the forecast engineer's
``headcount`` is the level of people in place; ``people`` its rises).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass

import pandas as pd

from clauses.config.planning import RATE_NAMES, ConversionRates
from clauses.errors import ClausesError

NEED_COLUMNS = ("trade_key", "week_start", "people")
RATE_LABELS_FR = {
    "invited_to_attended": "Invités → présents",
    "attended_to_selected": "Présents → retenus",
    "selected_to_completed": "Entrés en POEC → formation terminée",
    "completed_to_hired": "Formation terminée → embauchés",
}


@dataclass(frozen=True)
class Rates:
    """The funnel: invited → attended → selected → completed → hired."""

    invited_to_attended: float
    attended_to_selected: float
    selected_to_completed: float
    completed_to_hired: float
    source: str = "configuration"
    reasons: tuple[str, ...] = ()  # per rate, in French: which rate is used and why

    @classmethod
    def from_config(cls, conversion: ConversionRates) -> "Rates":
        return cls(
            conversion.invited_to_attended,
            conversion.attended_to_selected,
            conversion.selected_to_completed,
            conversion.completed_to_hired,
        )

    @classmethod
    def from_details(cls, details: dict[str, dict]) -> "Rates":
        """From the outcome report's rate details (``clauses.reporting.conversion``): each rate is
        the observed one when the report accepted it, the configured one otherwise."""
        observed = [name for name in RATE_NAMES if details[name]["source"] == "observed"]
        return cls(
            **{name: float(details[name]["rate"]) for name in RATE_NAMES},
            source="observed: " + ", ".join(observed) if observed else "configuration",
            reasons=tuple(f"{RATE_LABELS_FR[name]} : {details[name]['reason']}" for name in RATE_NAMES),
        )

    def describe_fr(self) -> str:
        """One French line: which rates the plan used."""
        if self.source == "configuration":
            return "taux configurés (config/planning.yaml)"
        return "taux observés pour " + ", ".join(
            RATE_LABELS_FR[name].lower() for name in RATE_NAMES if name in self.source
        ) + ", taux configurés pour les autres"

    @property
    def hires_per_trainee(self) -> float:
        return self.selected_to_completed * self.completed_to_hired

    def discovery_invitations(self, seats: int) -> int:
        """Invitations that fill ``seats`` places of a discovery."""
        return math.ceil(seats / self.invited_to_attended)

    def selection_invitations(self, trainees: int) -> int:
        """Discovery attendees to invite to selection for a cohort of ``trainees``."""
        return math.ceil(trainees / self.attended_to_selected)

    def as_dict(self) -> dict:
        return {**asdict(self), "reasons": list(self.reasons), "summary_fr": self.describe_fr()}


def need_from_snapshot(snapshot: pd.DataFrame, quantile: str = "p50") -> pd.DataFrame:
    """Adapt a forecast snapshot (trade_key, period_start, people_<q>…) to the planner's need."""
    column = f"people_{quantile}"
    if snapshot.empty:
        return pd.DataFrame(columns=list(NEED_COLUMNS))
    if column not in snapshot.columns:
        known = sorted(c.removeprefix("people_") for c in snapshot.columns if c.startswith("people_"))
        raise ClausesError(f"le quantile {quantile!r} n'est pas dans la prévision ; quantiles disponibles : {', '.join(known)}")
    out = snapshot[["trade_key", "period_start", column]].rename(
        columns={"period_start": "week_start", column: "people"}
    )
    out["week_start"] = pd.to_datetime(out["week_start"]).dt.date
    return out.reset_index(drop=True)


def hires_by_week(need: pd.DataFrame, start: dt.date, weeks: int) -> dict[str, list[int]]:
    """Per trade, new people needed from each plan week (0 … weeks-1).

    ``people`` is the number of new people to bring in that period (the forecast's ``people``
    columns). Fractions accumulate and are rounded up on the running total, so 0.4 a week for five
    weeks asks for 2 people, not 5. Rows before ``start`` are history and rows after the horizon
    are ignored; a period that does not start on a Monday counts for its week."""
    out: dict[str, list[int]] = {}
    if need is None or need.empty:
        return out
    missing = [c for c in NEED_COLUMNS if c not in need.columns]
    if missing:
        raise ValueError(f"need is missing column(s): {', '.join(missing)}")
    frame = need[list(NEED_COLUMNS)].copy()
    frame["week"] = [
        ((d if isinstance(d, dt.date) else pd.Timestamp(d).date()) - start).days // 7
        for d in frame["week_start"]
    ]
    frame["people"] = pd.to_numeric(frame["people"], errors="coerce").fillna(0.0).clip(lower=0)
    frame = frame[(frame["week"] >= 0) & (frame["week"] < weeks)]
    for trade, rows in sorted(frame.groupby("trade_key"), key=lambda kv: str(kv[0])):
        per_week = rows.groupby("week")["people"].sum().sort_index()
        series = [0] * weeks
        total = 0.0
        asked = 0
        for week, people in per_week.items():
            total += float(people)
            wanted = math.ceil(total - 1e-9)
            if wanted > asked:
                series[int(week)] = wanted - asked
                asked = wanted
        if any(series):
            out[str(trade)] = series
    return out
