"""``clauses invite``, ``clauses followups`` and ``clauses preview KIND``."""

from __future__ import annotations

import argparse
from pathlib import Path

from clauses.cli.summary import Summary


def register(subparsers: argparse._SubParsersAction) -> None:
    from clauses.cli import add_json_flag
    from clauses.messages.render import KINDS

    invite = subparsers.add_parser(
        "invite",
        help="invite candidates to the approved events (email + calendar invitation)",
        description="Choose the invitees of every approved upcoming event (rules: clauses/outreach/selection.py), "
        "then send the invitations through the configured transport (file outbox or SendGrid). "
        "Re-running sends nothing twice.",
    )
    invite.add_argument("--event", dest="event_ids", type=int, action="append", help="only this event id (repeatable)")
    invite.add_argument("--outbox", help="folder of the file transport (default: <data>/outbox)")
    invite.add_argument("--batch-size", type=int, default=500)
    add_json_flag(invite)
    invite.set_defaults(handler=run_invite)

    followups = subparsers.add_parser(
        "followups",
        help="send the reminders and follow-ups due today",
        description="Reminders, updates, cancellations, thanks, 'we missed you', POEC offers and "
        "post-POEC outcome requests (rules: clauses/outreach/followups.py). Safe to run twice a day.",
    )
    followups.add_argument("--outbox", help="folder of the file transport (default: <data>/outbox)")
    followups.add_argument("--batch-size", type=int, default=500)
    add_json_flag(followups)
    followups.set_defaults(handler=run_followups)

    preview = subparsers.add_parser(
        "preview",
        help="render a message with sample data to files (.html, .txt, .eml, .ics)",
        description="Write one message of the given kind, filled with sample data, to files you can open.",
    )
    preview.add_argument("kind", choices=KINDS)
    preview.add_argument("--out", help="folder (default: <data>/preview)")
    add_json_flag(preview)
    preview.set_defaults(handler=run_preview)


def _lines(result: dict) -> list[str]:
    lines = [f"planned {kind}: {count}" for kind, count in sorted(result["planned"].items())]
    lines.append(f"sent: {result['sent']}, not sent (cannot be contacted / event cancelled): {result['skipped']}, "
                 f"refused by the provider: {result['failed']}")
    recovered = result.get("recovered") or {}
    if any(recovered.values()):
        lines.append(f"interrupted messages: {recovered.get('sent', 0)} confirmed, {recovered.get('released', 0)} "
                     f"re-queued, {recovered.get('waiting', 0)} waiting for SendGrid's processed event")
    return lines


def run_invite(args: argparse.Namespace) -> Summary:
    from flows.send_invitations import send_invitations

    result = send_invitations(event_ids=args.event_ids, batch_size=args.batch_size, outbox=args.outbox)
    return Summary(title="Invitations", data={"ok": True, **result}, lines=_lines(result))


def run_followups(args: argparse.Namespace) -> Summary:
    from flows.send_followups import send_followups

    result = send_followups(batch_size=args.batch_size, outbox=args.outbox)
    return Summary(title="Follow-ups", data={"ok": True, **result}, lines=_lines(result))


def run_preview(args: argparse.Namespace) -> Summary:
    from clauses import settings
    from clauses.config import load_config
    from clauses.messages.preview import write_preview

    folder = Path(args.out) if args.out else settings.output_dir("preview")
    paths = write_preview(args.kind, load_config(), folder)
    return Summary(title=f"Preview of '{args.kind}'", data={"ok": True, "files": [str(p) for p in paths]},
                   lines=[str(p) for p in paths])
