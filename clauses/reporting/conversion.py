"""Observed conversion rates, the ones the planner uses next.

- invited_to_attended = attended / invited; attended_to_selected = selected / attended;
  selected_to_completed = completed / selected; completed_to_hired = hired / completed.
- Counted on people per trade (a person counts once per trade, at their furthest stage), summed
  over trades; the same counts per trade are given too.
- A rate whose denominator has fewer people than ``config.planning.conversion.min_observations``
  falls back to the configured rate (``config/planning.yaml``); ``source`` says which was used.

``observed_conversion_rates(session, config)`` is the entry point; ``write_conversion_rates`` puts
the result in ``<data>/reports/conversion_rates.json`` and ``read_conversion_rates`` reads it back.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
from sqlalchemy.orm import Session

from clauses import settings
from clauses.config import Config
from clauses.reporting.facts import participation_facts
from clauses.reporting.funnel import counts

RATES = {
    "invited_to_attended": ("invited", "attended"),
    "attended_to_selected": ("attended", "selected"),
    "selected_to_completed": ("selected", "completed"),
    "completed_to_hired": ("completed", "hired"),
}
FILE_NAME = "conversion_rates.json"


def _rates(stage_counts: dict[str, int], config: Config) -> dict[str, dict]:
    configured = config.planning.conversion
    minimum = configured.min_observations
    out = {}
    for name, (den_stage, num_stage) in RATES.items():
        den, num = int(stage_counts.get(den_stage, 0)), int(stage_counts.get(num_stage, 0))
        observed = num / den if den else None
        use_observed = observed is not None and den >= minimum and observed > 0
        out[name] = {
            "rate": round(observed, 4) if use_observed else getattr(configured, name),
            "source": "observed" if use_observed else "configuration",
            "observed": round(observed, 4) if observed is not None else None,
            "numerator": num,
            "denominator": den,
            "configured": getattr(configured, name),
        }
    return out


def conversion_from_facts(facts: pd.DataFrame, config: Config, now: dt.datetime | None = None) -> dict:
    per_trade = counts(facts, ["trade_key"]) if not facts.empty else pd.DataFrame()
    totals = {s: int(per_trade[s].sum()) if not per_trade.empty else 0 for _, pair in RATES.items() for s in pair}
    rates = _rates(totals, config)
    return {
        **{name: value["rate"] for name, value in rates.items()},
        "details": rates,
        "per_trade": {
            row["trade_key"]: _rates(row.to_dict(), config) for _, row in (per_trade.iterrows() if not per_trade.empty else [])
        },
        "min_observations": config.planning.conversion.min_observations,
        "unit": "people per trade",
        "computed_at": (now or dt.datetime.now(dt.timezone.utc)).isoformat(),
    }


def observed_conversion_rates(session: Session, config: Config) -> dict:
    """The four rates the planner uses (top-level floats ``invited_to_attended``,
    ``attended_to_selected``, ``selected_to_completed``, ``completed_to_hired``), each observed when
    its denominator has at least ``min_observations`` people and configured otherwise; ``details``
    gives per rate: rate, source ("observed" / "configuration"), observed, numerator, denominator,
    configured; ``per_trade`` the same details per trade key."""
    return conversion_from_facts(participation_facts(session, config), config)


def default_path() -> Path:
    return settings.output_dir("reports") / FILE_NAME


def write_conversion_rates(rates: dict, path: Path | None = None) -> Path:
    path = path or default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".json.part")
    temporary.write_text(json.dumps(rates, ensure_ascii=False, indent=2), encoding="utf-8")
    temporary.replace(path)
    return path


def read_conversion_rates(config: Config, path: Path | None = None) -> dict[str, float]:
    """The four rates from the last report, or the configured ones when no report was written."""
    path = path or default_path()
    configured = config.planning.conversion
    rates = {name: getattr(configured, name) for name in RATES}
    if path.exists():
        stored = json.loads(path.read_text(encoding="utf-8"))
        rates.update({name: float(stored[name]) for name in RATES if name in stored})
    return rates
