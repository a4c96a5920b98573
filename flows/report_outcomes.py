"""Flow ``report_outcomes``: what the events gave, in French, for the coordinators.

Story: compute the tables (funnel per event, trade and month; hires by contract; insertion hours
covered against the latest forecast; conversion rates) → write the HTML report, CSV, XLSX, PNG and
the conversion rates the planner reads next (``<data>/reports/conversion_rates.json``) → publish
artifacts with counts only. Names appear only in the HTML file, and only with ``include_names=True``.
"""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from clauses import settings
from clauses.config import load_config
from clauses.reporting import OutcomeReport, build_report, tables, write_report_files
from clauses.reporting.conversion import RATES
from clauses.reporting.funnel import LABELS
from clauses.reporting.report import RATE_LABELS, SOURCE_LABELS
from clauses.storage import Database


@task(cache_policy=NO_CACHE, persist_result=False)
def compute_tables(include_names: bool) -> OutcomeReport:
    database = Database()
    try:
        with database.transaction() as session:
            return build_report(session, load_config(), include_names=include_names)
    finally:
        database.dispose()


@task(cache_policy=NO_CACHE, persist_result=False)
def write_files(report: OutcomeReport) -> dict[str, str]:
    return write_report_files(report, settings.output_dir("reports"))


def markdown_summary(report: OutcomeReport) -> str:
    totals = report.totals
    lines = [
        "# Rapport des résultats",
        "",
        "| " + " | ".join(LABELS[k] for k in totals) + " |",
        "|" + "---:|" * len(totals),
        "| " + " | ".join(str(v) for v in totals.values()) + " |",
        "",
        "## Taux de conversion pour la prochaine planification",
        "",
        "| taux | valeur | source | observé | effectif |",
        "|---|---:|---|---:|---:|",
    ]
    for name in RATES:
        d = report.conversion["details"][name]
        observed = "—" if d["observed"] is None else f"{d['observed']:.1%}"
        lines.append(f"| {RATE_LABELS[name]} | {d['rate']:.1%} | {SOURCE_LABELS[d['source']]} | {observed} | {d['denominator']} |")
    if report.chains:
        chain = report.chains[0]
        trade = report.trade_labels.get(chain.trade_key, chain.trade_key)
        lines += ["", f"## La chaîne jusqu'à l'emploi : {trade}", "", chain.path(), "",
                  " → ".join(f"{step.people} {step.label[0].lower()}{step.label[1:]}" for step in chain.steps)]
    lines += ["", *report.notes]
    lines.append("")
    lines.append("Rapport HTML nominatif (à la demande)." if report.include_names else "Aucune donnée personnelle.")
    return "\n".join(lines)


@flow(name="report_outcomes")
def report_outcomes(include_names: bool = False) -> dict:
    """Funnel, hours covered and conversion rates: HTML report (French), CSV, XLSX, artifacts."""
    logger = get_run_logger()
    report = compute_tables(include_names)
    files = write_files(report)
    logger.info("report written: %d events, %d people invited", len(report.by_event), report.totals["invited"])
    _, trades = tables(report)["entonnoir-metiers"]
    create_table_artifact(
        table=trades.to_dict("records"), key="outcomes-by-trade", description="Parcours des candidats par métier"
    )
    create_markdown_artifact(markdown=markdown_summary(report), key="outcomes-summary", description="Rapport des résultats")
    return {**report.summary(), "files": files}


if __name__ == "__main__":  # pragma: no cover
    report_outcomes()
