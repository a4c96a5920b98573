"""Forecast settings: how late sites start, by lot status, and how staff turns over.

Owned by the forecast (see ``clauses/forecast``). Defaults and their sources are in
``config/forecast.yaml``.
"""

from __future__ import annotations

from pydantic import Field

from clauses.config.base import StrictModel


class Slippage(StrictModel):
    """Start-date slippage of one lot status, in weeks: a log-logistic (heavy-tailed) draw.

    With probability ``p_late`` the lot starts late by a log-logistic delay of median
    ``median_weeks`` and shape ``shape`` (smaller shape, heavier tail), capped at ``max_weeks``.
    """

    p_late: float = Field(ge=0, le=1)
    median_weeks: float = Field(ge=0)
    shape: float = Field(gt=0)
    max_weeks: float = Field(ge=0)


class ForecastSettings(StrictModel):
    hours_per_fte_week: float = Field(default=35.0, gt=0)
    # Share of the people in place who leave each week and must be replaced.
    weekly_turnover: float = Field(default=0.02, ge=0, lt=1)
    slippage: dict[str, Slippage]
    default_award_probability: dict[str, float]
