"""The ``clauses`` command line: one program, one subcommand per job.

Each subcommand module defines ``register(subparsers)`` and a handler returning a ``Summary``;
``--json`` prints the summary's data, otherwise its human lines. Exit codes: 0 success, 1 unexpected
failure, 2 bad input or configuration (the message says what to do next).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import sys
import traceback
from collections.abc import Sequence

from clauses.cli.summary import Summary

# Subcommand modules, in the order `clauses --help` lists them.
COMMAND_MODULES = [
    "clauses.cli.ingest",
    "clauses.cli.forecast",
    "clauses.cli.plan",
    "clauses.cli.inbound",
    "clauses.cli.candidate",
    "clauses.cli.replies",
    "clauses.cli.messages",
    "clauses.cli.outreach",
    "clauses.cli.employers",
    "clauses.cli.report",
    "clauses.cli.demo",
    "clauses.cli.service",
    "clauses.cli.server",
    "clauses.cli.web",
]


def build_parser() -> argparse.ArgumentParser:
    from clauses.cli.french_argparse import FrenchArgumentParser

    parser = FrenchArgumentParser(
        prog="clauses",
        description="Planifier les événements de recrutement des clauses sociales d'insertion des marchés "
        "publics de travaux : chantiers, prévisions, plan, invitations, présences, bilan.",
        epilog="« clauses COMMANDE --help » décrit chaque commande. Codes de sortie : 0 réussite, "
        "2 fichier, paramètre ou configuration à corriger, 1 erreur inattendue.",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true",
        help="afficher aussi le journal de Prefect dans le terminal (il reste toujours dans l'exécution Prefect)",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMANDE", title="commandes")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="afficher un résumé JSON, lisible par un programme")


def main(argv: Sequence[str] | None = None) -> int:
    # Prefect's local server can take a while to start on a busy 2-core machine, and it must not try
    # to send usage telemetry from a public-service network (it logs an error when it cannot).
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

    parser = build_parser()
    args = parser.parse_args(argv)
    # Against the background server (`clauses server start`) a command starts in seconds; without
    # it, Prefect starts a temporary local server as before.
    from clauses.background import use_running_server

    use_running_server()
    # The terminal shows the command's own French summary or error; Prefect's run log (English,
    # with tracebacks) stays whole in the Prefect run. Prefect reads this when it sets up its logging
    # (on import, which the commands do lazily); ``clauses serve`` keeps Prefect's log on the console.
    quiet = {} if args.verbose or args.command == "serve" else QUIET_CONSOLE
    try:
        with _environment(quiet):
            return _run(args)
    except BrokenPipeError:
        # `clauses plan show | head`: the reader left; say nothing more (and let Python's final flush
        # of stdout write nowhere instead of failing again).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, as a shell tool stopped by the pipe


CONSOLE_LEVEL = "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"
# Not even errors: a command says its own in French (an unexpected one with its traceback). The
# temporary Prefect server a command starts inherits this too; stopped as the command ends, it could
# print an English traceback after the French summary (« Exception during reset or similar »: its
# database pool cancelled mid-query), for a command that went well.
QUIET_CONSOLE = {CONSOLE_LEVEL: "CRITICAL"}


@contextlib.contextmanager
def _environment(values: dict[str, str]):
    """Set these environment variables (unless already set) for the command, then restore them."""
    added = [name for name in values if name not in os.environ]
    os.environ.update({name: values[name] for name in added})
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)


def _run(args: argparse.Namespace) -> int:
    from clauses.config import load_config
    from clauses.errors import ClausesError

    try:
        # Every command checks the configuration first: a mistake is reported with its file, key and
        # reason before anything starts (no Prefect run, no half-done work).
        load_config()
        summary: Summary = args.handler(args)
    except ClausesError as exc:
        _report_error(args, exc)
        return 2
    except KeyboardInterrupt:
        print("interrompu", file=sys.stderr)
        return 130
    except BrokenPipeError:
        raise
    except Exception:  # a bug: its traceback helps whoever fixes it, the last line says what happened
        traceback.print_exc()
        print("erreur inattendue : ce n'est pas une erreur de saisie ; transmettre le message ci-dessus "
              "à l'équipe technique (le journal complet est dans l'exécution Prefect)", file=sys.stderr)
        return 1
    if getattr(args, "json", False):
        print(json.dumps(summary.data, ensure_ascii=False, indent=2, default=str))
    else:
        print(summary.text())
    sys.stdout.flush()
    return 0 if summary.ok else 1


def _report_error(args: argparse.Namespace, exc: Exception) -> None:
    if getattr(args, "json", False):
        data = {"ok": False, "error": str(exc)}
        problems = getattr(exc, "problems", None)
        if problems:
            data["problems"] = [p.as_dict() for p in problems]
        print(json.dumps(data, ensure_ascii=False, indent=2))
    print(f"erreur : {exc}", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
