"""``clauses ingest pipeline PATH`` and ``clauses ingest candidates PATH``."""

from __future__ import annotations

import argparse

from clauses.cli.summary import Summary


def register(subparsers: argparse._SubParsersAction) -> None:
    from clauses.cli import add_json_flag

    ingest = subparsers.add_parser("ingest", help="load the site pipeline or a list of candidates")
    kinds = ingest.add_subparsers(dest="kind", required=True, metavar="WHAT")

    pipeline = kinds.add_parser(
        "pipeline",
        help="load sites and lots from CSV, XLSX or DECP JSON (a file or a drop folder)",
        description="Load sites and lots. A file with any invalid row is refused whole and nothing "
        "changes, unless --skip-invalid. Re-loading the same file changes nothing.",
    )
    pipeline.add_argument("path", help="a .csv, .xlsx, DECP .json or consolidated DECP .csv/.parquet file, or a folder of them")
    pipeline.add_argument("--skip-invalid", action="store_true", help="load the valid rows; write the rejected ones with their reasons to a CSV")
    pipeline.add_argument("--decp-assume-clause", action="store_true", help="DECP 1.x: treat every construction record (CPV 45) as carrying a social clause")
    pipeline.add_argument("--whole-country", action="store_true", help="DECP: keep records outside the configured territory")
    add_json_flag(pipeline)
    pipeline.set_defaults(handler=run_pipeline)

    candidates = kinds.add_parser(
        "candidates",
        help="import candidates from a partner's CSV or XLSX",
        description="Import candidates. Emails are checked, phones normalised, people referred by "
        "several partners merged. Nobody without a recorded consent can be invited.",
    )
    candidates.add_argument("path", help="a .csv or .xlsx file")
    candidates.add_argument("--source", help="partner name for files without a 'Source' column, e.g. 'France Travail'")
    candidates.add_argument("--skip-invalid", action="store_true", help="import the valid rows; write the rejected ones to a CSV")
    add_json_flag(candidates)
    candidates.set_defaults(handler=run_candidates)


def _summary(title: str, results: list[dict]) -> Summary:
    lines = []
    for result in results:
        lines.append(
            f"{result['file']}: created {result['created']}, updated {result['updated']}, "
            f"unchanged {result['unchanged']}, rejected {result['rejected']}"
        )
        for reason, count in sorted(result.get("skipped", {}).items()):
            lines.append(f"  not taken ({reason}): {count}")
        for key, value in result.get("details", {}).items():
            lines.append(f"  {key}: {value}")
        for warning in result.get("warnings", []):
            lines.append(f"  attention : {warning}")
        if result.get("rejects_file"):
            lines.append(f"  rejected rows and reasons: {result['rejects_file']}")
    return Summary(title=title, data={"ok": True, "files": results}, lines=lines)


def run_pipeline(args: argparse.Namespace) -> Summary:
    from flows.ingest_pipeline import ingest_pipeline

    results = ingest_pipeline(
        path=args.path,
        skip_invalid=args.skip_invalid,
        decp_assume_clause=args.decp_assume_clause,
        whole_country=args.whole_country,
    )
    return _summary("Pipeline ingested", results)


def run_candidates(args: argparse.Namespace) -> Summary:
    from flows.import_candidates import import_candidates

    result = import_candidates(path=args.path, source=args.source, skip_invalid=args.skip_invalid)
    return _summary("Candidates imported", [result])
