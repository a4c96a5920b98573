"""Forecast files a person opens: CSV, XLSX (French headers) and a markdown summary."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from babel.numbers import format_decimal

from clauses import exports, french
from clauses.french import counted

FRENCH_HEADERS = {
    "trade_key": "métier",
    "period_start": "début de période",
    "period_end": "fin de période",
    "hours": "heures",
    "fte": "ETP",
    "headcount": "personnes en poste",
    "people": "personnes à recruter",
    "mean": "moyenne",
}


def french_header(column: str) -> str:
    if column in FRENCH_HEADERS:
        return FRENCH_HEADERS[column]
    measure, _, stat = column.partition("_")
    return f"{FRENCH_HEADERS.get(measure, measure)} {FRENCH_HEADERS.get(stat, stat.upper())}"


def french_table(table: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """The forecast with French headers: the trade's label (not its key), dates as dd/mm/yyyy,
    figures rounded to 4 decimals."""
    out = table.copy()
    out["trade_key"] = out["trade_key"].map(lambda key: labels.get(key, key))
    for column in ("period_start", "period_end"):
        if column in out:
            out[column] = pd.to_datetime(out[column]).dt.strftime("%d/%m/%Y")
    numbers = out.select_dtypes("number").columns
    out[numbers] = out[numbers].round(4)
    return out.rename(columns={c: french_header(c) for c in out.columns})


def write_csv(table: pd.DataFrame, labels: dict[str, str], path: Path) -> Path:
    return exports.write_csv(french_table(table, labels), path)


def write_xlsx(table: pd.DataFrame, totals: dict, labels: dict[str, str], path: Path) -> Path:
    out = french_table(table, labels)
    summary = pd.DataFrame(
        [
            {
                "métier": labels.get(key, key),
                "heures moyenne": t["hours"]["mean"],
                "heures P10": t["hours"]["p10"],
                "heures P50": t["hours"]["p50"],
                "heures P90": t["hours"]["p90"],
                "pic ETP P50": t["peak_fte_p50_value"],
                "personnes à recruter P50": t["people"]["p50"],
            }
            for key, t in totals.items()
        ]
    )
    return exports.write_xlsx_book({"Synthèse": summary, "Prévision": out}, path,
                                   formats=_figure_formats([*summary.columns, *out.columns]))


def _figure_formats(headers: list[str]) -> dict[str, str]:
    """How a workbook shows the figures (they keep their 4 decimals): hours « 19 223,3 », full-time
    equivalents and people « 14,1 »."""
    return {header: "#,##0.0" if header.startswith("heures") else "0.0"
            for header in headers if header.startswith(("heures", "ETP", "pic ETP", "personnes"))}


def _n(value: float, digits: int = 0) -> str:
    return format_decimal(round(value, digits), format="#,##0" + ("." + "0" * digits if digits else ""), locale="fr_FR")


def _period(first_day, period: str) -> str:
    """The period a figure belongs to: « semaine du 25 janvier 2027 », « janvier 2027 »."""
    if period == "week":
        return f"semaine du {french.day_long(first_day)}"
    return french.month_long(first_day)


def markdown_summary(result, labels: dict[str, str], snapshot_id: int | None, changes: dict | None) -> str:
    p = result.params
    lines = [
        f"# Prévision des besoins en heures d'insertion — au {french.day_long(p.as_of)}",
        "",
        f"Horizon : {p.horizon_weeks} semaines, par {'semaine' if p.period == 'week' else 'mois'} ;"
        f" {_n(p.scenarios)} scénarios (graine {p.seed}) ; {counted(result.lot_count, 'lot pris', 'lots pris')} en compte."
        + (f" Instantané n° {snapshot_id}." if snapshot_id else ""),
        "",
        "| Métier | Heures (P10 – P50 – P90) | Pic ETP (P50) | Personnes à recruter (P50) | Évolution depuis la précédente |",
        "|---|---|---|---|---|",
    ]
    trades = (changes or {}).get("trades", {})
    for key, t in sorted(result.totals.items(), key=lambda kv: -kv[1]["hours"]["mean"]):
        if t["hours"]["mean"] <= 0:
            continue
        change = trades.get(key)
        moved = "—"
        if change:
            moved = (
                f"heures {'+' if change['total_hours_mean']['delta'] >= 0 else ''}{_n(change['total_hours_mean']['delta'])},"
                f" pic ETP {'+' if change['peak_fte_p50']['delta'] >= 0 else ''}{_n(change['peak_fte_p50']['delta'], 1)}"
            )
        peak = t["peak_fte_p50_period"]
        when = _period(pd.Timestamp(peak).date(), p.period) if peak else ""
        lines.append(
            f"| {labels.get(key, key)} | {_n(t['hours']['p10'])} – {_n(t['hours']['p50'])} – {_n(t['hours']['p90'])}"
            f" | {_n(t['peak_fte_p50_value'], 1)} ({when}) | {_n(t['people']['p50'], 1)} | {moved} |"
        )
    d = result.diagnostics
    lines += [
        "",
        f"Lots écartés : {counted(d.get('lots_done', 0), 'terminé', 'terminés')},"
        f" {d.get('lots_without_remaining_hours', 0)} sans heures restantes,"
        f" {counted(d.get('lots_ended_before_as_of', 0), 'échu', 'échus')} avant la date,"
        f" {d.get('lots_starting_after_horizon', 0)} commençant après l'horizon ;"
        f" {counted(d.get('lots_moved_to_as_of', 0), 'lot non démarré reporté', 'lots non démarrés reportés')} à la date.",
        "",
        "Règles : heures restantes (heures d'insertion − heures réalisées) réparties selon la courbe de charge du"
        " métier ; retard de démarrage tiré selon le statut du lot ; lots non attribués comptés avec leur"
        " probabilité d'attribution ; ETP = heures ÷ 35 h par semaine ; personnes à recruter ="
        " max(0, effectif nécessaire − effectif précédent × (1 − rotation)).",
    ]
    return "\n".join(lines)


def write_forecast_files(result, snapshot_id: int, changes: dict | None, labels: dict[str, str], folder: Path):
    """The snapshot's files (CSV, XLSX, PNG fan chart, markdown), named after the snapshot, as-of
    date and period; returns the paths by kind and the markdown text."""
    from clauses.forecast.charts import fan_chart  # matplotlib: only when files are written

    stem = f"prevision-{snapshot_id:05d}-{result.params.as_of.isoformat()}-{result.params.period}"
    markdown = markdown_summary(result, labels, snapshot_id, changes)
    files = {
        "csv": write_csv(result.table, labels, folder / f"{stem}.csv"),
        "xlsx": write_xlsx(result.table, result.totals, labels, folder / f"{stem}.xlsx"),
        "png": fan_chart(result.table, labels, folder / f"{stem}.png", result.params.period, result.params.as_of),
        "markdown": folder / f"{stem}.md",
    }
    files["markdown"].write_text(markdown, encoding="utf-8")
    return files, markdown
