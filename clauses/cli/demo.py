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
        "through Prefect on the embedded defaults (ingest, forecast, plan, approve, invite, attendance, "
        "follow-ups, report, retention), and print where to look.",
    )
    parser.add_argument("--folder", help="where to write the sample files (default: DATA_DIR/demo)")
    add_json_flag(parser)
    parser.set_defaults(handler=run)


def _count(result: object, key: str) -> object:
    return result.get(key, "?") if isinstance(result, dict) else "?"


def describe(steps: dict) -> list[str]:
    """One line per step, with the files a person opens."""
    lines = []
    for file in steps.get("ingest_pipeline", []):
        lines.append(f"pipeline: {file['created']} lots created, {file['unchanged']} unchanged, {file['rejected']} rejected")
    candidates = steps.get("import_candidates", {})
    lines.append(f"candidates: {_count(candidates, 'created')} created, {_count(candidates, 'updated')} merged or updated")
    forecast = steps.get("forecast_labour_needs", {})
    if isinstance(forecast, dict):
        lines.append(f"forecast: snapshot {forecast.get('snapshot_id')} from {forecast.get('lots_used')} lots")
        for name, path in (forecast.get("files") or {}).items():
            lines.append(f"  {name}: {path}")
    plan = steps.get("plan_events", {})
    if isinstance(plan, dict):
        lines.append(
            f"plan {plan.get('plan_id')}: {plan.get('events')} events, solver {plan.get('status')}, "
            f"{plan.get('on_time')}/{plan.get('need')} people on time; approved by the demo"
        )
        if plan.get("gantt"):
            lines.append(f"  Gantt chart: {plan['gantt']}")
    invitations = steps.get("send_invitations", {})
    lines.append(f"invitations: {_count(invitations, 'planned')} planned, {_count(invitations, 'sent')} sent")
    attendance = steps.get("record_attendance", {})
    if isinstance(attendance, dict):
        lines.append(f"attendance sheet: {attendance.get('lines')} lines, statuses {attendance.get('statuses')}")
    followups = steps.get("send_followups", {})
    lines.append(f"follow-ups: {_count(followups, 'planned')} planned, {_count(followups, 'sent')} sent")
    answers = steps.get("web_answers", {})
    if isinstance(answers, dict) and answers.get("answers"):
        lines.append(
            f"web answers (event {answers['event_id']}, {answers['capacity']} places): {answers['yes']} yes, "
            f"{answers['no']} no, {answers['waitlisted']} put on the waiting list, {answers['offers']} place offered, "
            f"{answers['unsubscribed']} one-click unsubscribe; statuses {answers['statuses']}"
        )
    report = steps.get("report_outcomes", {})
    if isinstance(report, dict):
        for name, path in (report.get("files") or {}).items():
            if str(path).endswith((".html", ".xlsx")):
                lines.append(f"report {name}: {path}")
    retention = steps.get("apply_retention", {})
    if isinstance(retention, dict):
        lines.append(
            f"retention (dry run): {retention.get('candidates_examined')} candidates examined, "
            f"{retention.get('candidates_inactive')} inactive for {retention.get('inactive_months')} months"
        )
    return lines


def run(args: argparse.Namespace) -> Summary:
    from flows.demo import demo

    result = demo(folder=args.folder)
    lines = [f"sample files: {', '.join(result['sample_files'])}", f"database: {result['database']}"]
    lines += describe(result["steps"])
    lines.append(f"emails (.eml, open them in a mail client): {result['outbox']}")
    lines.append(f"everything the demo wrote is under {result['data_dir']}")
    return Summary(title="Demo finished", data={"ok": True, **result}, lines=lines)
