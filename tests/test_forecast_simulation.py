import datetime as dt

import numpy as np
import pytest

from clauses.forecast import ForecastError, ForecastParameters, run_forecast
from forecast_helpers import MONDAY, certain_config, frame, lot, trade_with_curve


def params(**kw):
    base = dict(as_of=MONDAY, horizon_weeks=20, scenarios=50, seed=7)
    base.update(kw)
    return ForecastParameters(**base)


def mixed_lots(config, n=60, seed=3):
    rng = np.random.default_rng(seed)
    keys = [t.key for t in config.trades]
    statuses = ["planned", "tendering", "awarded", "in_progress"]
    out = []
    for i in range(n):
        start = MONDAY + dt.timedelta(days=int(rng.integers(-60, 200)))
        status = statuses[i % 4]
        out.append(
            lot(
                lot_id=i + 1,
                trade=keys[i % len(keys)],
                start=start,
                days=int(rng.integers(10, 300)),
                status=status,
                hours=float(rng.integers(50, 3000)),
                delivered=float(rng.integers(0, 40)) if status == "in_progress" else 0.0,
                award=None if i % 3 else 0.5,
            )
        )
    return out


def test_without_slippage_and_all_awarded_hours_sum_exactly_to_the_lots(config):
    cfg = certain_config(config)
    lots = [
        lot(lot_id=i + 1, trade=t.key, start=MONDAY + dt.timedelta(days=3 * i), days=20 + 37 * i, hours=100.0 + i)
        for i, t in enumerate(cfg.trades)
    ]
    result = run_forecast(frame(*lots), cfg, params(horizon_weeks=200, scenarios=5), keep_weekly=True)
    expected = sum(x["insertion_hours"] for x in lots)
    assert result.weekly_hours.sum(axis=(0, 2)) == pytest.approx(np.full(5, expected), rel=1e-9)
    assert result.table["hours_mean"].sum() == pytest.approx(expected, rel=1e-9)
    by_trade = result.table.groupby("trade_key")["hours_p50"].sum()
    for x in lots:
        assert by_trade[x["trade_key"]] == pytest.approx(x["insertion_hours"], rel=1e-9)


def test_lots_partly_outside_the_horizon_are_cut_not_dropped(config):
    cfg = certain_config(config)
    trade = trade_with_curve(cfg, "uniform")
    # 8 weeks × 100 h; horizon of 3 weeks → 300 h counted.
    result = run_forecast(frame(lot(trade=trade, days=56, hours=800)), cfg, params(horizon_weeks=3))
    assert result.table.query("trade_key == @trade")["hours_p50"].tolist() == pytest.approx([100, 100, 100])


def test_in_progress_lot_counts_remaining_hours_over_the_rest_of_its_window(config):
    cfg = certain_config(config)
    trade = trade_with_curve(cfg, "uniform")
    # Started 2 weeks before the as-of date, 4 weeks long, 1000 h of which 600 delivered.
    started = lot(trade=trade, start=MONDAY - dt.timedelta(days=14), days=28, hours=1000, delivered=600,
                  status="in_progress")
    result = run_forecast(frame(started), cfg, params(horizon_weeks=4))
    assert result.table.query("trade_key == @trade")["hours_p50"].tolist() == pytest.approx([200, 200, 0, 0])
    # People already in place (200 h/week → 6 people) are not "brought in" again.
    assert result.totals[trade]["people_in_place_at_as_of"] == 6
    assert result.table.query("trade_key == @trade")["people_p50"].iloc[0] == pytest.approx(6 * 0.02)


def test_not_started_lot_whose_start_has_passed_starts_on_the_as_of_date(config):
    cfg = certain_config(config)
    trade = trade_with_curve(cfg, "uniform")
    stale = lot(trade=trade, start=MONDAY - dt.timedelta(days=7), days=14, hours=140, status="awarded")
    result = run_forecast(frame(stale), cfg, params(horizon_weeks=3))
    assert result.table.query("trade_key == @trade")["hours_p50"].tolist() == pytest.approx([70, 70, 0])
    assert result.diagnostics["lots_moved_to_as_of"] == 1


def test_fte_headcount_and_people_to_bring_in(config):
    cfg = certain_config(config, turnover=0.1)
    trade = trade_with_curve(cfg, "uniform")
    # 70 h/week for 2 weeks then 140 h/week for 2 weeks (two lots).
    lots = [lot(1, trade, days=28, hours=280), lot(2, trade, start=MONDAY + dt.timedelta(days=14), days=14, hours=140)]
    rows = run_forecast(frame(*lots), cfg, params(horizon_weeks=5)).table.query("trade_key == @trade")
    assert rows["fte_p50"].tolist() == pytest.approx([2, 2, 4, 4, 0])
    assert rows["headcount_p50"].tolist() == pytest.approx([2, 2, 4, 4, 0])
    # max(0, need_t − need_{t−1} × (1 − 0.1))
    assert rows["people_p50"].tolist() == pytest.approx([2, 0.2, 2.2, 0.4, 0])


def test_quantiles_are_ordered_and_the_same_seed_gives_identical_results(config):
    lots = frame(*mixed_lots(config))
    a = run_forecast(lots, config, params(scenarios=200, quantiles=(0.05, 0.95)))
    b = run_forecast(lots, config, params(scenarios=200, quantiles=(0.05, 0.95)))
    assert a.table.equals(b.table)
    t = a.table
    for m in ("hours", "fte", "headcount", "people"):
        assert (t[f"{m}_p05"] <= t[f"{m}_p10"] + 1e-9).all()
        assert (t[f"{m}_p10"] <= t[f"{m}_p50"] + 1e-9).all()
        assert (t[f"{m}_p50"] <= t[f"{m}_p90"] + 1e-9).all()
        assert (t[f"{m}_p90"] <= t[f"{m}_p95"] + 1e-9).all()
    assert t["hours_p90"].sum() > t["hours_p10"].sum()  # there is uncertainty
    c = run_forecast(lots, config, params(scenarios=200, seed=8))
    assert not c.table["hours_mean"].equals(a.table["hours_mean"])


def test_result_does_not_depend_on_the_chunking(config):
    lots = frame(*mixed_lots(config, n=3000))
    whole = run_forecast(lots, config, params(scenarios=30), chunk_lots=100_000, keep_weekly=True)
    split = run_forecast(lots, config, params(scenarios=30), chunk_lots=1024, keep_weekly=True)
    np.testing.assert_allclose(split.weekly_hours, whole.weekly_hours, rtol=1e-9, atol=1e-6)


def test_simulation_equals_a_direct_lot_by_lot_computation(config):
    """The compiled scatter of shifted impulses gives what adding each lot's shifted weekly profile
    gives, scenario by scenario, with the same draws (slippage, awards, horizon cut, several blocks)."""
    from clauses.forecast.engine import simulation_spec
    from clauses.forecast.inputs import prepare
    from clauses.forecast.simulation import RNG_BLOCK, block_draws, combine, simulate_chunk, weekly_profiles

    p = params(horizon_weeks=30, scenarios=40)
    prepared = prepare(frame(*mixed_lots(config, n=1500)), config, p)
    spec = simulation_spec(prepared, config, p)
    lots = prepared.lots
    got = combine([simulate_chunk(lots, 0, spec)], spec)

    expected = np.zeros((spec.trades, spec.scenarios, spec.weeks))
    first_week, profile = weekly_profiles(lots, spec)
    for b in range(0, len(lots), RNG_BLOCK):
        draws = block_draws(spec, b // RNG_BLOCK, min(RNG_BLOCK, len(lots) - b))
        for j in range(draws.shape[0]):
            i = b + j
            for s in range(spec.scenarios):
                if draws[j, s, 1] >= lots.award_threshold[i]:
                    continue
                w0 = first_week[i] + spec.delay_table[lots.status[i], draws[j, s, 0]]
                n = max(0, min(profile.shape[1], spec.weeks - w0))
                expected[lots.trade[i], s, w0 : w0 + n] += profile[i, :n]
    assert expected.sum() > 0 and (expected.sum(axis=(0, 2)) != expected.sum(axis=(0, 2))[0]).any()
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-6)


def test_award_probability_and_slippage_move_the_hours(config):
    trade = trade_with_curve(config, "uniform")
    half = frame(lot(trade=trade, days=28, hours=1000, award=0.5, status="tendering"))
    result = run_forecast(half, config, params(horizon_weeks=60, scenarios=2000), keep_weekly=True)
    totals = result.weekly_hours.sum(axis=(0, 2))
    assert set(np.round(totals, 6)) == {0.0, 1000.0}  # awarded or not, never in between
    assert totals.mean() == pytest.approx(500, abs=40)
    # Planned lots start late in about 70 % of the scenarios: less in the first weeks than planned.
    planned = frame(lot(trade=trade, days=28, hours=1000, award=1.0, status="planned"))
    rows = run_forecast(planned, config, params(horizon_weeks=300, scenarios=2000)).table
    first = rows.query("trade_key == @trade")["hours_mean"].iloc[0]
    assert 250 * 0.2 < first < 250 * 0.45
    assert rows["hours_mean"].sum() == pytest.approx(1000, rel=1e-9)  # late, not lost (cap 104 weeks)


def test_monthly_periods_keep_every_hour(config):
    cfg = certain_config(config)
    lots = frame(*mixed_lots(cfg))
    weekly = run_forecast(lots, cfg, params(horizon_weeks=30, scenarios=3))
    monthly = run_forecast(lots, cfg, params(horizon_weeks=30, scenarios=3, period="month"))
    assert monthly.table["hours_mean"].sum() == pytest.approx(weekly.table["hours_mean"].sum(), rel=1e-9)
    starts = sorted(set(monthly.table["period_start"]))
    assert all(d.day == 1 for d in starts) and len(starts) in (7, 8)


def test_filters(config):
    lots = frame(*mixed_lots(config))
    one = run_forecast(lots, config, params(trades=("Maçon",)))
    assert set(one.table["trade_key"]) == {"macon"}
    assert one.diagnostics["lots_matching_filters"] == sum(1 for x in mixed_lots(config) if x["trade_key"] == "macon")
    lots.loc[lots.index[:10], "commune"] = "Aubière"
    sub = run_forecast(lots, config, params(communes=("aubiere",)))
    assert sub.diagnostics["lots_matching_filters"] == 10


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(horizon_weeks=0), "horizon"),
        (dict(horizon_weeks=-3), "horizon"),
        (dict(scenarios=0), "scénarios"),
        (dict(period="day"), "période"),
        (dict(trades=("astronaute",)), "métier inconnu dans le filtre : astronaute"),
        (dict(communes=("Paris", "Lyon")), "communes inconnues dans le filtre : Paris, Lyon"),
        (dict(as_of=dt.date(2040, 1, 1)), "sur 8 lots, .* 8 finis avant cette date"),
    ],
)
def test_bad_input_gives_a_clear_error(config, change, message):
    with pytest.raises(ForecastError, match=message):
        run_forecast(frame(*mixed_lots(config, n=8)), config, params(**change))


def test_empty_pipeline_is_an_error(config):
    with pytest.raises(ForecastError, match="aucun chantier"):
        run_forecast(frame(), config, params())


def test_parameters_from_the_configuration_unless_given():
    from zoneinfo import ZoneInfo

    from clauses.config import load_config

    config = load_config()
    defaults = ForecastParameters.from_config(config, horizon_weeks=None, seed=None)
    assert defaults.horizon_weeks == config.forecast.default_horizon_weeks
    assert defaults.scenarios == config.forecast.default_scenarios and defaults.seed == config.forecast.default_seed
    assert defaults.as_of == dt.datetime.now(ZoneInfo(config.territory.timezone)).date()
    given = ForecastParameters.from_config(config, as_of=MONDAY, horizon_weeks=8, period="month", trades=("macon",))
    assert (given.as_of, given.horizon_weeks, given.period, given.trades) == (MONDAY, 8, "month", ("macon",))


def test_the_summary_writes_the_first_of_the_month_and_counts_in_french(config):
    """« au 1 mars 2027 » and « Lots écartés : 1 terminés » read wrong to a French reader."""
    from clauses.forecast.export import markdown_summary

    cfg = certain_config(config)
    trade = trade_with_curve(cfg, "uniform")
    first = dt.date(2027, 3, 1)  # a Monday
    lots = [lot(lot_id=1, trade=trade, start=first - dt.timedelta(days=7), days=14, hours=140, status="awarded"),
            lot(lot_id=2, trade=trade, start=first - dt.timedelta(days=70), days=14, hours=140, status="done")]
    result = run_forecast(frame(*lots), cfg, params(as_of=first, horizon_weeks=3))
    text = markdown_summary(result, {trade: "Maçon"}, None, None)
    assert "au 1er mars 2027" in text and "(semaine du 1er mars 2027)" in text  # the title, the peak week
    assert "Lots écartés : 1 terminé, 0 sans heures restantes, 0 échu avant la date" in text
    assert "1 lot non démarré reporté à la date." in text
    # A thousand is written « 1 000 » (it said « 1000 scénarios »); a month's peak is its month.
    many = run_forecast(frame(*lots), cfg, params(as_of=first, horizon_weeks=8, period="month", scenarios=1000))
    text = markdown_summary(many, {trade: "Maçon"}, None, None)
    assert "par mois ; 1\u202f000 scénarios" in text and "(mars 2027)" in text
