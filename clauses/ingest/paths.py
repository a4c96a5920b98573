"""Which files an import takes, checked before anything heavy is loaded: a typing error in a path
or a file of the wrong kind is answered at once, without starting Prefect or reading a line."""

from __future__ import annotations

from pathlib import Path

from clauses.errors import InputError, Problem

TABLE_SUFFIXES = (".csv", ".tsv", ".xlsx", ".xlsm")
PIPELINE_SUFFIXES = (*TABLE_SUFFIXES, ".json", ".parquet")


def _described(suffixes: tuple[str, ...]) -> str:
    names = [("DECP .json" if s == ".json" else s) for s in suffixes]
    return ", ".join(names[:-1]) + " ou " + names[-1]


def checked_file(path: Path, suffixes: tuple[str, ...] = TABLE_SUFFIXES) -> Path:
    """``path`` when it is an existing file of one of the ``suffixes``; else an ``InputError``."""
    if not path.exists():
        raise InputError([Problem(path.name or str(path), None, None, "fichier introuvable")])
    if path.is_dir():
        raise InputError([Problem(path.name, None, None, "c'est un dossier, pas un fichier")])
    if path.suffix.lower() not in suffixes:
        kind = f"« {path.suffix} »" if path.suffix else "sans extension"
        raise InputError([Problem(path.name, None, None, f"type de fichier non pris en charge ({kind}) : attendu {_described(suffixes)}")])
    return path


def pipeline_files(path: Path) -> list[Path]:
    """The pipeline files to ingest: ``path`` itself, or a folder's pipeline files in name order
    (other files of a drop folder are left where they are)."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in PIPELINE_SUFFIXES and not p.name.startswith("."))
    return [checked_file(path, PIPELINE_SUFFIXES)]
