"""The plan as markdown for the coordinator (French): solver figures, coverage per trade, why need
stays uncovered, and the events."""

from __future__ import annotations

from babel.dates import format_date
from babel.numbers import format_percent

from clauses.planning.result import PARIS, PlanResult

KIND_FR = {"discovery": "Découverte", "poec": "POEC"}


def _d(moment) -> str:
    return format_date(moment.astimezone(PARIS).date(), "d MMM y", locale="fr_FR")


def markdown(result: PlanResult, labels: dict[str, str], partners: dict[str, str], *, plan_id: int | None = None) -> str:
    title = f"# Plan n° {plan_id} (brouillon)" if plan_id is not None else "# Plan (brouillon)"
    gap = "–" if result.gap is None else format_percent(result.gap, "#,##0.0 %", locale="fr_FR")
    lines = [
        title,
        "",
        f"- Statut du solveur : **{result.status}**, objectif {result.objective}, borne {result.bound}, écart {gap}",
        f"- Besoin : {result.need} personnes ; formées à temps : {result.on_time} "
        f"({format_percent(result.coverage_ratio, '#,##0 %', locale='fr_FR')}) ; "
        f"au mieux atteignable compte tenu des délais : {result.upper_bound}",
        f"- Événements proposés : {result.counts().get('poec', 0)} cohortes POEC, "
        f"{result.counts().get('discovery', 0)} découvertes métiers",
        f"- Taux de conversion : {result.rates.get('source', '')}",
        "",
        "## Couverture par métier",
        "",
        "| Métier | Besoin | À temps | En retard | Non couvert | Pourquoi |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for cov in result.coverage:
        d = cov.as_dict()
        lines.append(
            f"| {labels.get(cov.trade_key, cov.trade_key)} | {cov.need} | {cov.on_time} | {cov.late} | "
            f"{cov.uncovered} | {d['explanation'] or '–'} |"
        )
    if result.warnings:
        lines += ["", "## Avertissements", ""] + [f"- {w}" for w in result.warnings]
    lines += ["", "## Événements", "", "| Type | Métier | Partenaire | Début | Fin | Places |", "|---|---|---|---|---|---:|"]
    for e in result.events:
        kept = " (maintenu)" if e.fixed_event_id else ""
        lines.append(
            f"| {KIND_FR.get(e.kind, e.kind)}{kept} | {labels.get(e.trade_key, e.trade_key)} | "
            f"{partners.get(e.partner_key, e.partner_key)} | {_d(e.start)} | {_d(e.end)} | {e.capacity} |"
        )
    return "\n".join(lines) + "\n"
