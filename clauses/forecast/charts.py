"""Fan chart of the forecast: P10–P90 band and P50 line per trade, in French (matplotlib, Agg)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from babel.dates import format_date  # noqa: E402


def fan_chart(table: pd.DataFrame, labels: dict[str, str], path: Path, period: str, as_of, max_trades: int = 12) -> Path:
    """One panel per trade with hours (largest totals first); written as PNG to ``path``."""
    totals = table.groupby("trade_key")["hours_mean"].sum().sort_values(ascending=False)
    trades = [k for k, v in totals.items() if v > 0][:max_trades] or list(totals.index[:1])
    cols = 3 if len(trades) > 4 else min(2, len(trades))
    rows = -(-len(trades) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 3.2 * rows), squeeze=False, sharex=True)
    unit = "semaine" if period == "week" else "mois"
    for ax, key in zip(axes.flat, trades):
        t = table[table.trade_key == key]
        x = pd.to_datetime(t["period_start"])
        ax.fill_between(x, t["hours_p10"], t["hours_p90"], step="post", alpha=0.3, color="#1f77b4", label="P10 – P90")
        ax.step(x, t["hours_p50"], where="post", color="#1f77b4", label="P50 (médiane)")
        ax.set_title(labels.get(key, key), fontsize=10)
        ax.set_ylabel(f"Heures d'insertion par {unit}", fontsize=8)
        ax.xaxis.set_major_locator(mdates.MonthLocator(interval=max(1, len(x) // 40 or 1) * 3))
        ax.xaxis.set_major_formatter(
            matplotlib.ticker.FuncFormatter(
                lambda v, _: format_date(mdates.num2date(v).date(), "MMM y", locale="fr_FR")
            )
        )
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(trades):]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=7)
    fig.suptitle(
        f"Besoins en heures d'insertion par métier — prévision au {format_date(as_of, 'd MMMM y', locale='fr_FR')}",
        fontsize=12,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
