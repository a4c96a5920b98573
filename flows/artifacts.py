"""Artifacts a coordinator reads in the Prefect UI. Only counts and file-level facts: never a
candidate's name, email or phone."""

from __future__ import annotations

from prefect.artifacts import create_markdown_artifact

from clauses.ingest.results import IngestResult

MAX_PROBLEMS_SHOWN = 30


def publish_ingest_result(result: IngestResult, *, key: str, title: str, show_problem_values: bool = True) -> None:
    lines = [
        f"# {title}",
        "",
        f"Fichier : `{result.file}`",
        "",
        "| créés | mis à jour | inchangés | rejetés |",
        "|---:|---:|---:|---:|",
        f"| {result.created} | {result.updated} | {result.unchanged} | {result.rejected} |",
    ]
    if result.skipped:
        lines += ["", "Non retenus :", ""] + [f"- {reason} : {count}" for reason, count in sorted(result.skipped.items())]
    if result.details:
        lines += [""] + [f"- {key_}: {value}" for key_, value in result.details.items()]
    if result.problems:
        lines += ["", f"## Problèmes ({len(result.problems)})", "", "| ligne | colonne | motif |", "|---|---|---|"]
        for problem in result.problems[:MAX_PROBLEMS_SHOWN]:
            reason = problem.reason if show_problem_values else problem.reason.split(":")[0]
            lines.append(f"| {problem.row} | {problem.column or ''} | {reason.replace('|', '/')} |")
        if len(result.problems) > MAX_PROBLEMS_SHOWN:
            lines.append(f"\n… et {len(result.problems) - MAX_PROBLEMS_SHOWN} autres (voir le fichier des rejets).")
    create_markdown_artifact(markdown="\n".join(lines), key=key, description=title)
