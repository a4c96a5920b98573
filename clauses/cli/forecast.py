"""``clauses forecast``: run the labour-needs forecast, print its summary and where the files are."""

from __future__ import annotations

import argparse
import datetime as dt
from clauses.cli.summary import Summary
from clauses.errors import ClausesError


def _date(text: str) -> dt.date:
    from clauses.cli.dates import parse_date

    return parse_date(text)


def register(subparsers: argparse._SubParsersAction) -> None:
    from clauses.cli import add_json_flag

    parser = subparsers.add_parser(
        "forecast",
        help="prévoir les heures d'insertion, les ETP et les personnes à trouver par métier (P10/P50/P90)",
        description="Prévision Monte-Carlo des besoins de main-d'œuvre par métier et par période, à partir des "
        "chantiers chargés ; enregistre la prévision et écrit CSV, XLSX, un graphique en éventail (PNG) et un résumé.",
    )
    parser.add_argument("--as-of", type=_date, metavar="DATE",
                        help="date de la prévision, JJ/MM/AAAA ou AAAA-MM-JJ (par défaut : aujourd'hui)")
    parser.add_argument("--horizon-weeks", type=int, metavar="N",
                        help="nombre de semaines à prévoir (par défaut : config/forecast.yaml)")
    parser.add_argument("--period", choices=["week", "month"], default="week",
                        help="pas de la prévision : week (semaine, par défaut) ou month (mois)")
    parser.add_argument("--scenarios", type=int, metavar="N", help="nombre de scénarios Monte-Carlo (par défaut 1 000)")
    parser.add_argument("--seed", type=int, metavar="N",
                        help="graine aléatoire : mêmes données et même graine, même résultat")
    parser.add_argument("--quantile", type=float, action="append", dest="quantiles",
                        metavar="Q", help="quantile en plus de P10/P50/P90, par ex. 0.05 (répétable)")
    parser.add_argument("--trade", action="append", dest="trades", metavar="MÉTIER",
                        help="ce métier seulement (clé, code ROME ou libellé ; répétable)")
    parser.add_argument("--commune", action="append", dest="communes", metavar="COMMUNE",
                        help="les lots de cette commune seulement (répétable)")
    add_json_flag(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> Summary:
    from flows.forecast_labour_needs import forecast_labour_needs

    for name in ("horizon_weeks", "scenarios"):
        value = getattr(args, name)
        if value is not None and value <= 0:
            raise ClausesError(f"--{name.replace('_', '-')} doit valoir au moins 1 (reçu : {value})")
    out = forecast_labour_needs(
        as_of=args.as_of,
        horizon_weeks=args.horizon_weeks,
        period=args.period,
        scenarios=args.scenarios,
        seed=args.seed,
        quantiles=args.quantiles,
        trades=args.trades,
        communes=args.communes,
    )
    data = {"ok": True, **{k: v for k, v in out.items() if k != "markdown"}}
    lines = [line for line in out["markdown"].splitlines() if line.strip()]
    lines.append("")
    lines += [f"{kind} : {path}" for kind, path in out["files"].items()]
    return Summary(title=f"Prévision enregistrée (n° {out['snapshot_id']})", data=data, lines=lines)
