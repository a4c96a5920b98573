"""The parameters of one forecast run, checked before anything is computed."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

from clauses.errors import ClausesError

PERIODS = ("week", "month")
BASE_QUANTILES = (0.1, 0.5, 0.9)


class ForecastError(ClausesError):
    """A forecast cannot be computed from these parameters or this pipeline; the message says why."""


@dataclass(frozen=True)
class ForecastParameters:
    as_of: dt.date
    horizon_weeks: int = 52
    period: str = "week"
    scenarios: int = 1000
    seed: int = 20260101
    # Quantiles asked for beyond P10/P50/P90 (always computed), e.g. (0.05, 0.95).
    quantiles: tuple[float, ...] = BASE_QUANTILES
    trades: tuple[str, ...] = field(default_factory=tuple)  # empty: every trade
    communes: tuple[str, ...] = field(default_factory=tuple)  # empty: the whole territory

    @classmethod
    def from_config(cls, config, **given) -> "ForecastParameters":
        """The configured defaults (``config/forecast.yaml``; as-of: today in the territory's
        timezone), overridden by the values ``given`` that are not None."""
        from zoneinfo import ZoneInfo

        fc = config.forecast
        values = {
            "as_of": dt.datetime.now(ZoneInfo(config.territory.timezone)).date(),
            "horizon_weeks": fc.default_horizon_weeks,
            "scenarios": fc.default_scenarios,
            "seed": fc.default_seed,
        }
        values.update({k: v for k, v in given.items() if v is not None})
        return cls(**values)

    def check(self) -> None:
        problems = []
        if not isinstance(self.as_of, dt.date):
            problems.append(f"--as-of doit être une date, pas {self.as_of!r}")
        if int(self.horizon_weeks) <= 0:
            problems.append(f"l'horizon doit être d'au moins une semaine (reçu : {self.horizon_weeks})")
        if int(self.horizon_weeks) > 520:
            problems.append(f"l'horizon doit être d'au plus 520 semaines (reçu : {self.horizon_weeks})")
        if int(self.scenarios) <= 0:
            problems.append(f"le nombre de scénarios doit valoir au moins 1 (reçu : {self.scenarios})")
        if self.period not in PERIODS:
            problems.append(f"la période doit être {' ou '.join(PERIODS)} (reçu : {self.period!r})")
        if int(self.seed) < 0:
            problems.append(f"la graine doit être un entier positif ou nul (reçu : {self.seed})")
        bad = [q for q in self.quantiles if not 0 < float(q) < 1]
        if bad:
            problems.append(f"les quantiles doivent être strictement entre 0 et 1 (reçu : {bad})")
        if problems:
            raise ForecastError("paramètres de prévision invalides : " + " ; ".join(problems))

    @property
    def all_quantiles(self) -> tuple[float, ...]:
        return tuple(sorted(set(BASE_QUANTILES) | {round(float(q), 6) for q in self.quantiles}))

    def as_json(self) -> dict:
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat()
        data["quantiles"] = list(self.all_quantiles)
        data["trades"] = list(self.trades)
        data["communes"] = list(self.communes)
        return data


def quantile_label(q: float) -> str:
    """0.1 → 'p10', 0.05 → 'p05', 0.975 → 'p97.5'."""
    pct = round(q * 100, 4)
    return f"p{int(pct):02d}" if pct == int(pct) else f"p{pct:g}"
