"""Observed conversion rates, the ones the planner uses next.

- Observed only on events already held and answered for: over (their end has passed), not
  cancelled, and either marked held or with at least one attendance outcome recorded (present,
  absent, excused or further). Invitations to events still to come say nothing about attendance.
- Per event kind: a discovery (or an information session) gives invited → attended and
  attended → selected; a POEC cohort gives selected → completed (people who entered the cohort)
  and completed → hired; a recruitment event gives invited → attended. The planner's four rates
  come from the discoveries and the cohorts. A cohort's completer hired at a recruitment event of
  the trade (the hire recorded on that event rather than on the cohort) counts as hired, once.
- The chain's last steps are observed too, for the report only (the planner does not read them):
  completed → met an employer (completers of a trade's cohorts who attended one of its recruitment
  events, in trades with a recruitment event held) and met an employer → hired (people who attended
  a recruitment event and were hired in that trade, on any event).
- Counted on people per trade (a person counts once per trade and kind, at their furthest stage),
  summed over trades; each rate gives its count basis (numerator, denominator, events) and a 95 %
  Wilson interval.
- An observed rate replaces the configured one (``config/planning.yaml``) only when its
  denominator holds at least ``conversion.min_observations`` people and the rate lies in
  ``conversion.plausible``; otherwise the configured rate is used and ``reason`` says why, in French.

``observed_conversion_rates(session, config)`` is the entry point; ``planner_rates`` gives the
planner its ``Rates``; ``write_conversion_rates`` puts the result in
``<data>/reports/conversion_rates.json`` and ``read_conversion_rates`` reads it back.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from statistics import NormalDist

import pandas as pd
from babel.numbers import format_percent
from sqlalchemy import select
from sqlalchemy.orm import Session

from clauses import settings
from clauses.config import Config
from clauses.reporting.facts import STAGES, STATUS_STAGE, aware, participation_facts
from clauses.reporting.funnel import counts

# rate -> (event kind it is observed on, denominator stage, numerator stage)
RATES = {
    "invited_to_attended": ("discovery", "invited", "attended"),
    "attended_to_selected": ("discovery", "attended", "selected"),
    "selected_to_completed": ("poec", "poec", "completed"),
    "completed_to_hired": ("poec", "completed", "hired"),
}
# which rates each event kind can show (information sessions and recruitment events invite people too)
KIND_RATES = {
    "discovery": ("invited_to_attended", "attended_to_selected"),
    "information_session": ("invited_to_attended", "attended_to_selected"),
    "recruitment": ("invited_to_attended",),
    "poec": ("selected_to_completed", "completed_to_hired"),
}
# French: (singular, plural, held in the singular, held in the plural)
KIND_FR = {
    "discovery": ("découverte métiers", "découvertes métiers", "tenue", "tenues"),
    "information_session": ("réunion d'information", "réunions d'information", "tenue", "tenues"),
    "recruitment": ("rencontre de recrutement", "rencontres de recrutement", "tenue", "tenues"),
    "poec": ("cohorte POEC", "cohortes POEC", "tenue", "tenues"),
}
STAGE_FR = {
    "invited": ("invité", "invités"), "attended": ("présent", "présents"), "selected": ("retenu", "retenus"),
    "poec": ("entré en POEC", "entrés en POEC"), "completed": ("ayant terminé la formation",) * 2,
    "met_employer": ("ayant rencontré un employeur",) * 2,
    "hired": ("embauché", "embauchés"),
}
# The chain's last steps, observed for the report (not read by the planner):
# rate -> (kind of the events counted, denominator stage, numerator stage)
CHAIN_RATES = {
    "completed_to_met_employer": ("recruitment", "completed", "met_employer"),
    "met_employer_to_hired": ("recruitment", "met_employer", "hired"),
}
# an event is answered for once one of its participations reached one of these
ANSWERED = frozenset(s for s, stage in STATUS_STAGE.items() if stage >= STATUS_STAGE["attended"]) | {"no_show", "excused"}
CONFIDENCE = 0.95
FILE_NAME = "conversion_rates.json"


def wilson_interval(successes: int, trials: int, confidence: float = CONFIDENCE) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion (None without trials)."""
    if trials <= 0:
        return None
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def _pct(x: float) -> str:
    return format_percent(x, "#,##0 %", locale="fr_FR")


def _count(n: int, forms: tuple[str, str]) -> str:
    """'1 présent', '0 présent', '29 présents' (French: 0 and 1 take the singular)."""
    return f"{n} {forms[0] if n < 2 else forms[1]}"


def _basis(kind: str, num_stage: str, num: int, den_stage: str, den: int, events: int) -> str:
    one, many, held_one, held_many = KIND_FR[kind]
    return (f"{_count(num, STAGE_FR[num_stage])} sur {_count(den, STAGE_FR[den_stage])}, "
            f"{_count(events, (f'{one} {held_one}', f'{many} {held_many}'))}")


def held_events(session: Session, facts: pd.DataFrame, now: dt.datetime) -> set[int]:
    """Ids of the events of ``facts`` that are over, not cancelled, and answered for."""
    if facts.empty:
        return set()
    answered = {
        int(event_id)
        for event_id, reached in zip(facts["event_id"], facts["reached"])
        if ANSWERED.intersection(reached)
    }
    ids = sorted({int(e) for e in facts["event_id"]})
    from clauses.storage.planning import Event

    held = set()
    for start in range(0, len(ids), 500):
        for event_id, end, status in session.execute(
            select(Event.id, Event.end, Event.status).where(Event.id.in_(ids[start : start + 500]))
        ):
            if status != "cancelled" and aware(end) <= now and (status == "held" or event_id in answered):
                held.add(event_id)
    return held


def _detail(name: str, kind: str, stage_counts: dict, events: int, config: Config) -> dict:
    configured = config.planning.conversion
    minimum = configured.min_observations
    plausible = configured.plausible[name]
    _, den_stage, num_stage = RATES[name]
    den, num = int(stage_counts.get(den_stage, 0)), int(stage_counts.get(num_stage, 0))
    observed = num / den if den else None
    interval = wilson_interval(num, den)
    default = getattr(configured, name)
    basis = _basis(kind, num_stage, num, den_stage, den, events)
    if observed is None:
        one, _, held_one, _ = KIND_FR[kind]
        none = "aucun" if held_one == "tenu" else "aucune"
        source = "configuration"
        reason = f"taux configuré {_pct(default)} retenu : {none} {one} {held_one} et renseigné{held_one[4:]}"
        if events:
            reason = f"taux configuré {_pct(default)} retenu : personne à compter ({basis})"
    elif den < minimum:
        source = "configuration"
        reason = (f"taux configuré {_pct(default)} retenu : trop peu d'observations ({basis} ; "
                  f"il en faut {minimum})")
    elif not plausible.low <= observed <= plausible.high:
        source = "configuration"
        reason = (f"taux observé {_pct(observed)} refusé ({basis}) : hors de la plage plausible "
                  f"{_pct(plausible.low)} – {_pct(plausible.high)} ; taux configuré {_pct(default)} retenu")
    else:
        source = "observed"
        reason = (f"taux observé {_pct(observed)} retenu ({basis} ; intervalle de confiance à 95 % : "
                  f"{_pct(interval[0])} – {_pct(interval[1])})")
    return {
        "rate": round(observed, 4) if source == "observed" else default,
        "source": source,
        "observed": round(observed, 4) if observed is not None else None,
        "numerator": num,
        "denominator": den,
        "confidence_low": round(interval[0], 4) if interval else None,
        "confidence_high": round(interval[1], 4) if interval else None,
        "events": events,
        "event_kind": kind,
        "configured": default,
        "plausible": [plausible.low, plausible.high],
        "reason": reason,
    }


def _people(facts: pd.DataFrame, kind: str | None, stage: str) -> set[tuple[str, str]]:
    """(trade, person) of the rows of ``kind`` (any kind: None) that reached ``stage``."""
    if facts.empty:
        return set()
    rows = facts[facts["stage"] >= STAGES.index(stage)]
    if kind is not None:
        rows = rows[rows["event_kind"] == kind]
    return set(zip(rows["trade_key"].astype(str), rows["person"]))


def _with_recruitment_hires(facts: pd.DataFrame, of_kind: pd.DataFrame) -> pd.DataFrame:
    """A cohort's completers hired at a recruitment event of their trade count as hired by the cohort."""
    hired = _people(facts, "recruitment", "hired")
    if of_kind.empty or not hired:
        return of_kind
    completed, hired_stage = STAGES.index("completed"), STAGES.index("hired")
    keys = list(zip(of_kind["trade_key"].astype(str), of_kind["person"]))
    later = [(stage >= completed and key in hired) for stage, key in zip(of_kind["stage"], keys)]
    of_kind = of_kind.copy()
    of_kind.loc[later, "stage"] = of_kind.loc[later, "stage"].clip(lower=hired_stage)
    return of_kind


def _kind_details(facts: pd.DataFrame, kind: str, names, config: Config) -> dict[str, dict]:
    of_kind = facts[facts["event_kind"] == kind] if not facts.empty else facts
    if kind == "poec":
        of_kind = _with_recruitment_hires(facts, of_kind)
    per_trade = counts(of_kind, ["trade_key"]) if not of_kind.empty else pd.DataFrame()
    totals = {s: int(per_trade[s].sum()) if not per_trade.empty else 0 for name in names for s in RATES[name][1:]}
    events = int(of_kind["event_id"].nunique()) if not of_kind.empty else 0
    return {name: _detail(name, kind, totals, events, config) for name in names}


def chain_observations(facts: pd.DataFrame) -> dict[str, dict]:
    """The chain's last steps (``CHAIN_RATES``) observed on ``facts`` (held events only), per
    person and trade, summed over trades: observed rate, numerator, denominator, Wilson interval,
    recruitment events counted and a French sentence. Nothing configured replaces them."""
    recruitment = facts[facts["event_kind"] == "recruitment"] if not facts.empty else facts
    trades = set(recruitment["trade_key"].astype(str)) if not recruitment.empty else set()
    met = _people(facts, "recruitment", "met_employer")
    steps = {
        "completed": {key for key in _people(facts, "poec", "completed") if key[0] in trades},
        "met_employer": met,
        "hired": _people(facts, None, "hired"),
    }
    events = int(recruitment["event_id"].nunique()) if not recruitment.empty else 0
    out = {}
    for name, (kind, den_stage, num_stage) in CHAIN_RATES.items():
        den = steps[den_stage]
        num = len(den & steps[num_stage])
        observed = num / len(den) if den else None
        interval = wilson_interval(num, len(den))
        basis = _basis(kind, num_stage, num, den_stage, len(den), events)
        if observed is None:
            reason = f"rien à observer pour l'instant ({basis})"
        else:
            reason = (f"taux observé {_pct(observed)} ({basis} ; intervalle de confiance à 95 % : "
                      f"{_pct(interval[0])} – {_pct(interval[1])}) ; la planification ne l'utilise pas")
        out[name] = {
            "observed": round(observed, 4) if observed is not None else None,
            "numerator": num,
            "denominator": len(den),
            "confidence_low": round(interval[0], 4) if interval else None,
            "confidence_high": round(interval[1], 4) if interval else None,
            "events": events,
            "event_kind": kind,
            "reason": reason,
        }
    return out


def conversion_from_facts(
    facts: pd.DataFrame, config: Config, now: dt.datetime | None = None, held: set[int] | None = None
) -> dict:
    """The rates from participation facts; ``held``: the events held and answered for (the facts of
    other events are left out; None: every event of ``facts`` counts)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    if held is not None and not facts.empty:
        facts = facts[facts["event_id"].isin(held)]
    details = {}
    for name, (kind, _, _) in RATES.items():
        details.update(_kind_details(facts, kind, (name,), config))
    kinds = sorted(set(facts["event_kind"])) if not facts.empty else []
    per_kind = {kind: _kind_details(facts, kind, KIND_RATES.get(kind, ()), config) for kind in kinds}
    per_trade = {}
    if not facts.empty:
        for trade_key, rows in facts.groupby("trade_key"):
            per_trade[str(trade_key)] = {
                name: _kind_details(rows, kind, (name,), config)[name] for name, (kind, _, _) in RATES.items()
            }
    return {
        **{name: value["rate"] for name, value in details.items()},
        "details": details,
        "chain": chain_observations(facts),
        "per_kind": per_kind,
        "per_trade": per_trade,
        "held_events": sorted(int(e) for e in facts["event_id"].unique()) if not facts.empty else [],
        "min_observations": config.planning.conversion.min_observations,
        "confidence": CONFIDENCE,
        "unit": "people per trade and event kind, events held and answered for",
        "computed_at": now.isoformat(),
    }


def observed_conversion_rates(session: Session, config: Config, now: dt.datetime | None = None) -> dict:
    """The four rates the planner uses (top-level floats ``invited_to_attended``,
    ``attended_to_selected``, ``selected_to_completed``, ``completed_to_hired``); ``details`` gives
    per rate: rate, source ("observed" / "configuration"), observed, numerator, denominator, Wilson
    interval, events, configured, plausible range and the French reason; ``per_kind`` and
    ``per_trade`` the same details per event kind and per trade key."""
    now = now or dt.datetime.now(dt.timezone.utc)
    facts = participation_facts(session, config)
    return conversion_from_facts(facts, config, now, held_events(session, facts, now))


def planner_rates(session: Session, config: Config, now: dt.datetime | None = None):
    """The planner's ``Rates``: observed where the rules allow, configured otherwise, with the
    French reason of each."""
    from clauses.planning.demand import Rates

    details = observed_conversion_rates(session, config, now)["details"]
    return Rates.from_details(details)


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
