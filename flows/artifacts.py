"""Artifacts a coordinator reads in the Prefect UI. Only counts and file-level facts: never a
candidate's name, email or phone."""

from __future__ import annotations

import base64
from pathlib import Path

from prefect.artifacts import create_markdown_artifact

from clauses.ingest.results import IngestResult

MAX_PROBLEMS_SHOWN = 30
# A chart embedded in a markdown artifact travels as base64 (4/3 of its size) in Prefect's database.
MAX_EMBEDDED_PNG_BYTES = 300_000


def embedded_png(path: Path, alt: str) -> str:
    """Markdown showing a PNG inside the artifact itself, then where the file is.

    ``create_image_artifact`` only takes a URL the browser fetches, and a browser does not open a
    server's local path; a ``data:image/png`` URL in a markdown image is drawn by both Prefect UIs
    (3.9: the React UI allows ``data:image/`` for ``img src``, the Vue UI renders the image token as
    is). A chart larger than ``MAX_EMBEDDED_PNG_BYTES`` is only referenced by its path."""
    data = path.read_bytes()
    where = f"Fichier : `{path}`"
    if len(data) > MAX_EMBEDDED_PNG_BYTES:
        return f"{where} (trop grand pour être affiché ici)"
    return f"![{alt}](data:image/png;base64,{base64.b64encode(data).decode('ascii')})\n\n{where}"


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
    if result.warnings:  # counts and record ids (buyer / id): no personal data
        lines += ["", "Attention :", ""] + [f"- {warning}" for warning in result.warnings]
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
