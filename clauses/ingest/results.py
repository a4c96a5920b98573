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

    def as_dict(self) -> dict:
        data = asdict(self)
        data["problems"] = [p.as_dict() for p in self.problems]
        return data

    def lines(self) -> list[str]:
        out = [
            f"{self.created} créé(s), {self.updated} mis à jour, {self.unchanged} inchangé(s), {self.rejected} refusé(s)",
        ]
        for reason, count in sorted(self.skipped.items()):
            out.append(f"non retenus ({reason}) : {count}")
        for key, value in self.details.items():
            out.append(f"{key} : {value}")
        if self.rejects_file:
            out.append(f"lignes refusées et leurs raisons : {self.rejects_file}")
        return out


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
