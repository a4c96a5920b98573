"""Forecast settings: how late sites start, by lot status, how hours spread over a lot's window,
and how staff turns over.

Owned by the forecast (see ``clauses/forecast``). Defaults and their sources are in
``config/forecast.yaml``.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from clauses.config.base import StrictModel

STATUSES = ("planned", "tendering", "awarded", "in_progress", "done")


class Slippage(StrictModel):
    """Start-date slippage of one lot status, in weeks: a log-logistic (heavy-tailed) draw.

    With probability ``p_late`` the lot starts late by a log-logistic delay of median
    ``median_weeks`` and shape ``shape`` (smaller shape, heavier tail), capped at ``max_weeks``.
    """

    p_late: float = Field(ge=0, le=1)
    median_weeks: float = Field(ge=0)
    shape: float = Field(gt=0)
    max_weeks: float = Field(ge=0)


class TrapezoidCurve(StrictModel):
    """Allen (1979): linear rise to the peak until ``rise_end``, flat until ``fall_start``, linear
    fall to zero at the end (fractions of the window). The peak follows: 2 / (1 + fall_start − rise_end)."""

    rise_end: float = Field(default=0.5, gt=0, lt=1)
    fall_start: float = Field(default=0.75, gt=0, lt=1)

    @model_validator(mode="after")
    def _order(self) -> "TrapezoidCurve":
        if self.fall_start < self.rise_end:
            raise ValueError("fall_start ne doit pas précéder rise_end")
        return self


class SCurve(StrictModel):
    """UK DHSS cumulative curve y = x + Cx² − Cx − (6x³ − 9x² + 3x)/K."""

    c: float = 0.134
    k: float = Field(default=3.884, gt=0)

    @model_validator(mode="after")
    def _monotone(self) -> "SCurve":
        # The density 1 + 2Cx − C − (18x² − 18x + 3)/K is concave: non-negative at both ends suffices.
        if 1 - self.c - 3 / self.k < 0 or 1 + self.c - 3 / self.k < 0:
            raise ValueError("c et k donnent une courbe cumulée décroissante (heures négatives)")
        return self


class LoadingCurves(StrictModel):
    trapezoid: TrapezoidCurve = TrapezoidCurve()
    s_curve: SCurve = SCurve()


class ForecastSettings(StrictModel):
    hours_per_fte_week: float = Field(default=35.0, gt=0)
    # Share of the people in place who leave each week and must be replaced.
    weekly_turnover: float = Field(default=0.02, ge=0, lt=1)
    slippage: dict[str, Slippage]
    default_award_probability: dict[str, float]
    loading_curves: LoadingCurves = LoadingCurves()
    # Run defaults (each can be overridden per run).
    default_horizon_weeks: int = Field(default=52, gt=0)
    default_scenarios: int = Field(default=1000, gt=0)
    default_seed: int = Field(default=20260101, ge=0)
    # Lots per Prefect task; a multiple of the random-draw block (1,024 lots) is enforced.
    chunk_lots: int = Field(default=16384, gt=0)

    @model_validator(mode="after")
    def _statuses(self) -> "ForecastSettings":
        for name, table in (("slippage", self.slippage), ("default_award_probability", self.default_award_probability)):
            missing = [s for s in STATUSES if s not in table]
            unknown = [s for s in table if s not in STATUSES]
            if missing or unknown:
                raise ValueError(
                    f"{name} doit donner chaque statut de lot ({', '.join(STATUSES)}) ;"
                    f" manquants : {', '.join(missing) or 'aucun'}, inconnus : {', '.join(unknown) or 'aucun'}"
                )
        for status, p in self.default_award_probability.items():
            if not 0 <= p <= 1:
                raise ValueError(f"default_award_probability.{status} doit être entre 0 et 1")
        return self
