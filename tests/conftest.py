"""Test harness shared by the whole suite.

- Every test gets a fresh, migrated database: a copy of a SQLite template by default, or a new
  PostgreSQL database made from a migrated template when ``CLAUSES_TEST_POSTGRES_URL`` is set
  (an admin URL such as ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``).
- One session-scoped Prefect test server (``prefect_harness``), with ``PREFECT_HOME`` in a temporary
  folder and flow heartbeats off. Only tests that run flows ask for it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path

# Before anything imports Prefect: its home (and cached results) in a throw-away folder.
_SESSION_DIR = Path(tempfile.mkdtemp(prefix="clauses-tests-"))
os.environ["PREFECT_HOME"] = str(_SESSION_DIR / "prefect-home")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["CLAUSES_DATA_DIR"] = str(_SESSION_DIR / "data")
os.environ.pop("CLAUSES_DATABASE_URL", None)

import pytest  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from clauses.config import load_config  # noqa: E402
from clauses.storage import Database  # noqa: E402
from clauses.storage.database import upgrade_schema, make_engine  # noqa: E402

POSTGRES_ADMIN_URL = os.environ.get("CLAUSES_TEST_POSTGRES_URL")
# One template per test session: sessions running at once on the same server do not collide.
TEMPLATE_DB = f"clauses_test_template_{uuid.uuid4().hex[:8]}"


def pytest_report_header(config):
    return f"clauses database: {'postgresql' if POSTGRES_ADMIN_URL else 'sqlite'}"


@pytest.fixture(scope="session")
def config():
    return load_config()


@pytest.fixture(scope="session")
def _database_template():
    """Migrate once per session; each test then copies the result."""
    if POSTGRES_ADMIN_URL:
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {TEMPLATE_DB} WITH (FORCE)"))
            conn.execute(text(f"CREATE DATABASE {TEMPLATE_DB}"))
        template_url = make_url(POSTGRES_ADMIN_URL).set(database=TEMPLATE_DB)
        engine = make_engine(template_url.render_as_string(hide_password=False))
        upgrade_schema(engine)
        engine.dispose()
        yield admin
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {TEMPLATE_DB} WITH (FORCE)"))
        admin.dispose()
    else:
        path = _SESSION_DIR / "template.sqlite3"
        engine = make_engine(f"sqlite:///{path}")
        upgrade_schema(engine)
        engine.dispose()
        yield path


@pytest.fixture
def database_url(_database_template, tmp_path, monkeypatch) -> str:
    """The URL of a fresh migrated database, also set as CLAUSES_DATABASE_URL for flows."""
    if POSTGRES_ADMIN_URL:
        name = f"clauses_test_{uuid.uuid4().hex[:12]}"
        with _database_template.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE_DB}"))
        url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    else:
        path = tmp_path / "clauses.sqlite3"
        shutil.copyfile(_database_template, path)
        url = f"sqlite:///{path}"
        name = None
    monkeypatch.setenv("CLAUSES_DATABASE_URL", url)
    monkeypatch.setenv("CLAUSES_DATA_DIR", str(tmp_path / "data"))
    yield url
    if name:
        with _database_template.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture
def db(database_url):
    database = Database(database_url, migrate=False)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def prefect_harness():
    """One Prefect test server for the session, heartbeats off."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        with prefect_test_harness(server_startup_timeout=120):
            yield


@pytest.fixture(scope="session", autouse=True)
def _cleanup_session_dir():
    yield
    shutil.rmtree(_SESSION_DIR, ignore_errors=True)
