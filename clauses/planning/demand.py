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

from clauses.config.planning import ConversionRates
from clauses.errors import ClausesError

NEED_COLUMNS = ("trade_key", "week_start", "people")


@dataclass(frozen=True)
class Rates:
    """The funnel: invited → attended → selected → completed → hired."""

    invited_to_attended: float
    attended_to_selected: float
    selected_to_completed: float
    completed_to_hired: float
    source: str = "configuration"

    @classmethod
    def from_config(cls, conversion: ConversionRates) -> "Rates":
        return cls(
            conversion.invited_to_attended,
            conversion.attended_to_selected,
            conversion.selected_to_completed,
            conversion.completed_to_hired,
        )

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
        return asdict(self)


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


def _reached(status: str, step: str) -> bool:
    order = {
        "attended": ("attended", "interested", "enrolled", "completed", "hired"),
        "selected": ("enrolled", "completed", "hired"),
        "completed": ("completed", "hired"),
        "hired": ("hired",),
    }
    return status in order[step]


def observed_rates(session, conversion: ConversionRates, now: dt.datetime | None = None) -> Rates:
    """Rates from the outcomes recorded for past events; each falls back to the configured rate
    until its denominator holds ``min_observations`` people."""
    from sqlalchemy import select

    from clauses.storage.outreach import Participation
    from clauses.storage.planning import Event

    now = now or dt.datetime.now(dt.timezone.utc)
    rows = session.execute(
        select(Event.kind, Participation.status)
        .join(Participation, Participation.event_id == Event.id)
        .where(Event.end < now, Event.status != "cancelled")
    ).all()
    configured = Rates.from_config(conversion)
    discovery = [s for kind, s in rows if kind == "discovery"]
    poec = [s for kind, s in rows if kind == "poec"]
    counts = {
        "invited": len(discovery),
        "attended": sum(_reached(s, "attended") for s in discovery),
        "selected": sum(_reached(s, "selected") for s in discovery),
        "poec": len(poec),
        "completed": sum(_reached(s, "completed") for s in poec),
        "hired": sum(_reached(s, "hired") for s in poec),
    }
    used_observed = []

    def pick(name: str, numerator: str, denominator: str) -> float:
        den = counts[denominator]
        if den >= conversion.min_observations and counts[numerator] > 0:
            used_observed.append(name)
            return counts[numerator] / den
        return getattr(configured, name)

    rates = dict(
        invited_to_attended=pick("invited_to_attended", "attended", "invited"),
        attended_to_selected=pick("attended_to_selected", "selected", "attended"),
        selected_to_completed=pick("selected_to_completed", "completed", "poec"),
        completed_to_hired=pick("completed_to_hired", "hired", "completed"),
    )
    source = "observed: " + ", ".join(used_observed) if used_observed else "configuration"
    return Rates(**rates, source=source)
