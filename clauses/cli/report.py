"""``clauses report`` (outcome report) and ``clauses retention`` (data retention)."""

from __future__ import annotations

import argparse

from clauses.cli.summary import Summary
from clauses.errors import ClausesError


def register(subparsers: argparse._SubParsersAction) -> None:
    from clauses.cli import add_json_flag

    parser = subparsers.add_parser(
        "report",
        help="bilan : parcours des candidats, heures d'insertion couvertes, taux de conversion (HTML, CSV, XLSX)",
        description="Parcours par événement, métier et mois (invités → embauchés), heures d'insertion couvertes "
        "par les embauches face à la dernière prévision, et taux de conversion pour la prochaine planification. "
        "Écrit un rapport HTML autonome, des tableaux CSV et XLSX, des graphiques et conversion_rates.json.",
    )
    parser.add_argument(
        "--with-names", action="store_true",
        help="nommer dans le rapport HTML les personnes retenues, formées ou embauchées (le rapport l'indique en tête)",
    )
    add_json_flag(parser)
    parser.set_defaults(handler=run_report)

    parser = subparsers.add_parser(
        "retention",
        help="anonymiser ou supprimer les candidats inactifs depuis la durée de conservation (24 mois par défaut)",
        description="Appliquer la durée de conservation de config/retention.yaml : les candidats inactifs perdent "
        "leurs données personnelles (anonymise) ou sont supprimés (delete) ; les chiffres des bilans restent justes ; "
        "les contacts d’entreprise inactifs depuis aussi longtemps sont retirés (un contact désinscrit garde son "
        "adresse, pour ne plus jamais recevoir de message, mais perd son nom) ; chaque passage est enregistré.",
    )
    parser.add_argument("--mode", choices=["anonymise", "delete"],
                        help="anonymise (anonymiser) ou delete (supprimer) ; par défaut : config/retention.yaml")
    parser.add_argument("--months", type=int, dest="inactive_months", metavar="N",
                        help="mois sans activité (par défaut 24)")
    parser.add_argument("--dry-run", action="store_true", help="compter ce qui serait fait, sans rien changer")
    add_json_flag(parser)
    parser.set_defaults(handler=run_retention)


def run_report(args: argparse.Namespace) -> Summary:
    from clauses.reporting.report import RATE_LABELS
    from flows.report_outcomes import report_outcomes

    out = report_outcomes(include_names=args.with_names)
    totals = out["totals"]
    lines = [
        "invités {invited}, présents {attended}, retenus {selected}, POEC {poec}, formation terminée {completed}, "
        "ont rencontré un employeur {met_employer}, embauchés {hired} ; adresses invalides {bounced}, "
        "désinscrits {unsubscribed}".format(**totals),
        # The rates rest on the events held so far, not on every invitation counted above: each says
        # what it rests on (« 50,0 %, observé » beside « invités 253, présents 44 » read as a mistake).
        "taux de conversion pour la prochaine planification :",
        *(f"  {RATE_LABELS.get(name, name)} : {reason}" for name, reason in out["conversion_reasons"].items()),
    ]
    if out["include_names"]:
        lines.append("le rapport HTML donne des noms : à ne partager qu'avec les personnes habilitées")
    lines.append("")
    lines += [f"{kind} : {path}" for kind, path in out["files"].items() if not kind.startswith(("csv:", "png:"))]
    lines.append(f"csv, png : {len([k for k in out['files'] if k.startswith(('csv:', 'png:'))])} fichiers à côté")
    return Summary(title="Bilan écrit", data={"ok": True, **out}, lines=lines)


def run_retention(args: argparse.Namespace) -> Summary:
    import datetime as dt

    from clauses import french
    from flows.apply_retention import COUNT_LABELS, apply_retention

    if args.inactive_months is not None and args.inactive_months < 1:
        raise ClausesError(f"--months doit valoir au moins 1 (reçu : {args.inactive_months})")
    out = apply_retention(mode=args.mode, inactive_months=args.inactive_months, dry_run=args.dry_run)
    mode = {"anonymise": "anonymisation", "delete": "suppression"}.get(out["mode"], out["mode"])
    title = f"Conservation des données, passage n° {out['run_id']} ({mode}{', simulation : rien n’a changé' if out['dry_run'] else ''})"
    cutoff = french.date_long(dt.datetime.fromisoformat(out["cutoff"]))
    lines = [f"aucune activité depuis le {cutoff} ({out['inactive_months']} mois)"]
    lines += [f"{label} : {out[key]}" for key, label in COUNT_LABELS.items()]
    return Summary(title=title, data={"ok": True, **out}, lines=lines)
