"""Funnel counts per event, trade, month and overall, on a hand-counted history."""

from __future__ import annotations

import pytest

from clauses.reporting import build_report
from clauses.reporting.facts import participation_facts
from clauses.reporting.funnel import by_event, by_month, by_trade, hires_by_contract, overall
from reporting_data import seed

STAGE_COLUMNS = ["invited", "registered", "attended", "selected", "poec", "completed", "met_employer", "hired"]


@pytest.fixture
def seeded(db, config):
    with db.transaction() as session:
        ids = seed(session, config)
    return ids


def _row(table, column, value):
    rows = table[table[column] == value]
    assert len(rows) == 1
    return rows.iloc[0]


def test_funnel_per_event_counts_every_stage_reached(db, config, seeded):
    with db.transaction() as session:
        facts = participation_facts(session, config)
    events = by_event(facts)
    d1 = _row(events, "event_id", seeded["events"]["d1"])
    assert [int(d1[c]) for c in STAGE_COLUMNS] == [8, 5, 4, 2, 0, 0, 0, 0]
    assert (int(d1["declined"]), int(d1["no_show"]), int(d1["excused"])) == (1, 1, 0)
    assert (int(d1["bounced"]), int(d1["unsubscribed"])) == (1, 1)
    assert d1["month"] == "2026-03"
    p1 = _row(events, "event_id", seeded["events"]["p1"])
    assert [int(p1[c]) for c in STAGE_COLUMNS] == [2, 2, 2, 2, 2, 2, 1, 1]
    d2 = _row(events, "event_id", seeded["events"]["d2"])
    # c8, excused without a registration recorded, was expected: registered, as « plan show » counts
    assert [int(d2[c]) for c in STAGE_COLUMNS] == [3, 2, 1, 1, 1, 1, 1, 1]
    assert (int(d2["excused"]), int(d2["unsubscribed"])) == (1, 1)  # unsubscribe from an email event


def test_plan_show_and_the_report_count_each_event_alike(db, config, seeded):
    """« clauses plan show » counted people absent or excused as registered, the report did not: the
    same event read « inscrits 40 » in one and « Inscrits 21 » in the other."""
    from clauses.planning.show import attendance

    with db.transaction() as session:
        events = by_event(participation_facts(session, config)).set_index("event_id")
        shown = attendance(session, list(seeded["events"].values()))
    for event_id, counts in shown.items():
        row = events.loc[event_id]
        assert (counts.invited, counts.registered, counts.present) == (row["invited"], row["registered"], row["attended"])


def test_funnel_per_trade_month_and_overall_counts_people_once(db, config, seeded):
    with db.transaction() as session:
        facts = participation_facts(session, config)
    trades = by_trade(facts)
    assert [int(_row(trades, "trade_key", "macon")[c]) for c in STAGE_COLUMNS] == [8, 5, 4, 2, 2, 2, 1, 1]
    assert [int(_row(trades, "trade_key", "peintre")[c]) for c in STAGE_COLUMNS] == [3, 2, 1, 1, 1, 1, 1, 1]
    months = by_month(facts)
    assert list(months["month"]) == ["2026-03", "2026-04"]
    assert [int(_row(months, "month", "2026-03")[c]) for c in STAGE_COLUMNS] == [10, 6, 5, 3, 1, 1, 1, 1]
    assert [int(_row(months, "month", "2026-04")[c]) for c in STAGE_COLUMNS] == [2, 2, 2, 2, 2, 2, 1, 1]
    totals = overall(facts)
    assert [totals[c] for c in STAGE_COLUMNS] == [10, 6, 5, 3, 3, 3, 2, 2]
    assert (totals["bounced"], totals["unsubscribed"]) == (1, 2)
    hires = hires_by_contract(facts)
    assert sorted(zip(hires["trade_key"], hires["contract_type"], hires["hired"])) == [
        ("macon", "CDI", 1), ("peintre", "CDD 12 mois", 1)]


def test_empty_database_gives_empty_tables_not_errors(db, config):
    with db.transaction() as session:
        report = build_report(session, config)
    assert report.by_event.empty and report.by_trade.empty
    assert report.totals["invited"] == 0
    assert any("Aucune participation" in n for n in report.notes)
    assert any("Aucune prévision" in n for n in report.notes)
    assert report.conversion["invited_to_attended"] == config.planning.conversion.invited_to_attended
