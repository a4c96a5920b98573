"""What an ingestion did, for the command line, the flow's artifact and the import log."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

from clauses.errors import Problem


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
    warnings: list[str] = field(default_factory=list)  # the file loaded, but read these

    def as_dict(self) -> dict:
        data = asdict(self)
        data["problems"] = [p.as_dict() for p in self.problems]
        return data

    def lines(self) -> list[str]:
        out = [
            f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}, rejected {self.rejected}",
        ]
        for reason, count in sorted(self.skipped.items()):
            out.append(f"not taken ({reason}): {count}")
        for key, value in self.details.items():
            out.append(f"{key}: {value}")
        for warning in self.warnings:
            out.append(f"attention : {warning}")
        if self.rejects_file:
            out.append(f"rejected rows and their reasons: {self.rejects_file}")
        return out


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
