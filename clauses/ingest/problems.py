"""Collect problems found column by column, and split a table into valid and rejected rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Callable

import numpy as np
import pandas as pd

from clauses.errors import Problem


@dataclass
class ProblemCollector:
    """Problems of one file. ``labels`` gives each row's number (or record id) for messages."""

    file: str
    labels: pd.Series
    headers: dict[str, str] = field(default_factory=dict)  # canonical -> header as written
    problems: list[Problem] = field(default_factory=list)
    bad_rows: set[int] = field(default_factory=set)
    warnings: list[tuple[int, Problem]] = field(default_factory=list)  # (row position, warning): taken in anyway

    def flag(self, mask: pd.Series | np.ndarray, column: str | None, reason: str | Callable[[int], str]) -> None:
        """Record a problem for every row where ``mask`` is true (row positions 0..n-1)."""
        positions = np.flatnonzero(np.asarray(mask))
        header = self.headers.get(column, column) if column else None
        for pos in positions:
            text = reason(int(pos)) if callable(reason) else reason
            label = self.labels.iloc[pos]
            self.problems.append(Problem(self.file, label.item() if hasattr(label, "item") else label, header, text))
            self.bad_rows.add(int(pos))

    def flag_position(self, position: int, column: str | None, reason: str) -> None:
        label = self.labels.iloc[position]
        header = self.headers.get(column, column) if column else None
        self.problems.append(Problem(self.file, label.item() if hasattr(label, "item") else label, header, reason))
        self.bad_rows.add(position)

    def warn_position(self, position: int, column: str | None, reason: str) -> None:
        label = self.labels.iloc[position]
        header = self.headers.get(column, column) if column else None
        self.warnings.append((position, Problem(self.file, label.item() if hasattr(label, "item") else label, header, reason)))

    def warnings_for(self, taken: np.ndarray) -> list[Problem]:
        """The warnings of the rows taken in (``taken``: a mask of row positions)."""
        return [warning for position, warning in self.warnings if taken[position]]

    def invalid_mask(self, length: int) -> np.ndarray:
        mask = np.zeros(length, dtype=bool)
        mask[list(self.bad_rows)] = True
        return mask

    def rejects(self, frame: pd.DataFrame, positions: np.ndarray) -> pd.DataFrame:
        """The rows of ``frame`` at ``positions`` as the coordinator reads them in the rejects file:
        first their line (« ligne », or « enregistrement » for records named by their id), then the
        cells as written under the file's own headers (a header given to several columns, as a DECP
        record's ``id`` names both its operation and its lot, once), then the reasons (« motifs »)."""
        rows = frame.take(positions) if len(positions) else frame.iloc[:0]  # taking no rows still costs a pass
        labels = self.labels.take(positions).to_numpy()
        by_row = self.reasons_by_row()
        names = [self.headers.get(column, column) for column in rows.columns]
        first = [i for i, name in enumerate(names) if name not in names[:i]]
        rows = rows.iloc[:, first].set_axis([names[i] for i in first], axis=1)
        named_by_id = any(isinstance(label, str) for label in self.labels.head(1))
        rows.insert(0, "enregistrement" if named_by_id else "ligne", labels)
        rows["motifs"] = [" | ".join(by_row.get(label.item() if hasattr(label, "item") else label, [])) for label in labels]
        return rows

    def reasons_by_row(self) -> dict[int | str, list[str]]:
        out: dict[int | str, list[str]] = {}
        for problem in self.problems:
            where = f"{problem.column} : " if problem.column else ""
            out.setdefault(problem.row, []).append(where + problem.reason)
        return out
