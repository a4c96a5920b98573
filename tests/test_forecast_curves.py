import datetime as dt

import numpy as np
import pytest

from clauses.forecast import ForecastParameters, run_forecast
from clauses.forecast.loading_curves import CURVES, cumulative_share
from forecast_helpers import MONDAY, certain_config, frame, lot, trade_with_curve


@pytest.mark.parametrize("curve", CURVES)
def test_cumulative_curve_runs_from_0_to_1_and_never_decreases(curve):
    x = np.linspace(-0.5, 1.5, 2001)
    f = cumulative_share(curve, x)
    assert f[0] == 0 and f[-1] == 1
    assert (np.diff(f) >= -1e-15).all()


def test_allen_trapezoid_points():
    # 40 % of the hours at half time, 80 % at three quarters, peak rate 1.6× the mean.
    assert cumulative_share("trapezoid", [0.25, 0.5, 0.75]) == pytest.approx([0.1, 0.4, 0.8])
    rate = np.diff(cumulative_share("trapezoid", np.linspace(0, 1, 10001))) * 10000
    assert rate.max() == pytest.approx(1.6, abs=1e-3)


def test_dhss_s_curve_points():
    # y = x + Cx² − Cx − (6x³ − 9x² + 3x)/K, C = 0.134, K = 3.884, computed by hand at 0.25 and 0.5.
    assert cumulative_share("s_curve", 0.5) == pytest.approx(0.5 + 0.134 * 0.25 - 0.134 * 0.5)
    assert cumulative_share("s_curve", 0.25) == pytest.approx(0.224875 - 0.28125 / 3.884)


def run(config, lots, weeks=8, as_of=MONDAY, **kw):
    params = ForecastParameters(as_of=as_of, horizon_weeks=weeks, scenarios=kw.pop("scenarios", 20), **kw)
    return run_forecast(frame(*lots), config, params, keep_weekly=True)


def weekly(result, trade):
    rows = result.table[result.table.trade_key == trade]
    return rows["hours_p50"].to_numpy()


@pytest.mark.parametrize(
    "curve, expected",
    [
        ("uniform", [250, 250, 250, 250]),
        ("trapezoid", [100, 300, 400, 200]),  # F at 1/4, 1/2, 3/4: 0.1, 0.4, 0.8
        # s_curve: F(0.25) = 0.224875 − 0.28125/3.884, F(0.5) = 0.4665, symmetric about (0.5, 0.5)+offset
        (
            "s_curve",
            [
                1000 * (0.224875 - 0.28125 / 3.884),
                1000 * (0.4665 - (0.224875 - 0.28125 / 3.884)),
                None,
                None,
            ],
        ),
    ],
)
def test_hand_computed_weekly_hours_per_curve(config, curve, expected):
    cfg = certain_config(config)
    trade = trade_with_curve(cfg, curve)
    result = run(cfg, [lot(trade=trade, hours=1000, days=28)], weeks=6)
    got = weekly(result, trade)
    for g, e in zip(got, expected):
        if e is not None:
            assert g == pytest.approx(e, abs=1e-6)
    assert got[:4].sum() == pytest.approx(1000, abs=1e-6)
    assert got[4:].sum() == pytest.approx(0, abs=1e-9)


def test_window_starting_mid_week_uses_day_shares(config):
    cfg = certain_config(config)
    trade = trade_with_curve(cfg, "uniform")
    # 14 days from a Thursday: 4 days in week 0, 7 in week 1, 3 in week 2.
    result = run(cfg, [lot(trade=trade, start=MONDAY + dt.timedelta(days=3), days=14, hours=1400)], weeks=4)
    assert weekly(result, trade) == pytest.approx([400, 700, 300, 0])
