"""``clauses report`` (outcome report) and ``clauses retention`` (data retention)."""

from __future__ import annotations

import argparse

from clauses.cli.summary import Summary
from clauses.errors import ClausesError


def register(subparsers: argparse._SubParsersAction) -> None:
    from clauses.cli import add_json_flag

    parser = subparsers.add_parser(
        "report",
        help="outcome report: funnel, insertion hours covered, conversion rates (HTML, CSV, XLSX)",
        description="Funnel per event, trade and month (invited → hired), insertion hours covered by hires "
        "against the latest forecast, and the conversion rates the planner uses next. Writes a "
        "self-contained HTML report in French, CSV and XLSX tables, charts and conversion_rates.json.",
    )
    parser.add_argument(
        "--with-names", action="store_true",
        help="list the names of people selected, trained or hired in the HTML report (it then says so at the top)",
    )
    add_json_flag(parser)
    parser.set_defaults(handler=run_report)

    parser = subparsers.add_parser(
        "retention",
        help="anonymise or delete candidates inactive for the retention period (24 months by default)",
        description="Apply the data retention period of config/retention.yaml: inactive candidates lose "
        "their personal data (anonymise) or are deleted; report counts stay right; the run is recorded.",
    )
    parser.add_argument("--mode", choices=["anonymise", "delete"], help="default from config/retention.yaml")
    parser.add_argument("--months", type=int, dest="inactive_months", help="months without activity (default 24)")
    parser.add_argument("--dry-run", action="store_true", help="count what would be done, change nothing")
    add_json_flag(parser)
    parser.set_defaults(handler=run_retention)


def run_report(args: argparse.Namespace) -> Summary:
    from flows.report_outcomes import report_outcomes

    out = report_outcomes(include_names=args.with_names)
    totals = out["totals"]
    lines = [
        "invited {invited}, attended {attended}, selected {selected}, POEC {poec}, completed {completed}, "
        "hired {hired}; bounced {bounced}, unsubscribed {unsubscribed}".format(**totals),
        "conversion rates: " + ", ".join(
            f"{name} {value:.1%} ({out['conversion_sources'][name]})" for name, value in out["conversion"].items()
        ),
    ]
    if out["include_names"]:
        lines.append("the HTML report lists names: share it only with authorised people")
    lines.append("")
    lines += [f"{kind}: {path}" for kind, path in out["files"].items() if not kind.startswith(("csv:", "png:"))]
    lines.append(f"csv, png: {len([k for k in out['files'] if k.startswith(('csv:', 'png:'))])} files next to it")
    return Summary(title="Outcome report written", data={"ok": True, **out}, lines=lines)


def run_retention(args: argparse.Namespace) -> Summary:
    from flows.apply_retention import COUNT_LABELS, apply_retention

    if args.inactive_months is not None and args.inactive_months < 1:
        raise ClausesError(f"--months must be at least 1 (got {args.inactive_months})")
    out = apply_retention(mode=args.mode, inactive_months=args.inactive_months, dry_run=args.dry_run)
    title = f"Retention run {out['run_id']} ({out['mode']}{', dry run: nothing changed' if out['dry_run'] else ''})"
    lines = [f"no activity since {out['cutoff'][:10]} ({out['inactive_months']} months)"]
    lines += [f"{key.replace('_', ' ')}: {out[key]}" for key in COUNT_LABELS]
    return Summary(title=title, data={"ok": True, **out}, lines=lines)
