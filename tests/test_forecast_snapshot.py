import datetime as dt

import pytest

from clauses.forecast import ForecastError, ForecastParameters, load_snapshot, run_forecast, save_snapshot
from clauses.forecast.inputs import read_lots
from clauses.forecast.snapshot import VALUE_COLUMNS
from clauses.storage import ForecastSnapshot
from forecast_helpers import MONDAY, lot, seed_pipeline


def lots():
    return [
        lot(1, "macon", days=60, hours=900, status="awarded"),
        lot(2, "peintre", start=MONDAY + dt.timedelta(days=20), days=90, hours=600, status="planned", award=0.4),
        lot(3, "electricien", start=MONDAY - dt.timedelta(days=30), days=120, hours=800, delivered=100,
            status="in_progress", commune=None),
    ]


def test_snapshots_are_kept_compared_and_loaded(db, config):
    seed_pipeline(db, config, lots())
    params = ForecastParameters(as_of=MONDAY, horizon_weeks=26, scenarios=100, seed=1)
    with db.transaction() as session:
        frame = read_lots(session)
        assert frame.loc[frame.lot_id == 3, "commune"].item() == "Clermont-Ferrand"  # operation's commune
        first = save_snapshot(session, run_forecast(frame, config, params))
        assert first.changes is None
    with db.transaction() as session:
        from clauses.storage import Lot

        session.get(Lot, 1).insertion_hours = 1900
    with db.transaction() as session:
        frame = read_lots(session)
        second = save_snapshot(session, run_forecast(frame, config, params))
        assert second.previous_snapshot_id == first.id
        assert second.input_fingerprint != first.input_fingerprint
        macon = second.changes["trades"]["macon"]
        assert macon["total_hours_mean"]["delta"] > 0
        assert second.changes["trades"]["peintre"]["status"] == "unchanged"

    with db.transaction() as session:
        assert session.query(ForecastSnapshot).count() == 2
        latest = load_snapshot(session)
        older = load_snapshot(session, first.id)
    assert latest.attrs["snapshot_id"] == second.id and older.attrs["snapshot_id"] == first.id
    assert list(latest.columns) == ["trade_key", "period_start", "period_end", *VALUE_COLUMNS]
    assert {"people_p50", "hours_p10", "fte_p90", "headcount_mean"} <= set(latest.columns)
    assert isinstance(latest["period_start"].iloc[0], dt.date)
    assert len(latest) == len(config.trades) * 26
    hours = latest.groupby("trade_key")["hours_mean"].sum()
    assert hours["macon"] > older.groupby("trade_key")["hours_mean"].sum()["macon"]
    assert hours["plombier"] == 0


def test_load_snapshot_without_any_is_a_clear_error(db):
    with db.transaction() as session:
        with pytest.raises(ForecastError, match="aucune prévision enregistrée"):
            load_snapshot(session)
        with pytest.raises(ForecastError, match="n.existe pas"):
            load_snapshot(session, 12345)
