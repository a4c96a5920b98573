"""``clauses plan``: plan discovery events and POEC cohorts from the latest forecast (a draft), and
``clauses plan approve|reject|move|cancel|show`` for the coordinator."""

from __future__ import annotations

import argparse

from clauses.cli.dates import day
from clauses.cli.summary import Summary


def register(subparsers) -> None:
    from clauses.cli import add_json_flag

    parser = subparsers.add_parser("plan", help="plan discoveries and POEC cohorts; approve or reject a plan")
    parser.add_argument("--snapshot", type=int, default=None, help="forecast snapshot id (default: latest)")
    parser.add_argument("--quantile", default="p50", help="forecast quantile to plan for (default p50)")
    parser.add_argument("--start", type=day, default=None, help="first week, e.g. 04/01/2027 or 2027-01-04")
    parser.add_argument("--time-limit", type=float, default=None, help="solver limit (deterministic seconds)")
    add_json_flag(parser)
    parser.set_defaults(handler=_run)
    actions = parser.add_subparsers(dest="action", required=False, metavar="ACTION")
    for name, help_text in (("approve", "approve a draft plan"), ("reject", "reject a draft plan")):
        sub = actions.add_parser(name, help=help_text)
        sub.add_argument("plan_id", type=int)
        sub.add_argument("--by", default="coordinateur")
        sub.add_argument("--note", default=None)
        add_json_flag(sub)
        sub.set_defaults(handler=_decide)
    sub = actions.add_parser(
        "move",
        help="move an event: new dates, venue or number of places (recorded so invitees are told)",
        description=(
            "Move an event of a draft or approved plan. Times without an offset are Europe/Paris wall-clock "
            "times; a date alone keeps the event's hours and length. Accepted: "
            "2026-03-10T09:00+01:00, 2026-03-10 09:00, 10/03/2026 9h30, 'mardi 10 mars 2026 à 9 h 30', "
            "2026-03-10, 10/03/2026."
        ),
    )
    sub.add_argument("event_id", type=int)
    sub.add_argument("--start", default=None, help="new start (the end follows, same length) or a new day")
    sub.add_argument("--end", default=None, help="new end (or a new last day, same closing time)")
    sub.add_argument("--venue", default=None, metavar="KEY", help="a venue key of config/partners.yaml")
    sub.add_argument("--capacity", type=int, default=None, metavar="N", help="number of places")
    add_json_flag(sub)
    sub.set_defaults(handler=_move)
    sub = actions.add_parser("cancel", help="cancel an event (recorded so invitees are told)")
    sub.add_argument("event_id", type=int)
    add_json_flag(sub)
    sub.set_defaults(handler=_cancel)
    sub = actions.add_parser("show", help="list plans, or the events of one plan")
    sub.add_argument("plan_id", type=int, nargs="?")
    add_json_flag(sub)
    sub.set_defaults(handler=_show)


def _run(args: argparse.Namespace) -> Summary:
    from flows.plan_events import plan_events

    result = plan_events(
        snapshot_id=args.snapshot, quantile=args.quantile, start=args.start, time_limit_seconds=args.time_limit
    )
    lines = [
        f"solver: {result['status']}, gap {result['gap']}",
        f"people needed {result['need']}, trained on time {result['on_time']} (reachable {result['upper_bound']})",
        f"events: {result['events']}",
        *(f"{u['trade_key']}: {u['uncovered']} uncovered – {u['explanation']}" for u in result["uncovered"]),
        f"Gantt chart: {result['gantt']}",
        f"approve with: clauses plan approve {result['plan_id']}",
    ]
    return Summary(f"plan {result['plan_id']} stored as a draft", {"ok": True, **result}, lines)


def _decide(args: argparse.Namespace) -> Summary:
    from clauses import settings
    from clauses.config import load_config
    from clauses.planning.approval import approve_plan, reject_plan
    from clauses.planning.service import export_approved
    from clauses.storage import Database

    db = Database()
    with db.transaction() as session:
        decide = approve_plan if args.action == "approve" else reject_plan
        plan = decide(session, args.plan_id, by=args.by, note=args.note)
        exports = export_approved(session, load_config(), settings.output_dir("exports")) if plan.status == "approved" else {}
    data = {"plan_id": plan.id, "status": plan.status, "exports": {k: str(v) for k, v in exports.items()}}
    return Summary(f"plan {plan.id} {plan.status}", data, [f"{k}: {v}" for k, v in data["exports"].items()])


def _move(args: argparse.Namespace) -> Summary:
    from clauses.config import load_config
    from clauses.errors import ClausesError
    from clauses.planning.edits import edit_event, parse_when
    from clauses.storage import Database

    if args.start is None and args.end is None and args.venue is None and args.capacity is None:
        raise ClausesError("nothing to change: give --start, --end, --venue and/or --capacity")
    start = parse_when(args.start) if args.start is not None else None
    end = parse_when(args.end) if args.end is not None else None
    config = load_config()
    db = Database()
    try:
        with db.transaction() as session:
            outcome = edit_event(
                session, config, args.event_id, start=start, end=end, venue_key=args.venue, capacity=args.capacity
            )
            announced = outcome.change.event.announced_at is not None
    finally:
        db.dispose()
    change = outcome.change
    lines = [
        f"{name}: {_shown(change.before[key])} → {_shown(change.after[key])}{suffix}"
        for name, key, suffix in (
            ("start", "start", " (Europe/Paris)"), ("end", "end", " (Europe/Paris)"),
            ("venue", "venue_key", ""), ("capacity", "capacity", ""),
        )
        if _shown(change.before[key]) != _shown(change.after[key])
    ]
    lines += [f"warning: {w}" for w in outcome.warnings]
    if announced:
        lines.append("invitees get an update with the next `clauses followups`")
    data = {
        "ok": True, "event_id": args.event_id, "change": change.change, "sequence": change.sequence,
        "before": change.before, "after": change.after, "warnings": outcome.warnings,
    }
    return Summary(f"event {args.event_id} moved (sequence {change.sequence})", data, lines)


def _shown(value) -> str:
    """A stored value as a person reads it: times in Europe/Paris, to the minute."""
    if isinstance(value, str) and len(value) >= 16 and value[4] == "-" and "T" in value:
        from clauses.planning.edits import stored_moment, wall_clock

        return wall_clock(stored_moment(value)).isoformat(sep=" ", timespec="minutes")
    return "none" if value is None else str(value)


def _cancel(args: argparse.Namespace) -> Summary:
    from clauses.planning.edits import cancel
    from clauses.storage import Database

    db = Database()
    try:
        with db.transaction() as session:
            outcome = cancel(session, args.event_id)
    finally:
        db.dispose()
    change = outcome.change
    return Summary(
        f"event {args.event_id} cancelled (sequence {change.sequence})",
        {"event_id": args.event_id, "sequence": change.sequence, "warnings": outcome.warnings},
        [f"warning: {w}" for w in outcome.warnings],
    )


def _show(args: argparse.Namespace) -> Summary:
    from sqlalchemy import select

    from clauses.storage import Database
    from clauses.storage.planning import Event, Plan

    db = Database()
    with db.transaction() as session:
        if args.plan_id is None:
            plans = session.scalars(select(Plan).order_by(Plan.id.desc())).all()
            rows = [{"plan_id": p.id, "status": p.status, "solver_status": p.solver_status, "gap": p.gap,
                     "events": len(p.events)} for p in plans]
            return Summary(f"{len(rows)} plan(s)", {"plans": rows},
                           [f"{r['plan_id']}: {r['status']} ({r['events']} events, {r['solver_status']})" for r in rows])
        plan = session.get(Plan, args.plan_id)
        if plan is None:
            from clauses.errors import ClausesError

            raise ClausesError(f"plan {args.plan_id} not found")
        events = session.scalars(select(Event).where(Event.plan_id == plan.id).order_by(Event.start, Event.id)).all()
        rows = [{"event_id": e.id, "kind": e.kind, "trade": e.trade_key, "partner": e.partner_key,
                 "start": e.start.isoformat(), "capacity": e.capacity, "status": e.status, "sequence": e.sequence}
                for e in events]
        return Summary(f"plan {plan.id}: {plan.status}", {"plan_id": plan.id, "status": plan.status,
                       "uncovered": plan.uncovered, "events": rows},
                       [f"{r['event_id']}: {r['kind']} {r['trade']} {r['start']} ({r['status']})" for r in rows])
