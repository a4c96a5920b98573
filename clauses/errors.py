"""Errors a coordinator can act on. Each says what is wrong and where; none carries personal data."""

from __future__ import annotations

from dataclasses import asdict, dataclass


class ClausesError(Exception):
    """An error the user can fix (bad file, bad parameter, bad configuration). Exit code 2."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where (file, row or record id, column) and why."""

    file: str
    row: int | str | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"ligne {self.row}" if isinstance(self.row, int) else f"enregistrement {self.row}")
        if self.column:
            where.append(f"colonne « {self.column} »")
        return f"{', '.join(where)} : {self.reason}"

    def as_dict(self) -> dict:
        return asdict(self)


def in_row_order(problems: list[Problem]) -> list[Problem]:
    """The file's own problems first, then row by row (a row's problems in the order they were
    found; records named by id keep their order)."""
    return sorted(problems, key=lambda p: (0, 0) if p.row is None else (1, p.row) if isinstance(p.row, int) else (2, 0))


class InputError(ClausesError):
    """An input file was rejected; nothing was changed. ``problems`` lists every reason, in row order."""

    def __init__(self, problems: list[Problem], hint: str | None = None) -> None:
        problems = in_row_order(problems)
        self.problems = problems
        self.hint = hint
        shown = "\n  ".join(str(p) for p in problems[:50])
        more = f"\n  … et {len(problems) - 50} autres" if len(problems) > 50 else ""
        count = f"{len(problems)} problème" + ("s" if len(problems) > 1 else "")
        message = f"{count}, rien n'a été modifié :\n  {shown}{more}"
        if hint:
            message += f"\n{hint}"
        super().__init__(message)
