"""Forecast of labour needs per trade and period, with uncertainty (Monte-Carlo).

Entry points: ``run_forecast`` (whole computation in this process), ``save_snapshot`` /
``load_snapshot`` (stored results), ``ForecastParameters``.
"""

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


def __getattr__(name: str):
    # The engine loads the compiled simulation kernels (numba): only when a forecast is computed,
    # not when another part (planning, reporting) merely reads a stored snapshot.
    if name in ("ForecastResult", "run_forecast"):
        from clauses.forecast import engine

        return getattr(engine, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
