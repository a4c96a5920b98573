"""The plan as markdown for the coordinator (French): solver figures, coverage per trade, why need
stays uncovered, and the events."""

from __future__ import annotations

import datetime as dt

from babel.numbers import format_percent

from clauses.planning.result import PlanResult
from clauses.planning.store import hiring_links, recruitment_links
from clauses import french
from clauses.french import EVENT_KIND_LABELS, counted, event_counts

STATUS_FR = {"OPTIMAL": "optimal", "FEASIBLE": "réalisable, non prouvé optimal", "GREEDY": "heuristique gloutonne"}


COVERAGE_COLUMNS_FR = (
    "- **Besoin** : personnes à faire embaucher pendant la période du plan, selon la prévision.",
    "- **À temps** : personnes qu'une cohorte POEC forme avant la semaine où elles sont attendues.",
    "- **En retard** : personnes formées pendant la période du plan, mais après la semaine où elles étaient attendues.",
    "- **Non couvert** : personnes qu'aucune cohorte du plan ne forme avant la fin de sa période "
    "(besoin = à temps + en retard + non couvert).",
    "- **Pourquoi pas à temps** : ce qui empêche de former à temps les personnes en retard ou non couvertes.",
)


def _coverage_proof(result: PlanResult, gap: str) -> str:
    """The coverage level in words: people trained on time, and at most how many any plan could."""
    if result.objective is None or result.bound is None:
        return "pas de borne calculée"
    found, bound = round(result.objective), round(result.bound)
    if found >= bound:
        return f"couverture prouvée maximale ({counted(found, 'personne formée', 'personnes formées')} à temps)"
    return (f"couverture : {counted(found, 'personne formée', 'personnes formées')} à temps, aucun plan ne peut dépasser {bound} "
            f"(écart {gap})")


def _d(moment) -> str:
    return french.day_long(moment)


def markdown(
    result: PlanResult,
    labels: dict[str, str],
    partners: dict[str, str],
    *,
    plan_id: int | None = None,
    event_ids: list[int | None] | None = None,
    venues: dict[str, str] | None = None,
    kept_links: dict[int, tuple[int, dt.datetime]] | None = None,
) -> str:
    """``event_ids``: the stored id of each event of ``result`` (shown as "N°", what the coordinator
    types to edit one); ``kept_links``: for a kept discovery (by id), the id and start of the cohort
    it recruits for."""
    title = f"# Plan n° {plan_id} (brouillon)" if plan_id is not None else "# Plan (brouillon)"
    gap = "–" if result.gap is None else format_percent(result.gap, "#,##0.0 %", locale="fr_FR")
    lines = [
        title,
        "",
        f"- Statut du solveur : **{STATUS_FR.get(result.status, result.status)}** ; {_coverage_proof(result, gap)}",
        f"- Besoin : {counted(result.need, 'personne', 'personnes')} ; formées à temps : {result.on_time} "
        f"({format_percent(result.coverage_ratio, '#,##0 %', locale='fr_FR')}) ; "
        f"au mieux atteignable compte tenu des délais : {result.upper_bound}",
        f"- Événements proposés : {event_counts(result.counts())}",
        f"- Taux de conversion : {result.rates.get('summary_fr', 'taux configurés')}",
        *(f"  - {reason}" for reason in result.rates.get("reasons", ())),
        "",
        "## Couverture par métier",
        "",
        "| Métier | Besoin | À temps | En retard | Non couvert | Pourquoi pas à temps |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for cov in result.coverage:
        d = cov.as_dict()
        lines.append(
            f"| {labels.get(cov.trade_key, cov.trade_key)} | {cov.need} | {cov.on_time} | {cov.late} | "
            f"{cov.uncovered} | {d['explanation'] or '–'} |"
        )
    late = sum(c.late for c in result.coverage)
    uncovered = sum(c.uncovered for c in result.coverage)
    lines += [f"| **Total** | **{result.need}** | **{result.on_time}** | **{late}** | **{uncovered}** | |", "",
              *COVERAGE_COLUMNS_FR]
    if result.warnings:
        lines += ["", "## Avertissements", ""] + [f"- {w}" for w in result.warnings]
    ids = event_ids if event_ids is not None else [None] * len(result.events)
    venues = venues or {}
    links = recruitment_links(result)
    kept_links = kept_links or {}
    lines += [
        "", "## Événements", "",
        "| N° | Type | Métier | Partenaire | Lieu | Début | Fin | Places | Invitations visées | Recrute pour "
        "| Rencontre de recrutement |",
        "|---:|---|---|---|---|---|---|---:|---:|---|---|",
    ]
    hiring = hiring_links(result)
    for index, e in enumerate(result.events):
        kept = " (maintenu)" if e.fixed_event_id else ""
        recruits = "–"
        if index in links:
            recruits = _cohorts_label([(ids[c], result.events[c].start) for c in _pooled(result, links[index])])
        elif e.fixed_event_id in kept_links:
            recruits = _cohorts_label([kept_links[e.fixed_event_id]])
        venue = venues.get(e.venue_key, e.venue_key) if e.venue_key else "à préciser"
        meets = "–"
        if index in hiring:
            target = hiring[index]
            meets = (f"n° {ids[target]} du {_d(result.events[target].start)}" if ids[target] is not None
                     else f"le {_d(result.events[target].start)}")
        places = f"{e.capacity}" + (f" (+ {counted(e.employer_capacity, 'entreprise', 'entreprises')})" if e.employer_capacity else "")
        lines.append(
            f"| {ids[index] if ids[index] is not None else '–'} | {EVENT_KIND_LABELS.get(e.kind, e.kind)}{kept} | "
            f"{labels.get(e.trade_key, e.trade_key)} | {partners.get(e.partner_key, e.partner_key)} | {venue} | "
            f"{_d(e.start)} | {_d(e.end)} | {places} | {e.target_invitations or '–'} | {recruits} | {meets} |"
        )
    return "\n".join(lines) + "\n"


def _pooled(result: PlanResult, cohort: int) -> list[int]:
    """The new cohorts of the same trade starting the same week as ``cohort``: discoveries recruit
    for them together (the stored link names the first)."""
    first = result.events[cohort]
    return [
        i for i, e in enumerate(result.events)
        if e.kind == "poec" and e.fixed_event_id is None and e.trade_key == first.trade_key and e.week == first.week
    ] or [cohort]


def _cohorts_label(cohorts: list[tuple[int | None, dt.datetime]]) -> str:
    """'la POEC n° 3 du 2 mars 2026', 'les POEC n° 1 et n° 2 du 23 févr. 2026'."""
    numbers = [f"n° {i}" for i, _ in cohorts if i is not None]
    dates = sorted({_d(start) for _, start in cohorts})
    named = (" " + " et ".join(numbers)) if numbers else ""
    article = "les" if len(cohorts) > 1 else "la"
    return f"{article} POEC{named} du {' ou du '.join(dates)}"
