"""Smoke test of the service as it runs in production: a real `prefect server` on loopback, the
deployments of prefect.yaml deployed with `prefect deploy --all`, each run once through a process
worker, and the results checked in the database."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import func, select

from clauses.config import load_config
from clauses.planning.approval import approve_plan
from clauses.sample import write_candidates, write_pipeline
from clauses.sample.history import seed_history, write_attendance_sheet
from clauses.settings import PROJECT_ROOT
from clauses.storage import Candidate, Event, ForecastSnapshot, Lot, Message, Participation, Plan

pytestmark = pytest.mark.smoke
PREFECT = str(Path(sys.executable).with_name("prefect"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def prefect_server(tmp_path, database_url):
    port = free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "CLAUSES_DATABASE_URL": database_url,
        "CLAUSES_DATA_DIR": str(tmp_path / "data"),
    }
    env.pop("PREFECT_API_KEY", None)
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail(f"prefect server did not start: {(tmp_path / 'server.log').read_text()[-2000:]}")
                time.sleep(1)
        yield env
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def prefect(env, *args, timeout=300):
    result = subprocess.run([PREFECT, *args], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"prefect {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def run_deployment(env, name, *params):
    args = ["deployment", "run", name, "--watch", "--watch-timeout", "600"]
    for param in params:
        args += ["--param", param]
    out = prefect(env, *args, timeout=660)
    assert "Completed" in out, out[-2000:]


def test_every_deployment_runs_through_a_process_worker(prefect_server, db, tmp_path):
    env = prefect_server
    data = Path(env["CLAUSES_DATA_DIR"])
    write_pipeline(data / "drop")
    candidates = write_candidates(tmp_path / "inputs", count=120)

    prefect(env, "work-pool", "create", "clauses-process", "--type", "process")
    out = prefect(env, "--no-prompt", "deploy", "--all")
    assert out.count("successfully created") == 12

    worker = subprocess.Popen(
        [PREFECT, "worker", "start", "--pool", "clauses-process", "--limit", "1"],
        env=env, cwd=PROJECT_ROOT, stdout=(tmp_path / "worker.log").open("w"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        run_deployment(env, "ingest_pipeline/nightly-drop-folder")
        run_deployment(env, "import_candidates/on-demand", f"path={candidates}")
        run_deployment(env, "forecast_labour_needs/monday-morning")
        run_deployment(env, "plan_events/monday-draft-plan", "wait_for_approval=false")
        with db.transaction() as session:
            plan_id = session.scalar(select(Plan.id).where(Plan.status == "draft"))
            approve_plan(session, plan_id, by="test")
        run_deployment(env, "send_invitations/working-days")
        run_deployment(env, "send_employer_invitations/working-days")
        config = load_config()
        with db.transaction() as session:
            event_ids = seed_history(session, config, dt.date.today())
        with db.transaction() as session:
            sheet = write_attendance_sheet(session, event_ids, tmp_path / "inputs")
        run_deployment(env, "record_attendance/on-demand", f"path={sheet}")
        run_deployment(env, "send_followups/working-days")
        run_deployment(env, "ingest_email_events/hourly")
        run_deployment(env, "take_in_replies/hourly")
        run_deployment(env, "report_outcomes/monthly")
        run_deployment(env, "apply_retention/nightly")
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)

    with db.transaction() as session:
        count = lambda model: session.scalar(select(func.count()).select_from(model))  # noqa: E731
        assert count(Lot) > 100
        assert count(Candidate) == 120
        assert count(ForecastSnapshot) == 1
        assert session.scalar(select(func.count()).select_from(Event).where(Event.approved_at.is_not(None))) > 3
        assert session.scalar(select(func.count()).select_from(Message).where(Message.state == "sent")) > 0
        assert session.scalar(select(func.count()).select_from(Participation).where(Participation.status == "hired")) > 0
    assert list((data / "drop" / "done").iterdir()), "the nightly job moves ingested files out of the drop folder"
    assert list((data / "outbox").glob("*.eml"))
    assert list((data / "reports").glob("*.html"))
