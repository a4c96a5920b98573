"""What an ingestion did, for the command line, the flow's artifact and the import log."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

from clauses.errors import Problem, in_row_order
from clauses.french import import_counts


@dataclass
class IngestResult:
    kind: str  # pipeline, candidates
    file: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    rejects_file: str | None = None
    details: dict[str, object] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)  # taken in, but the coordinator should know

    def __post_init__(self) -> None:
        self.problems = in_row_order(self.problems)
        self.warnings = in_row_order(self.warnings)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["problems"] = [p.as_dict() for p in self.problems]
        data["warnings"] = [w.as_dict() for w in self.warnings]
        return data

    def lines(self) -> list[str]:
        out = [
            import_counts(self.created, self.updated, self.unchanged, self.rejected),
        ]
        for reason, count in sorted(self.skipped.items()):
            out.append(f"non retenus ({reason}) : {count}")
        for key, value in self.details.items():
            out.append(f"{key} : {value}")
        if self.rejects_file:
            out.append(f"lignes refusées et leurs raisons : {self.rejects_file}")
        out += warning_lines(self.warnings)
        return out


def warning_lines(warnings: list[Problem], shown_rows: int = 12) -> list[str]:
    """One line per kind of warning, with the rows it concerns: 24 candidates living outside the
    territory make one line, not 24."""
    by_reason: dict[tuple[str, str | None, str], list[Problem]] = {}
    for warning in warnings:
        by_reason.setdefault((warning.file, warning.column, warning.reason), []).append(warning)
    lines = []
    for (file, column, reason), group in by_reason.items():
        if len(group) == 1:
            lines.append(f"avertissement : {group[0]}")
            continue
        rows = ", ".join(str(w.row) for w in group[:shown_rows]) + (" …" if len(group) > shown_rows else "")
        where = f", colonne {column!r}" if column else ""
        lines.append(f"avertissement : {file}, {len(group)} lignes ({rows}){where} : {reason}")
    return lines


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
