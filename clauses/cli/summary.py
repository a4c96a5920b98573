"""What a subcommand returns: data for ``--json`` and lines for a person."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Summary:
    title: str
    data: dict[str, Any] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    ok: bool = True

    def text(self) -> str:
        return "\n".join([self.title, *(f"  {line}" if line else "" for line in self.lines)])
