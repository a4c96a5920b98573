"""Shared builders for the forecast tests (not a test module)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from clauses.config.forecast import STATUSES, Slippage

MONDAY = dt.date(2026, 1, 5)  # a Monday


def lot(lot_id=1, trade="macon", start=MONDAY, days=28, status="awarded", hours=1000.0, delivered=0.0,
        award=None, commune="Clermont-Ferrand"):
    return dict(
        lot_id=lot_id,
        trade_key=trade,
        start=start,
        end=start + dt.timedelta(days=days - 1),
        status=status,
        award_probability=award,
        insertion_hours=hours,
        hours_delivered=delivered,
        commune=commune,
    )


def frame(*lots):
    return pd.DataFrame(list(lots))


def certain_config(config, turnover=None):
    """The configuration with no slippage and every lot awarded."""
    still = Slippage(p_late=0.0, median_weeks=0, shape=1.0, max_weeks=0)
    update = {
        "slippage": {s: still for s in STATUSES},
        "default_award_probability": {s: 1.0 for s in STATUSES},
    }
    if turnover is not None:
        update["weekly_turnover"] = turnover
    return config.model_copy(update={"forecast": config.forecast.model_copy(update=update)})


def trade_with_curve(config, curve):
    return next(t.key for t in config.trades if t.loading_curve == curve)


def seed_pipeline(db, config, lots):
    """Insert reference rows, one operation and ``lots`` (dicts from ``lot``) into ``db``."""
    from decimal import Decimal

    from clauses.storage import Lot, Operation
    from clauses.storage.reference_sync import sync_reference

    with db.transaction() as session:
        sync_reference(session, config)
        op = Operation(external_id="op-1", name="Opération test", commune="Clermont-Ferrand")
        session.add(op)
        session.flush()
        for x in lots:
            session.add(
                Lot(
                    id=x["lot_id"],
                    external_id=f"lot-{x['lot_id']}",
                    operation_id=op.id,
                    name=f"Lot {x['lot_id']}",
                    trade_key=x["trade_key"],
                    amount_ht=Decimal("100000"),
                    start=x["start"],
                    end=x["end"],
                    status=x["status"],
                    award_probability=x["award_probability"],
                    commune=x["commune"],
                    insertion_hours=x["insertion_hours"],
                    hours_source="given",
                    hours_parameters={},
                    hours_delivered=x["hours_delivered"],
                    source="csv",
                    source_file="test.csv",
                    content_hash="0" * 64,
                )
            )
