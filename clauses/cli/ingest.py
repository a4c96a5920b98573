"""``clauses ingest pipeline PATH`` and ``clauses ingest candidates PATH``."""

from __future__ import annotations

import argparse
from pathlib import Path

from clauses.cli.summary import Summary
from clauses.errors import Problem
from clauses.french import import_counts
from clauses.ingest.results import warning_lines


def register(subparsers: argparse._SubParsersAction) -> None:
    from clauses.cli import add_json_flag

    ingest = subparsers.add_parser(
        "ingest", help="charger les chantiers (pipeline) ou une liste de candidats",
        description="Charger les chantiers et leurs lots (ingest pipeline) ou les candidats orientés par un partenaire "
        "(ingest candidates).",
    )
    kinds = ingest.add_subparsers(dest="kind", required=True, metavar="QUOI", title="ce qu'on charge")

    pipeline = kinds.add_parser(
        "pipeline",
        help="charger les opérations et leurs lots : CSV, XLSX ou JSON DECP (un fichier ou un dossier de dépôt)",
        description="Charger les opérations et leurs lots. Un fichier dont une ligne est invalide est refusé en "
        "entier et rien ne change, sauf avec --skip-invalid. Recharger le même fichier ne change rien.",
    )
    pipeline.add_argument("path", metavar="CHEMIN", help="un fichier .csv, .xlsx, .json (DECP) ou .parquet (DECP consolidées), ou un dossier qui en contient")
    pipeline.add_argument("--skip-invalid", action="store_true", help="charger les lignes valides ; écrire les lignes refusées et leurs raisons dans un CSV")
    pipeline.add_argument("--decp-assume-clause", action="store_true", help="DECP 1.x : considérer que tout marché de travaux (CPV 45) porte une clause sociale")
    pipeline.add_argument("--whole-country", action="store_true", help="DECP : garder aussi les marchés hors du territoire configuré")
    add_json_flag(pipeline)
    pipeline.set_defaults(handler=run_pipeline)

    candidates = kinds.add_parser(
        "candidates",
        help="importer les candidats d'un partenaire (CSV ou XLSX)",
        description="Importer des candidats. Les adresses e-mail sont vérifiées, les téléphones normalisés, les "
        "personnes orientées par plusieurs partenaires fusionnées. Personne n'est invité sans consentement enregistré.",
    )
    candidates.add_argument("path", metavar="FICHIER", help="un fichier .csv ou .xlsx")
    candidates.add_argument("--source", metavar="PARTENAIRE",
                            help="le partenaire, pour un fichier sans colonne « Source », par ex. « France Travail »")
    candidates.add_argument("--skip-invalid", action="store_true", help="importer les lignes valides ; écrire les lignes refusées dans un CSV")
    add_json_flag(candidates)
    candidates.set_defaults(handler=run_candidates)


def _summary(title: str, results: list[dict]) -> Summary:
    lines = []
    for result in results:
        lines.append(
            f"{result['file']} : "
            + import_counts(result["created"], result["updated"], result["unchanged"], result["rejected"])
        )
        for reason, count in sorted(result.get("skipped", {}).items()):
            lines.append(f"  non retenus ({reason}) : {count}")
        for key, value in result.get("details", {}).items():
            lines.append(f"  {key} : {value}")
        if result.get("rejects_file"):
            lines.append(f"  lignes refusées et raisons : {result['rejects_file']}")
        lines += ["  " + line for line in warning_lines([Problem(**w) for w in result.get("warnings", [])])]
    if not results:
        lines.append("aucun fichier de chantiers (.csv, .tsv, .xlsx, .xlsm ou DECP .json) dans ce dossier")
    return Summary(title=title, data={"ok": True, "files": results}, lines=lines)


def run_pipeline(args: argparse.Namespace) -> Summary:
    from clauses.ingest.paths import pipeline_files

    pipeline_files(Path(args.path))  # a wrong path or kind of file is answered before Prefect starts
    from flows.ingest_pipeline import ingest_pipeline

    results = ingest_pipeline(
        path=args.path,
        skip_invalid=args.skip_invalid,
        decp_assume_clause=args.decp_assume_clause,
        whole_country=args.whole_country,
    )
    return _summary("Chantiers chargés", results)


def run_candidates(args: argparse.Namespace) -> Summary:
    from clauses.ingest.paths import checked_file

    checked_file(Path(args.path))
    from flows.import_candidates import import_candidates

    result = import_candidates(path=args.path, source=args.source, skip_invalid=args.skip_invalid)
    return _summary("Candidats importés", [result])
