"""``clauses events [PATH...]``, ``clauses events serve`` and ``clauses attendance PATH``."""

from __future__ import annotations

import argparse

from clauses.cli.summary import Summary


def register(subparsers: argparse._SubParsersAction) -> None:
    from clauses.cli import add_json_flag

    events = subparsers.add_parser(
        "events",
        help="store SendGrid email events (bounces, unsubscribes…), or run the webhook receiver",
        description="With files: store the events of these signed webhook batches. With no file: "
        "store every batch the receiver spooled. 'clauses events serve' runs the receiver, which "
        "checks SendGrid's signature and spools each batch. Unsigned or forged batches are refused.",
    )
    events.add_argument("paths", nargs="*", metavar="PATH", help="signed envelope files, or 'serve'")
    events.add_argument("--skip-invalid", action="store_true",
                        help="in a signed batch, store the well-formed events and report the others")
    events.add_argument("--host", help="serve: address to listen on (default: configuration, 127.0.0.1)")
    events.add_argument("--port", type=int, help="serve: port to listen on (default: configuration, 8025)")
    add_json_flag(events)
    events.set_defaults(handler=run_events)

    attendance = subparsers.add_parser(
        "attendance",
        help="record a partner's attendance or registration sheet",
        description="Record participations (inscrit, présent, absent, excusé, intéressé, entré en "
        "formation, embauché…) from a CSV or XLSX sheet. A sheet with any invalid line is refused "
        "whole and nothing changes, unless --skip-invalid. Re-recording a sheet changes nothing.",
    )
    attendance.add_argument("path", help="a .csv or .xlsx sheet")
    attendance.add_argument("--skip-invalid", action="store_true", help="record the valid lines; write the rejected ones to a CSV")
    attendance.add_argument("--status", dest="default_status", help="status of lines without one, e.g. 'inscrit' for a registration list")
    attendance.add_argument("--source", help="the partner whose identifiers the sheet uses, when it has no 'Source' column")
    add_json_flag(attendance)
    attendance.set_defaults(handler=run_attendance)


def run_events(args: argparse.Namespace) -> Summary:
    if args.paths == ["serve"]:
        return serve(args)
    from flows.ingest_email_events import ingest_email_events

    summary = ingest_email_events(paths=args.paths or None, skip_invalid=args.skip_invalid)
    lines = [
        f"files: {summary['files']} ({summary['accepted_files']} accepted)",
        f"events: {summary['received']} received, {summary['stored']} stored, {summary['duplicates']} duplicates",
    ]
    lines += [f"effect {name}: {count}" for name, count in summary["effects"].items()]
    if summary["messages_reconciled"]:
        lines.append(f"messages confirmed sent: {summary['messages_reconciled']}")
    if summary.get("rejects_file"):
        lines.append(f"rejected events and reasons: {summary['rejects_file']}")
    return Summary(title="Email events stored", data={"ok": True, **summary}, lines=lines)


def serve(args: argparse.Namespace) -> Summary:
    from clauses.config import load_config
    from clauses.inbound.email_events import resolve_public_key, spool_dir
    from clauses.inbound.webhook_server import WebhookServer

    settings = load_config().messaging.sendgrid.event_webhook
    server = WebhookServer(
        resolve_public_key(settings),
        spool_dir(),
        host=args.host or settings.bind_host,
        port=settings.port if args.port is None else args.port,
        path=settings.path,
        max_body_bytes=settings.max_body_bytes,
        max_age_seconds=settings.max_age_seconds,
    )
    import sys

    # On stderr, so that ``--json`` output stays one JSON document.
    print(f"listening on {server.url} (spool: {server.spool}); Ctrl-C to stop", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return Summary(title="Webhook receiver stopped", data={"ok": True, **server.counts},
                   lines=[f"{name}: {count}" for name, count in server.counts.items()])


def run_attendance(args: argparse.Namespace) -> Summary:
    from flows.record_attendance import record_attendance

    result = record_attendance(path=args.path, skip_invalid=args.skip_invalid,
                               default_status=args.default_status, source=args.source)
    lines = [
        f"{result['file']}: {result['lines']} lines, {result['created']} new participations, "
        f"{result['changed']} changed, {result['unchanged']} unchanged, {result['rejected']} rejected",
    ]
    lines += [f"{status}: {count}" for status, count in result["statuses"].items()]
    if result.get("rejects_file"):
        lines.append(f"rejected lines and reasons: {result['rejects_file']}")
    return Summary(title="Attendance recorded", data={"ok": True, **result}, lines=lines)
