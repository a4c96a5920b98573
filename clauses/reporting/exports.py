"""Write the outcome report's files: the HTML report, one CSV per table, one XLSX workbook with a
sheet per table, the charts as PNG, and the conversion rates for the planner (JSON). CSV, XLSX and
PNG files never hold names; the HTML holds them only when the report was built with them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from clauses.exports import write_csv, write_xlsx_book
from clauses.french import file_stamp
from clauses.reporting import charts
from clauses.reporting.conversion import FILE_NAME, write_conversion_rates
from clauses.reporting.html import render_html
from clauses.reporting.report import PERCENT_COLUMNS, OutcomeReport, tables

SHEET_NAMES = {
    "entonnoir-evenements": "Par événement",
    "reponses-candidats": "Réponses",
    "entonnoir-metiers": "Par métier",
    "entonnoir-mois": "Par mois",
    "chaines-metiers": "Chaînes par métier",
    "embauches-contrats": "Embauches par contrat",
    "heures-couvertes": "Heures couvertes",
    "taux-conversion": "Taux de conversion",
    "rencontres-employeurs": "Rencontres employeurs",
    "evenements-messagerie": "Messagerie",
    "entreprises": "Entreprises titulaires",
}


def write_report_files(report: OutcomeReport, folder: Path) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = file_stamp(report.generated_at)
    stem = f"rapport-resultats-{'nominatif-' if report.include_names else ''}{stamp}"
    files: dict[str, Path] = {}
    html_path = folder / f"{stem}.html"
    temporary = html_path.with_suffix(".html.part")
    temporary.write_text(render_html(report), encoding="utf-8")
    temporary.replace(html_path)
    files["html"] = html_path
    sheets = {}
    for table_stem, (title, frame) in tables(report).items():
        files[f"csv:{table_stem}"] = write_csv(frame, folder / f"{table_stem}-{stamp}.csv")
        sheets[SHEET_NAMES.get(table_stem, title[:31])] = frame
    files["xlsx"] = write_xlsx_book(sheets, folder / f"rapport-resultats-{stamp}.xlsx", formats=dict.fromkeys(PERCENT_COLUMNS, "0.0 %"))
    (folder / f"entonnoir-{stamp}.png").write_bytes(charts.funnel_chart(report.totals))
    files["png:entonnoir"] = folder / f"entonnoir-{stamp}.png"
    (folder / f"heures-couvertes-{stamp}.png").write_bytes(charts.coverage_chart(report.coverage.table, report.trade_labels))
    files["png:heures-couvertes"] = folder / f"heures-couvertes-{stamp}.png"
    companies = report.companies if report.companies is not None else pd.DataFrame()
    (folder / f"entreprises-{stamp}.png").write_bytes(charts.companies_chart(companies))
    files["png:entreprises"] = folder / f"entreprises-{stamp}.png"
    if report.chains:
        (folder / f"chaine-{stamp}.png").write_bytes(charts.chain_chart(report.chains[0], report.trade_labels))
        files["png:chaine"] = folder / f"chaine-{stamp}.png"
    files["conversion"] = write_conversion_rates(report.conversion, folder / FILE_NAME)
    return {k: str(v) for k, v in files.items()}
