"""Where things live: the project folders and the environment variables that move them.

- ``CLAUSES_DATABASE_URL``: SQLAlchemy URL of the database (default: a SQLite file in the data folder).
- ``CLAUSES_DATA_DIR``: the data folder (default: ``var/`` at the project root): database, outbox,
  exports, reports.
- ``CLAUSES_CONFIG_DIR``: the configuration folder (default: ``config/`` at the project root).
- ``CLAUSES_TEMPLATES_DIR``: the templates folder (default: ``templates/`` at the project root).
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _dir_from_env(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


def data_dir() -> Path:
    path = _dir_from_env("CLAUSES_DATA_DIR", PROJECT_ROOT / "var")
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_dir() -> Path:
    return _dir_from_env("CLAUSES_CONFIG_DIR", PROJECT_ROOT / "config")


def templates_dir() -> Path:
    return _dir_from_env("CLAUSES_TEMPLATES_DIR", PROJECT_ROOT / "templates")


def database_url() -> str:
    return os.environ.get("CLAUSES_DATABASE_URL") or f"sqlite:///{data_dir() / 'clauses.sqlite3'}"


def output_dir(kind: str) -> Path:
    """A sub-folder of the data folder for one kind of output (exports, outbox, reports, rejects…)."""
    path = data_dir() / kind
    path.mkdir(parents=True, exist_ok=True)
    return path
