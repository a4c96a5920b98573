"""A Gantt chart of a plan, in French: one row per trade, POEC cohorts as bars; information
sessions, discoveries and recruitment events as markers of their own colour; a thin line joins each
cohort to its recruitment event (the chain to a job); kept (already approved) events hatched."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from babel.dates import format_date  # noqa: E402

from clauses.french import EVENT_KIND_LABELS  # noqa: E402
from clauses.planning.result import PARIS, PlanResult  # noqa: E402

# Each step of the chain its colour; one-day steps as markers (above the bar: before the cohort,
# below: after it).
COLOURS = {"information_session": "#805ad5", "discovery": "#dd6b20", "poec": "#2b6cb0", "recruitment": "#2f855a"}
MARKERS = {"information_session": ("o", 0.32), "discovery": ("v", 0.32), "recruitment": ("*", -0.32)}


# 12 inches at 100 dpi: 1,200 pixels wide, readable in the Prefect UI, and small enough to travel
# inside its artifact (a three-year plan of 13 trades and ~250 events: about 70 kB).
DPI = 100


def idle_trades(result: PlanResult) -> dict[str, str]:
    """The trades with a need and no event in the plan, each with why: an empty row of the chart
    would otherwise leave the reader guessing."""
    planned = {e.trade_key for e in result.events}
    notes = {}
    for coverage in result.coverage:
        if coverage.trade_key not in planned:
            why = coverage.explanation
            notes[coverage.trade_key] = f"aucun événement – {why}" if why else "aucun événement"
    return notes


def gantt(
    result: PlanResult, labels: dict[str, str], path: Path, *, title: str = "Plan : réunions d'information, découvertes métiers, POEC et recrutement",
    dpi: int = DPI,
) -> Path:
    trades = sorted({e.trade_key for e in result.events} | {c.trade_key for c in result.coverage})
    fig, ax = plt.subplots(figsize=(12, 0.5 * max(len(trades), 3) + 1.8), dpi=dpi)
    rows = {t: i for i, t in enumerate(trades)}
    for index, event in enumerate(result.events):
        y = rows[event.trade_key]
        start = event.start.astimezone(PARIS)
        end = event.end.astimezone(PARIS)
        if event.kind == "poec":
            ax.barh(
                y, (end - start).total_seconds() / 86400, left=mdates.date2num(start), height=0.5,
                color=COLOURS["poec"], hatch="//" if event.fixed_event_id else None, edgecolor="white",
            )
        else:
            marker, offset = MARKERS.get(event.kind, ("v", 0.32))
            ax.plot(mdates.date2num(start), y + offset, marker=marker, color=COLOURS.get(event.kind, "#dd6b20"),
                    markersize=6, linestyle="none")
        if event.hiring is not None and 0 <= event.hiring < len(result.events):
            meets = result.events[event.hiring].start.astimezone(PARIS)
            ax.plot([mdates.date2num(end), mdates.date2num(meets)], [y, y - 0.32], color=COLOURS["recruitment"],
                    linewidth=0.8, alpha=0.7)
    for trade, note in idle_trades(result).items():  # written where the trade's events would be
        ax.text(0.01, rows[trade], note, transform=ax.get_yaxis_transform(), va="center", fontsize=8,
                fontstyle="italic", color="#4a5568")
    ax.set_yticks(range(len(trades)))
    ax.set_yticklabels([labels.get(t, t) for t in trades])
    ax.invert_yaxis()
    ax.xaxis_date()
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=[1, 4, 7, 10]))
    ax.xaxis.set_major_formatter(
        matplotlib.ticker.FuncFormatter(
            lambda x, _: format_date(mdates.num2date(x).date(), "MMM y", locale="fr_FR")
        )
    )
    ax.set_title(title)
    ax.set_xlabel("Date")
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    ax.legend(
        handles=[
            Line2D([], [], marker=MARKERS["information_session"][0], color=COLOURS["information_session"],
                   linestyle="none", label=EVENT_KIND_LABELS["information_session"]),
            Line2D([], [], marker="v", color=COLOURS["discovery"], linestyle="none", label=EVENT_KIND_LABELS["discovery"]),
            Patch(color=COLOURS["poec"], label="Cohorte POEC"),
            Line2D([], [], marker=MARKERS["recruitment"][0], color=COLOURS["recruitment"], linestyle="-",
                   label=EVENT_KIND_LABELS["recruitment"]),
        ],
        loc="lower right",
        fontsize=8,
    )
    ax.grid(axis="x", alpha=0.3)
    if not result.events:
        ax.text(0.5, 0.5, "Aucun événement planifié", transform=ax.transAxes, ha="center")
        ax.set_xlim(mdates.date2num(dt.date.today()), mdates.date2num(dt.date.today() + dt.timedelta(days=365)))
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
