"""``clauses plan``: plan discovery events and POEC cohorts from the latest forecast (a draft), and
``clauses plan approve|reject|move|cancel|show`` for the coordinator."""

from __future__ import annotations

import argparse
import datetime as dt

from clauses.cli.summary import Summary


def _date(text: str) -> dt.date:
    from clauses.cli.dates import parse_date

    return parse_date(text)


def register(subparsers) -> None:
    from clauses.cli import add_json_flag

    parser = subparsers.add_parser(
        "plan",
        help="planifier la chaîne (réunions d'information, découvertes métiers, POEC, rencontres de recrutement) ; approuver, rejeter, modifier ou afficher un plan",
        description="Sans action : calcule un plan (brouillon) de réunions d'information, découvertes métiers, POEC et "
        "rencontres de recrutement à partir de "
        "la dernière prévision. Les actions approve, reject, move, cancel et show servent ensuite au "
        "coordinateur.",
    )
    parser.add_argument("--snapshot", type=int, default=None, metavar="N°", help="numéro de la prévision (par défaut : la dernière)")
    parser.add_argument("--quantile", default="p50", metavar="QUANTILE", help="quantile de la prévision à couvrir (par défaut p50)")
    parser.add_argument("--start", type=_date, default=None, metavar="DATE", help="première semaine (JJ/MM/AAAA ou AAAA-MM-JJ)")
    parser.add_argument("--time-limit", type=float, default=None, metavar="SECONDES", help="limite du solveur (secondes déterministes)")
    add_json_flag(parser)
    parser.set_defaults(handler=_run)
    actions = parser.add_subparsers(dest="action", required=False, metavar="ACTION", title="actions")
    for name, help_text in (("approve", "approuver un plan en brouillon"), ("reject", "rejeter un plan en brouillon")):
        sub = actions.add_parser(name, help=help_text, description=help_text[0].upper() + help_text[1:] + ".")
        sub.add_argument("plan_id", type=int, metavar="PLAN", help="numéro du plan")
        sub.add_argument("--by", default="coordinateur", metavar="NOM", help="qui décide (par défaut : coordinateur)")
        sub.add_argument("--note", default=None, help="une remarque gardée avec la décision")
        add_json_flag(sub)
        sub.set_defaults(handler=_decide)
    sub = actions.add_parser(
        "move",
        help="déplacer un événement : dates, lieu ou nombre de places (les invités en sont avertis)",
        description=(
            "Modifier un événement d'un plan en brouillon ou approuvé. Les heures sont celles de Paris. "
            "Une date seule garde les horaires et la durée de l'événement. Formats acceptés : "
            "« lundi 7 décembre 2026, 9 h 00 » (comme l'affiche « clauses plan show »), 07/12/2026 9h00, "
            "07/12/2026 09:00, 2026-12-07 09:00, 2026-12-07T09:00+01:00, 07/12/2026, 2026-12-07."
        ),
    )
    sub.add_argument("event_id", type=int, metavar="ÉVÉNEMENT", help="numéro de l'événement (« clauses plan show »)")
    sub.add_argument("--start", default=None, metavar="QUAND", help="nouveau début (la fin suit, même durée) ou nouveau jour")
    sub.add_argument("--end", default=None, metavar="QUAND", help="nouvelle fin (ou nouveau dernier jour, même heure de fin)")
    sub.add_argument("--venue", default=None, metavar="LIEU", help="clé d'un lieu de config/partners.yaml")
    sub.add_argument("--capacity", type=int, default=None, metavar="N", help="nombre de places")
    add_json_flag(sub)
    sub.set_defaults(handler=_move)
    sub = actions.add_parser("cancel", help="annuler un événement (les invités en sont avertis)",
                             description="Annuler un événement ; les invités en sont avertis au prochain « clauses followups ».")
    sub.add_argument("event_id", type=int, metavar="ÉVÉNEMENT", help="numéro de l'événement")
    sub.add_argument("--no-replacement", action="store_true",
                     help="rencontre de recrutement : les prochains plans n'en proposent pas d'autre à ses POEC "
                     "(rencontre organisée hors de l'outil)")
    add_json_flag(sub)
    sub.set_defaults(handler=_cancel)
    sub = actions.add_parser(
        "show", help="lister les plans, ou les événements d'un plan",
        description="Sans numéro : la liste des plans. Avec un numéro : chaque événement du plan, avec sa date "
        "et son heure (Paris), son métier, son partenaire, son lieu, ses places, et les invités, inscrits et présents.",
    )
    sub.add_argument("plan_id", type=int, nargs="?", metavar="PLAN", help="numéro du plan")
    add_json_flag(sub)
    sub.set_defaults(handler=_show)


def _run(args: argparse.Namespace) -> Summary:
    from flows.plan_events import plan_events

    result = plan_events(
        snapshot_id=args.snapshot, quantile=args.quantile, start=args.start, time_limit_seconds=args.time_limit
    )
    if result["plan_id"] is None:
        return Summary(result["message_fr"], {"ok": True, **result}, [])
    from clauses.config import load_config

    return Summary(f"Plan n° {result['plan_id']} enregistré en brouillon", {"ok": True, **result}, draft_lines(result, load_config()))


def draft_lines(result: dict, config) -> list[str]:
    """What ``clauses plan`` says of the draft it saved (``result``: the ``plan_events`` flow's)."""
    from clauses import french
    from clauses.planning.show import SOLVER_STATUS_FR

    def label(key: str) -> str:
        trade = config.find_trade(key)
        return trade.label if trade else key

    solver = SOLVER_STATUS_FR.get(result["status"], result["status"])
    if result["gap"] is not None:  # a rolling horizon's plan has no single bound to measure it against
        solver += f", écart à la borne {french.percent(result['gap'])}"
    return [
        f"solveur : {solver}",
        f"personnes à former {result['need']}, formées à temps {result['on_time']} (au mieux {result['upper_bound']})",
        f"nouveaux événements : {french.event_counts(result['events'])}",
        *(f"{label(u['trade_key'])} : {u['not_on_time']} pas à temps, dont {french.counted(u['late'], 'formée', 'formées')} "
          f"en retard et {french.counted(u['uncovered'], 'non couverte', 'non couvertes')} – {u['explanation']}"
          for u in result["uncovered"]),
        f"diagramme de Gantt : {result['gantt']}",
        f"pour l'approuver : clauses plan approve {result['plan_id']}",
    ]


def _decide(args: argparse.Namespace) -> Summary:
    from clauses import settings
    from clauses.config import load_config
    from clauses.planning.approval import approve_plan, reject_plan
    from clauses.planning.service import export_approved
    from clauses.planning.show import PLAN_STATUS_FR
    from clauses.storage import Database

    db = Database()
    with db.transaction() as session:
        decide = approve_plan if args.action == "approve" else reject_plan
        plan = decide(session, args.plan_id, by=args.by, note=args.note)
        exports = export_approved(session, load_config(), settings.output_dir("exports")) if plan.status == "approved" else {}
    data = {"plan_id": plan.id, "status": plan.status, "exports": {k: str(v) for k, v in exports.items()}}
    return Summary(f"Plan n° {plan.id} {PLAN_STATUS_FR.get(plan.status, plan.status)}", data,
                   [f"export {k} : {v}" for k, v in data["exports"].items()])


MOVE_FIELDS = (("début", "start"), ("fin", "end"), ("lieu", "venue_key"), ("places", "capacity"))


def _move(args: argparse.Namespace) -> Summary:
    from clauses.config import load_config
    from clauses.errors import ClausesError
    from clauses.planning.edits import edit_event, parse_when
    from clauses.storage import Database

    if args.start is None and args.end is None and args.venue is None and args.capacity is None:
        raise ClausesError("rien à modifier : donner --start, --end, --venue et/ou --capacity")
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
        f"{name} : {_shown(change.before[key])} → {_shown(change.after[key])}"
        for name, key in MOVE_FIELDS
        if _shown(change.before[key]) != _shown(change.after[key])
    ]
    lines += [f"attention : {w}" for w in outcome.warnings_fr]
    if announced:
        lines.append("les invités recevront une mise à jour au prochain « clauses followups »")
    data = {
        "ok": True, "event_id": args.event_id, "change": change.change, "sequence": change.sequence,
        "before": change.before, "after": change.after, "warnings": outcome.warnings_fr,
    }
    return Summary(f"Événement n° {args.event_id} modifié (séquence {change.sequence})", data, lines)


def _shown(value) -> str:
    """A stored value as a person reads it: times as ``clauses plan show`` prints them (Paris)."""
    if isinstance(value, str) and len(value) >= 16 and value[4] == "-" and "T" in value:
        from clauses import french
        from clauses.planning.edits import stored_moment

        return french.datetime_listed(stored_moment(value))
    return "aucun" if value is None else str(value)


def _cancel(args: argparse.Namespace) -> Summary:
    from clauses.planning.edits import cancel
    from clauses.storage import Database

    db = Database()
    try:
        with db.transaction() as session:
            outcome = cancel(session, args.event_id, no_replacement=args.no_replacement)
    finally:
        db.dispose()
    change = outcome.change
    replaced = ", sans en proposer d'autre" if args.no_replacement else ""
    return Summary(
        f"Événement n° {args.event_id} annulé{replaced} (séquence {change.sequence})",
        {"event_id": args.event_id, "sequence": change.sequence, "no_replacement": args.no_replacement,
         "warnings": outcome.warnings_fr},
        [f"attention : {w}" for w in outcome.warnings_fr],
    )


def _show(args: argparse.Namespace) -> Summary:
    from sqlalchemy import select

    from clauses.config import load_config
    from clauses.errors import ClausesError
    from clauses.planning.show import plan_lines, plan_title, plans_overview
    from clauses.storage import Database
    from clauses.storage.planning import Plan

    db = Database()
    from clauses.planning.invitees import invitee_flags

    try:
        with db.transaction() as session:
            if args.plan_id is None:
                plans = session.scalars(select(Plan).order_by(Plan.id.desc())).all()
                rows = [{"plan_id": p.id, "status": p.status, "solver_status": p.solver_status, "gap": p.gap,
                         "events": len(p.events)} for p in plans]
                title = f"{len(rows)} plan{'s' if len(rows) > 1 else ''}"
                lines = plans_overview(plans) or ["aucun plan : « clauses plan » en calcule un"]
                return Summary(title, {"plans": rows}, lines)
            plan = session.get(Plan, args.plan_id)
            if plan is None:
                raise ClausesError(f"le plan n° {args.plan_id} n'existe pas (« clauses plan show » liste les plans)")
            config = load_config()
            lines, rows = plan_lines(session, config, plan)
            flags = invitee_flags(session, config, plan_id=plan.id)
            if flags:
                lines += ["Invitations à surveiller :", *(f"  {f.message_fr}" for f in flags)]
            return Summary(plan_title(plan), {"plan_id": plan.id, "status": plan.status, "uncovered": plan.uncovered,
                           "events": rows, "invitee_flags": [f.as_dict() for f in flags]}, lines)
    finally:
        db.dispose()
