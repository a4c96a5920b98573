"""Charts of the outcome report, in French (matplotlib, Agg): the funnel, the chain of one trade
from discovery to hire, and the hours covered by placements against the need, per trade. Each
function returns PNG bytes."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.patches as patches  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from babel.numbers import format_decimal  # noqa: E402

from clauses.french import EVENT_KIND_LABELS  # noqa: E402
from clauses.reporting.chain import Chain  # noqa: E402
from clauses.reporting.facts import STAGES  # noqa: E402
from clauses.reporting.funnel import LABELS  # noqa: E402

# The step of the chain each stage belongs to, and its colour.
STEP_KIND = {"invited": "discovery", "attended": "discovery", "selected": "discovery", "poec": "poec",
             "completed": "poec", "met_employer": "recruitment", "hired": "hired"}
STEP_COLOURS = {"discovery": "#4299e1", "poec": "#dd6b20", "recruitment": "#38a169", "hired": "#22543d"}


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()


def _number(value: float) -> str:
    return format_decimal(value, format="#,##0", locale="fr_FR")


def _people_axis(axis) -> None:
    """Whole people only (no « 0,2 » tick on an empty chart), thousands grouped the French way."""
    axis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    axis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: _number(v)))


def funnel_chart(totals: dict[str, int]) -> bytes:
    """Horizontal bars, one per stage, widest at the top."""
    fig, ax = plt.subplots(figsize=(8, 4))
    values = [totals.get(s, 0) for s in STAGES]
    labels = [LABELS[s] for s in STAGES]
    y = np.arange(len(STAGES))[::-1]
    bars = ax.barh(y, values, color="#2b6cb0")
    ax.set_yticks(y, labels)
    for bar, value in zip(bars, values):
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {_number(value)}", va="center", fontsize=9)
    ax.set_xlabel("Nombre de personnes")
    ax.set_title("Parcours des candidats : de l'invitation à l'embauche")
    ax.set_xlim(0, max(values + [1]) * 1.15)
    _people_axis(ax.xaxis)
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


def chain_chart(chain: Chain, labels: dict[str, str]) -> bytes:
    """One trade's chain: a horizontal bar per step (people), coloured by the step of the chain,
    with the share of the people invited."""
    steps = chain.steps
    fig, ax = plt.subplots(figsize=(9, 0.9 + 0.45 * len(steps)))
    values = [s.people for s in steps]
    y = np.arange(len(steps))[::-1]
    colours = [STEP_COLOURS[STEP_KIND[s.stage]] for s in steps]
    bars = ax.barh(y, values, color=colours)
    ax.set_yticks(y, [s.label for s in steps])
    first = values[0] if values and values[0] else None
    for bar, value in zip(bars, values):
        share = f" ({format_decimal(100 * value / first, format='#,##0', locale='fr_FR')} %)" if first else ""
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {_number(value)}{share}", va="center", fontsize=9)
    kinds = {e.id: e.kind for e in chain.events}
    entry = " / ".join(dict.fromkeys(EVENT_KIND_LABELS.get(kinds[i], kinds[i]) for i in steps[0].events))
    legend = {"discovery": entry, "poec": EVENT_KIND_LABELS["poec"],
              "recruitment": EVENT_KIND_LABELS["recruitment"], "hired": "Embauche"}
    shown = dict.fromkeys(STEP_KIND[s.stage] for s in steps)
    handles = [patches.Patch(color=STEP_COLOURS[k], label=legend[k]) for k in shown]
    ax.legend(handles=handles, loc="lower right", fontsize=8)
    ax.set_xlabel("Nombre de personnes (entre parenthèses : part des invités)" if first else "Nombre de personnes")
    ax.set_title(f"Chaîne jusqu'à l'emploi : {labels.get(chain.trade_key, chain.trade_key)}")
    ax.set_xlim(0, max(values + [1]) * 1.25)
    _people_axis(ax.xaxis)
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


def coverage_chart(coverage: pd.DataFrame, labels: dict[str, str]) -> bytes:
    """Per trade: need (P50 hours of the forecast) and hours covered by placements."""
    fig, ax = plt.subplots(figsize=(9, 1 if coverage.empty else 4.5))  # empty: one line, no blank square
    if coverage.empty:
        ax.text(0.5, 0.5, "Aucune embauche ni besoin à afficher", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return _png(fig)
    names = [labels.get(k, k) for k in coverage["trade_key"]]
    x = np.arange(len(names))
    need = coverage["need_hours_p50"].astype(float)
    has_need = need.notna().any()
    width = 0.4 if has_need else 0.6
    if has_need:
        ax.bar(x - width / 2, need.fillna(0), width, label="Besoin (heures P50 de la prévision)", color="#a0aec0")
    ax.bar(x + (width / 2 if has_need else 0), coverage["covered_hours"].astype(float), width,
           label="Heures couvertes par les embauches", color="#2f855a")
    ax.set_xticks(x, names, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("Heures d'insertion")
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: _number(v)))
    ax.set_title("Heures d'insertion couvertes par les embauches, par métier")
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return _png(fig)


def company_labels(companies: pd.DataFrame) -> list[str]:
    """Each company's name on the chart, cut to 40 characters; a name that several companies share
    (DECP awardees are often named only « SAS ») is followed by the company's identifier."""
    names = companies["company"].astype(str)
    shared = names.duplicated(keep=False)
    return [f"{name[:24]} ({identifier})" if twin else name[:40]
            for name, identifier, twin in zip(names, companies["identifier"], shared)]


def companies_chart(companies: pd.DataFrame, top: int = 15) -> bytes:
    """Per company (the ``top`` owing most hours): hours owed under the clause and delivered."""
    fig, ax = plt.subplots(figsize=(9, 0.6 + 0.35 * max(1, min(top, len(companies)))))
    if companies.empty:
        ax.text(0.5, 0.5, "Aucune entreprise titulaire enregistrée", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return _png(fig)
    shown = companies.head(top)
    labels = company_labels(companies)[:top]
    y = np.arange(len(shown))[::-1]
    ax.barh(y + 0.2, shown["hours_owed"].astype(float), height=0.4, color="#a0aec0", label="Heures dues (clause)")
    ax.barh(y - 0.2, shown["hours_delivered"].astype(float), height=0.4, color="#2f855a", label="Heures réalisées")
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel("Heures d'insertion")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: _number(v)))
    ax.set_title("Heures d'insertion par entreprise titulaire")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)
