"""How a lot's hours spread over its window: cumulative loading curves on [0, 1].

Each curve is a cumulative share F(x): the share of the hours delivered once a fraction ``x`` of the
window has elapsed (F(0) = 0, F(1) = 1, non-decreasing). Weekly shares are differences of F at week
boundaries, so no hour is lost or added whatever the window and the grid.

- ``uniform``: F(x) = x.
- ``trapezoid``: Allen (1979, reported by Wideman 1994): the rate rises linearly from 0 to the peak
  over [0, a], stays at the peak until b, falls linearly to 0 at 1; the peak is 2 / (1 + b − a)
  (1.6× the mean for a = 0.5, b = 0.75: 40 % of the hours at half time, 80 % at three quarters).
- ``s_curve``: UK DHSS: F(x) = x + Cx² − Cx − (6x³ − 9x² + 3x)/K (C = 0.134, K = 3.884: peak rate
  ≈ 1.39× the mean).

``ORDER`` is the degree of each cumulative curve: the weekly profile's difference of that order is
zero except near the curve's breakpoints, which is what makes the simulation fast.
"""

from __future__ import annotations

import numpy as np

from clauses.config.forecast import LoadingCurves

CURVES = ("uniform", "trapezoid", "s_curve")
ORDER = {"uniform": 1, "trapezoid": 2, "s_curve": 3}


def cumulative_share(curve: str, x, parameters: LoadingCurves | None = None) -> np.ndarray:
    """F(x) for ``curve``; ``x`` is clipped to [0, 1]."""
    parameters = parameters or LoadingCurves()
    x = np.clip(np.asarray(x, dtype=np.float64), 0.0, 1.0)
    if curve == "uniform":
        return x.copy()
    if curve == "trapezoid":
        a, b = parameters.trapezoid.rise_end, parameters.trapezoid.fall_start
        peak = 2.0 / (1.0 + b - a)
        rise = peak * x * x / (2.0 * a)
        flat = peak * a / 2.0 + peak * (x - a)
        fall = 1.0 - peak * (1.0 - x) ** 2 / (2.0 * (1.0 - b))
        return np.where(x <= a, rise, np.where(x <= b, flat, fall))
    if curve == "s_curve":
        c, k = parameters.s_curve.c, parameters.s_curve.k
        y = x + c * x * x - c * x - (6 * x**3 - 9 * x**2 + 3 * x) / k
        # Rounding can leave y a hair off 0 and 1 at the ends: pin them.
        return np.where(x >= 1.0, 1.0, np.clip(y, 0.0, 1.0))
    raise ValueError(f"unknown loading curve {curve!r}; known: {', '.join(CURVES)}")


def shares(curve: str, boundaries, parameters: LoadingCurves | None = None) -> np.ndarray:
    """Share of the hours between consecutive ``boundaries`` (fractions of the window)."""
    return np.diff(cumulative_share(curve, boundaries, parameters))
