"""Fan chart of the forecast: P10–P90 band and P50 line per trade, in French (matplotlib, Agg).

Small multiples: one panel per trade with hours (largest totals first), the trades without any
named under the panels, the grid sized to the number of panels, every y axis from 0. The first
period is left out when the forecast date falls inside it: it holds only the days from that date
and would dip for no reason; the chart says so.
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from babel.dates import format_date  # noqa: E402

from clauses import french  # noqa: E402


def grid(panels: int) -> tuple[int, int]:
    """(rows, columns) of small multiples for ``panels`` panels: at most 4 columns, nearly square."""
    if panels <= 0:
        return 1, 1
    cols = min(4, max(1, math.ceil(math.sqrt(panels))))
    return math.ceil(panels / cols), cols


def whole_periods(table: pd.DataFrame, as_of) -> tuple[pd.DataFrame, bool]:
    """The rows of periods that start on or after ``as_of``; True when a partial period was left out."""
    if table.empty:
        return table, False
    as_of = pd.Timestamp(as_of)
    starts = pd.to_datetime(table["period_start"])
    partial = starts < as_of
    return table[~partial], bool(partial.any())


def fan_chart(table: pd.DataFrame, labels: dict[str, str], path: Path, period: str, as_of) -> Path:
    """One panel per trade of ``table`` (largest totals first); written as PNG to ``path``."""
    fig = draw_fan_chart(table, labels, period, as_of)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def draw_fan_chart(table: pd.DataFrame, labels: dict[str, str], period: str, as_of) -> plt.Figure:
    """The fan chart's figure (the caller saves and closes it)."""
    shown, dropped = whole_periods(table, as_of)
    totals = table.groupby("trade_key")["hours_mean"].sum().sort_values(ascending=False, kind="stable")
    highest = shown.groupby("trade_key")["hours_p90"].max()
    # A trade without hours is named under the chart: four empty panels took a fifth of the page.
    idle = [key for key in totals.index if highest.get(key, 0) <= 0]
    trades = [key for key in totals.index if key not in idle] or idle[:1]
    rows, cols = grid(len(trades))
    named = [labels.get(key, key) for key in idle if key not in trades]
    note = textwrap.wrap(f"Aucune heure prévue : {', '.join(named)}.", 60 * cols) if named else []
    note_height = 0.25 * len(note) + (0.1 if note else 0)  # inches under the panels
    height = 2.9 * rows + 0.9 + note_height
    fig, axes = plt.subplots(rows, cols, figsize=(4.4 * cols, height), squeeze=False, sharex=True)
    unit = "semaine" if period == "week" else "mois"
    dates = pd.to_datetime(shown["period_start"]) if len(shown) else pd.Series([pd.Timestamp(as_of)])
    months = (1, 4, 7, 10) if (dates.max() - dates.min()).days <= 800 else (1, 7)
    for ax, key in zip(axes.flat, trades):
        t = shown[shown.trade_key == key]
        x = pd.to_datetime(t["period_start"])
        ax.fill_between(x, t["hours_p10"], t["hours_p90"], step="post", alpha=0.3, color="#1f77b4", label="P10 – P90")
        ax.step(x, t["hours_p50"], where="post", color="#1f77b4", label="P50 (médiane)")
        ax.set_title(labels.get(key, key), fontsize=10)
        top = float(t["hours_p90"].max()) if len(t) else 0.0
        ax.set_ylim(0, top * 1.08 if top > 0 else 1)
        # Whole hours on the axis, but under an hour at the highest, fractions (« 0,25 »): ticks at
        # 0.2, 0.4… printed as whole numbers read « 0 0 1 1 1 ».
        ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=top >= 1))
        if top <= 0:
            ax.set_yticks([0])
            ax.text(0.5, 0.5, "aucune heure prévue", transform=ax.transAxes, ha="center", va="center",
                    fontsize=9, color="#555555")
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: french.number(v)))
        ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=months))
        ax.xaxis.set_tick_params(labelbottom=True)  # also under a panel with an empty slot below
        ax.xaxis.set_major_formatter(
            matplotlib.ticker.FuncFormatter(lambda v, _: format_date(mdates.num2date(v).date(), "MMM y", locale="fr_FR"))
        )
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(trades):]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel(f"Heures par {unit}", fontsize=8)
    axes.flat[0].legend(fontsize=7, loc="upper right")
    as_of_date = as_of if isinstance(as_of, dt.date) else pd.Timestamp(as_of).date()
    subtitle = f"{len(totals)} métiers ; heures d'insertion par {unit}, axes à partir de 0"
    if dropped:
        current = "semaine" if period == "week" else "mois"
        subtitle += f" ; {current} en cours (partielle) non représenté{'e' if period == 'week' else ''}"
    fig.suptitle(
        f"Besoins en heures d'insertion par métier — prévision au "
        f"{french.day_long(as_of_date)}\n{subtitle}",
        fontsize=11,
    )
    if note:
        fig.text(0.01, 0.1 / height, "\n".join(note), fontsize=9, color="#333333", va="bottom")
    fig.tight_layout(rect=(0, note_height / height, 1, 1))
    return fig
