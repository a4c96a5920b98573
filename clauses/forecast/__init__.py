"""Forecast of labour needs per trade and period, with uncertainty (Monte-Carlo).

Entry points: ``run_forecast`` (whole computation in this process), ``save_snapshot`` /
``load_snapshot`` (stored results), ``ForecastParameters``.
"""

from clauses.forecast.engine import ForecastResult, run_forecast
from clauses.forecast.parameters import ForecastError, ForecastParameters
from clauses.forecast.snapshot import load_snapshot, save_snapshot

__all__ = [
    "ForecastError",
    "ForecastParameters",
    "ForecastResult",
    "load_snapshot",
    "run_forecast",
    "save_snapshot",
]
