"""`clauses server start|status|stop`: the machine's background service, and the commands that use
its Prefect server while it runs."""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import psutil
import pytest
from sqlalchemy import func, select

from clauses import background
from clauses.sample.pipeline import HEADER, pipeline_rows
from clauses.storage import Lot

CLAUSES = [sys.executable, "-c", "import sys; from clauses.cli import main; sys.exit(main())"]


def write_ten_lots(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "dix-lots.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        writer.writerows(pipeline_rows()[:10])
    return path


def test_a_command_without_the_background_server_leaves_prefect_as_it_was(tmp_path, monkeypatch):
    monkeypatch.setenv("CLAUSES_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    assert background.use_running_server() is None
    assert "PREFECT_API_URL" not in os.environ
    # A state file left by a server that is gone (machine restarted) is not followed either.
    background.state_file().write_text(json.dumps({"api_url": "http://127.0.0.1:9/api"}))
    assert background.use_running_server() is None
    assert "PREFECT_API_URL" not in os.environ
    # A stale pid file naming a process started after it was written is not taken for the server.
    pid_file = background.server_dir() / "prefect.pid"
    pid_file.write_text(f"{os.getpid()}\n")
    os.utime(pid_file, (psutil.Process().create_time() - 60,) * 2)
    assert background.running("prefect") is None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clauses(env, *args, timeout=600):
    return subprocess.run([*CLAUSES, *args], env=env, capture_output=True, text=True, timeout=timeout)


def flow_runs(api_url: str) -> list[dict]:
    request = urllib.request.Request(f"{api_url}/flow_runs/filter", data=b"{}", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.mark.smoke
def test_start_status_command_stop(tmp_path, database_url, db):
    port = free_port()
    env = {**os.environ, "CLAUSES_DATA_DIR": str(tmp_path / "data"), "PREFECT_HOME": str(tmp_path / "client-home"),
           "CLAUSES_DATABASE_URL": database_url, "PREFECT_LOGGING_LEVEL": "WARNING"}
    env.pop("PREFECT_API_URL", None)
    web_port = free_port()
    started = clauses(env, "server", "start", "--port", str(port), "--web-port", str(web_port), "--json")
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        state = json.loads(started.stdout)
        assert state["started"] == ["prefect", "serve", "web"]
        assert state["healthy"] and state["api_url"] == f"http://127.0.0.1:{port}/api"
        pids = {name: state["processes"][name]["pid"] for name in ("prefect", "serve", "web")}
        assert (tmp_path / "data" / "prefect" / "prefect.db").exists(), "the server's SQLite lives in the data folder"

        status = clauses(env, "server", "status")
        assert status.returncode == 0
        assert "Serveur Prefect : en marche depuis le " in status.stdout
        assert "Déploiements planifiés : en marche depuis le " in status.stdout
        assert f"pid {pids['prefect']}" in status.stdout
        assert "Service web : en marche depuis le " in status.stdout

        # A command with no PREFECT_API_URL runs its flow against the background server.
        ingest = clauses(env, "ingest", "pipeline", str(write_ten_lots(tmp_path / "in")))
        assert ingest.returncode == 0, ingest.stdout + ingest.stderr
        runs = flow_runs(state["api_url"])
        assert [run["state_type"] for run in runs if run["deployment_id"] is None] == ["COMPLETED"]
        # and the deployments are served on their schedules.
        assert any(run["state_type"] == "SCHEDULED" for run in runs if run["deployment_id"])
        with db.transaction() as session:
            assert session.scalar(select(func.count()).select_from(Lot)) == 10

        again = clauses(env, "server", "start", "--json")
        assert again.returncode == 0
        assert json.loads(again.stdout)["started"] == []
        assert {name: json.loads(again.stdout)["processes"][name]["pid"] for name in pids} == pids

        # The scheduler process dies: status says so, start brings back that one alone.
        psutil.Process(pids["serve"]).kill()
        psutil.Process(pids["serve"]).wait(timeout=30)
        assert "Service d'arrière-plan incomplet" in clauses(env, "server", "status").stdout
        restarted = json.loads(clauses(env, "server", "start", "--json").stdout)
        assert restarted["started"] == ["serve"]
        assert restarted["processes"]["prefect"]["pid"] == pids["prefect"]
        pids["serve"] = restarted["processes"]["serve"]["pid"]
    finally:
        stopped = clauses(env, "server", "stop")
    assert stopped.returncode == 0
    assert "Service d'arrière-plan arrêté" in stopped.stdout
    for pid in pids.values():
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert background._port_is_free(port), "stopped with every process it started: the port is free again"
    after = clauses(env, "server", "status", "--json")
    assert json.loads(after.stdout)["processes"] == {"prefect": None, "serve": None, "web": None}
