"""The forecast's fan chart: every trade, every y axis from 0, the partial current week left out."""

from __future__ import annotations

import datetime as dt

import matplotlib.pyplot as plt
import pandas as pd
from PIL import Image

from clauses.forecast.charts import draw_fan_chart, fan_chart, grid


def _table(trades: int, as_of: dt.date, weeks: int = 30) -> pd.DataFrame:
    """Trade t0 has no hours; the others rise from 500 + 10·i hours a week (far from 0)."""
    monday = as_of - dt.timedelta(days=as_of.weekday())
    rows = []
    for i in range(trades):
        for w in range(weeks):
            start = monday + dt.timedelta(weeks=w)
            hours = 0.0 if i == 0 else 500.0 + 10 * i + w
            if w == 0:
                hours /= 7  # the current week: only the days from the forecast date
            rows.append({"trade_key": f"t{i}", "period_start": start, "period_end": start + dt.timedelta(days=6),
                         "hours_mean": hours, "hours_p10": hours * 0.9, "hours_p50": hours, "hours_p90": hours * 1.1})
    return pd.DataFrame(rows)


def test_every_trade_with_hours_has_a_panel_with_its_y_axis_from_zero_and_the_others_are_named():
    as_of = dt.date(2026, 12, 5)  # a Saturday: the week of 30 November is partial
    table = _table(13, as_of)
    # A trade of a few tenths of an hour a week: its axis counts tenths, not « 0 0 0 0 0 ».
    tiny = table[table.trade_key == "t12"].assign(trade_key="tiny")
    tiny[["hours_mean", "hours_p10", "hours_p50", "hours_p90"]] = [0.3, 0.2, 0.3, 0.4]
    table = pd.concat([table, tiny], ignore_index=True)
    labels = {f"t{i}": f"Métier {i}" for i in range(13)} | {"tiny": "Petit métier"}
    fig = draw_fan_chart(table, labels, "week", as_of)
    try:
        panels = [ax for ax in fig.axes if ax.get_visible()]
        # Métier 0 has no hours: no empty panel, its name under the chart.
        assert sorted(ax.get_title() for ax in panels) == sorted(set(labels.values()) - {"Métier 0"})
        assert [text.get_text() for text in fig.texts if text is not fig._suptitle] == ["Aucune heure prévue : Métier 0."]
        assert all(ax.get_ylim()[0] == 0 for ax in panels)
        fig.canvas.draw()  # tick labels are only written when drawn
        small = next(ax for ax in panels if ax.get_title() == "Petit métier")
        ticks = [label.get_text() for label in small.get_yticklabels() if label.get_text()]
        assert ticks[0] == "0" and "0,2" in ticks and len(ticks) == len(set(ticks)), ticks
        for ax in panels:  # and no panel repeats a tick label
            shown = [label.get_text() for label in ax.get_yticklabels() if label.get_text()]
            assert len(shown) == len(set(shown)), (ax.get_title(), shown)
        # the partial week of 30 November is not drawn: the P50 line starts on 7 December
        line = next(ax for ax in panels if ax.get_title() == "Métier 12").lines[0]
        assert pd.Timestamp(line.get_xdata()[0]).date() == dt.date(2026, 12, 7)
        assert min(line.get_ydata()) > 400
        assert "semaine en cours (partielle) non représentée" in fig._suptitle.get_text()
        assert "14 métiers" in fig._suptitle.get_text()
    finally:
        plt.close(fig)


def test_a_forecast_without_any_hours_still_draws_one_panel_saying_so():
    as_of = dt.date(2026, 12, 7)
    table = _table(3, as_of)
    table[["hours_mean", "hours_p10", "hours_p50", "hours_p90"]] = 0.0
    fig = draw_fan_chart(table, {}, "week", as_of)
    try:
        panels = [ax for ax in fig.axes if ax.get_visible()]
        assert len(panels) == 1 and any(text.get_text() == "aucune heure prévue" for text in panels[0].texts)
        assert [text.get_text() for text in fig.texts if text is not fig._suptitle] == ["Aucune heure prévue : t1, t2."]
    finally:
        plt.close(fig)


def test_grid_is_sized_to_the_trades(tmp_path):
    assert grid(1) == (1, 1) and grid(4) == (2, 2) and grid(13) == (4, 4) and grid(16) == (4, 4) and grid(17) == (5, 4)
    path = fan_chart(_table(5, dt.date(2026, 12, 7)), {}, tmp_path / "fan.png", "week", dt.date(2026, 12, 7))
    width, height = Image.open(path).size
    assert width > height * 0.9 and height < 1000  # 5 trades: a 2 × 3 grid, not a 12-panel page
