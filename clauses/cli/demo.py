"""``clauses demo``: run every job end to end on the sample data and say where to look."""

from __future__ import annotations

import argparse

from clauses.cli.summary import Summary


def register(subparsers: argparse._SubParsersAction) -> None:
    from clauses.cli import add_json_flag

    parser = subparsers.add_parser(
        "demo",
        help="run the whole story on the sample Clermont data (SQLite, local Prefect, file outbox)",
        description="Write a realistic sample pipeline and fictitious candidates, then run every job "
        "through Prefect on the embedded defaults, and print where to look.",
    )
    parser.add_argument("--folder", help="where to write the sample files (default: DATA_DIR/demo)")
    add_json_flag(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> Summary:
    from flows.demo import demo

    result = demo(folder=args.folder)
    lines = [f"sample files: {', '.join(result['sample_files'])}", f"database: {result['database']}"]
    for step, outcome in result["steps"].items():
        files = outcome if isinstance(outcome, list) else [outcome]
        for item in files:
            if isinstance(item, dict) and "created" in item:
                lines.append(
                    f"{step}: {item['file']}: created {item['created']}, updated {item['updated']}, "
                    f"unchanged {item['unchanged']}, rejected {item['rejected']}"
                )
            else:
                lines.append(f"{step}: {item}")
    lines.append(f"everything the demo wrote is under {result['data_dir']}")
    return Summary(title="Demo finished", data={"ok": True, **result}, lines=lines)
