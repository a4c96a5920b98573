"""The outcome report: funnel per event, trade and month, insertion hours covered by placements
against the forecast need, the conversion rates the planner uses next; HTML (French), CSV, XLSX.

Entry points: ``build_report(session, config, include_names=False)``, ``write_report_files(report,
folder)``, ``observed_conversion_rates(session, config)``, ``read_conversion_rates(config)``.
"""

from clauses.reporting.conversion import observed_conversion_rates, read_conversion_rates, write_conversion_rates
from clauses.reporting.exports import write_report_files
from clauses.reporting.report import OutcomeReport, build_report, tables

__all__ = [
    "OutcomeReport",
    "build_report",
    "observed_conversion_rates",
    "read_conversion_rates",
    "tables",
    "write_conversion_rates",
    "write_report_files",
]
