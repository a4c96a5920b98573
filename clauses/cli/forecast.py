"""``clauses forecast``: run the labour-needs forecast, print its summary and where the files are."""

from __future__ import annotations

import argparse

from clauses.cli.dates import day
from clauses.cli.summary import Summary
from clauses.errors import ClausesError


def register(subparsers: argparse._SubParsersAction) -> None:
    from clauses.cli import add_json_flag

    parser = subparsers.add_parser(
        "forecast",
        help="forecast insertion hours, FTE and people to bring in per trade, with P10/P50/P90",
        description="Monte-Carlo forecast of labour needs per trade and period from the site pipeline; "
        "stores a snapshot and writes CSV, XLSX, a fan chart (PNG) and a summary.",
    )
    parser.add_argument("--as-of", type=day, help="forecast date, e.g. 31/12/2026 or 2026-12-31 (default: today, Europe/Paris)")
    parser.add_argument("--horizon-weeks", type=int, help="weeks ahead (default from config/forecast.yaml)")
    parser.add_argument("--period", choices=["week", "month"], default="week")
    parser.add_argument("--scenarios", type=int, help="number of Monte-Carlo scenarios (default 1000)")
    parser.add_argument("--seed", type=int, help="random seed: same inputs and seed, same result")
    parser.add_argument("--quantile", type=float, action="append", dest="quantiles",
                        help="extra quantile besides P10/P50/P90, e.g. 0.05 (repeatable)")
    parser.add_argument("--trade", action="append", dest="trades", help="only this trade (key, ROME or label; repeatable)")
    parser.add_argument("--commune", action="append", dest="communes", help="only lots in this commune (repeatable)")
    add_json_flag(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> Summary:
    from flows.forecast_labour_needs import forecast_labour_needs

    for name in ("horizon_weeks", "scenarios"):
        value = getattr(args, name)
        if value is not None and value <= 0:
            raise ClausesError(f"--{name.replace('_', '-')} must be at least 1 (got {value})")
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
    lines += [f"{kind}: {path}" for kind, path in out["files"].items()]
    return Summary(title=f"Forecast stored as snapshot {out['snapshot_id']}", data=data, lines=lines)
