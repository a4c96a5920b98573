"""The machine's background service: one local Prefect server, the deployments on their schedules,
and the web service once it exists, started by ``clauses server start`` and stopped by
``clauses server stop``.

Everything lives in the data folder (``CLAUSES_DATA_DIR``):

- ``prefect/``: the server's ``PREFECT_HOME``, with its SQLite database (``prefect.db``);
- ``server/state.json``: the API's address and when the service was started;
- ``server/NAME.pid`` and ``server/NAME.log`` for each process (``prefect``, ``serve``, ``web``).

Each process is started in its own session, so that stopping it also stops what it started (the
flow runs ``serve`` spawns). A pid file is trusted only when its process was started before the
file was written: a pid reused later by another program is never signalled.

Commands use the background server when it answers (``use_running_server``, before Prefect is
imported); without it they start Prefect's temporary local server as before.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import yaml

from clauses import settings
from clauses.errors import ClausesError

HOST = "127.0.0.1"
DEFAULT_PORT = 4200  # Prefect's own default: the UI where its documentation says it is
START_TIMEOUT_SECONDS = 180.0
STOP_TIMEOUT_SECONDS = 30.0

# ``clauses SUBCOMMAND`` run in the background besides the Prefect server, in start order.
CLAUSES_PROCESSES = ("serve", "web")


@dataclass(frozen=True)
class Process:
    name: str
    pid: int
    started_at: dt.datetime  # UTC

    def as_dict(self) -> dict:
        return {"name": self.name, "pid": self.pid, "started_at": self.started_at.isoformat()}


def server_dir() -> Path:
    path = settings.data_dir() / "server"
    path.mkdir(parents=True, exist_ok=True)
    return path


def prefect_home() -> Path:
    return settings.data_dir() / "prefect"


def state_file() -> Path:
    return server_dir() / "state.json"


def log_file(name: str) -> Path:
    return server_dir() / f"{name}.log"


def _pid_file(name: str) -> Path:
    return server_dir() / f"{name}.pid"


def read_state() -> dict:
    try:
        return json.loads(state_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def api_url(state: dict | None = None) -> str | None:
    return (state if state is not None else read_state()).get("api_url")


def is_healthy(url: str, timeout: float = 1.0) -> bool:
    """Whether the Prefect API at ``url`` (``…/api``) answers its health check."""
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=timeout) as response:
            return response.status == 200
    except (OSError, ValueError):
        return False


def use_running_server() -> str | None:
    """Point this process at the background Prefect server when it runs and ``PREFECT_API_URL`` is
    not set; returns the URL used. Must run before Prefect is imported (Prefect reads its settings
    once, at import)."""
    if os.environ.get("PREFECT_API_URL"):
        return None
    url = api_url()
    if url is None or not is_healthy(url):
        return None
    os.environ["PREFECT_API_URL"] = url
    return url


def running(name: str) -> Process | None:
    """The process ``name`` when its pid file names a live process started before the file was
    written (not a later process that reuses the pid)."""
    import psutil

    path = _pid_file(name)
    try:
        pid = int(path.read_text().split()[0])
        written = path.stat().st_mtime
        process = psutil.Process(pid)
        created = process.create_time()
        alive = process.status() != psutil.STATUS_ZOMBIE
    except (OSError, ValueError, IndexError, psutil.Error):
        return None
    if not alive or created > written + 1.0:
        return None
    return Process(name, pid, dt.datetime.fromtimestamp(created, dt.timezone.utc))


def status() -> dict:
    state = read_state()
    url = api_url(state)
    processes = {name: running(name) for name in ("prefect", *CLAUSES_PROCESSES)}
    return {
        "api_url": url,
        "ui_url": url.removesuffix("/api") if url else None,
        "healthy": bool(url and processes["prefect"] and is_healthy(url)),
        "processes": {name: (p.as_dict() if p else None) for name, p in processes.items()},
        "data_dir": str(settings.data_dir()),
    }


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        # As the server binds it: a port left in TIME_WAIT by a server just stopped is free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def _free_port(preferred: int) -> int:
    if _port_is_free(preferred):
        return preferred
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _executable(name: str) -> list[str]:
    beside = Path(sys.executable).with_name(name)
    return [str(beside)] if beside.exists() else [sys.executable, "-m", name]


def _clauses_command(subcommand: str) -> list[str]:
    return [sys.executable, "-c", "import sys; from clauses.cli import main; sys.exit(main())", subcommand]


def _spawn(name: str, command: list[str], env: dict[str, str]) -> Process:
    log = log_file(name).open("ab")
    log.write(f"\n== {dt.datetime.now().astimezone().isoformat(timespec='seconds')} {' '.join(command[-4:])}\n".encode())
    log.flush()
    process = subprocess.Popen(
        command, env=env, cwd=settings.PROJECT_ROOT, stdin=subprocess.DEVNULL, stdout=log,
        stderr=subprocess.STDOUT, start_new_session=True,
    )
    log.close()
    _pid_file(name).write_text(f"{process.pid}\n")
    process.returncode = 0  # detached on purpose: no "still running" warning when this object goes
    return Process(name, process.pid, dt.datetime.now(dt.timezone.utc))


def _environment(url: str | None) -> dict[str, str]:
    env = {
        **os.environ,
        "PREFECT_HOME": str(prefect_home()),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "CLAUSES_DATA_DIR": str(settings.data_dir()),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("PREFECT_API_KEY", None)
    if url is None:
        env.pop("PREFECT_API_URL", None)
    else:
        env["PREFECT_API_URL"] = url
    return env


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _failed(name: str, what: str) -> ClausesError:
    stop()
    return ClausesError(
        f"{what} ; journal : {log_file(name)}\n{_tail(log_file(name))}\n"
        "Rien n'est resté en marche. Corrigez la cause, puis relancez « clauses server start »."
    )


def _wait(name: str, ready, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if running(name) is None:
            raise _failed(name, f"le processus « {name} » s'est arrêté au démarrage")
        if time.monotonic() > deadline:
            raise _failed(name, f"{what} au bout de {int(timeout)} s")
        time.sleep(0.5)


def declared_deployment_count() -> int:
    from clauses.settings import PROJECT_ROOT

    return len(yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"])


def deployment_count(url: str) -> int:
    request = urllib.request.Request(f"{url}/deployments/count", data=b"{}", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(json.loads(response.read()))
    except (OSError, ValueError):
        return -1


def has_subcommand(name: str) -> bool:
    """Whether ``clauses NAME`` exists in this installation."""
    from clauses.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command")
    return name in commands.choices


def start(port: int | None = None, timeout: float = START_TIMEOUT_SECONDS, web_port: int | None = None) -> dict:
    """Start what is not running yet (all of it on a fresh machine); returns ``status()`` and the
    names of the processes started now. Idempotent: a second call starts nothing."""
    started: list[str] = []
    state = read_state()
    url = api_url(state)
    if running("prefect") is None or url is None or not is_healthy(url):
        if running("prefect") is not None:  # alive but not answering: start it afresh
            _stop_one("prefect")
        chosen = port or _free_port(DEFAULT_PORT)
        if not _port_is_free(chosen):
            raise ClausesError(f"le port {chosen} est déjà pris : choisissez-en un autre avec --port")
        url = f"http://{HOST}:{chosen}/api"
        prefect_home().mkdir(parents=True, exist_ok=True)
        _spawn("prefect", [*_executable("prefect"), "server", "start", "--host", HOST, "--port", str(chosen)], _environment(None))
        state = {"api_url": url, "started_at": dt.datetime.now(dt.timezone.utc).isoformat()}
        state_file().write_text(json.dumps(state, indent=2), encoding="utf-8")
        _wait("prefect", lambda: is_healthy(url), "le serveur Prefect ne répond pas", timeout)
        started.append("prefect")
    env = _environment(url)
    if running("serve") is None:
        offset = log_file("serve").stat().st_size if log_file("serve").exists() else 0
        spawned = time.monotonic()
        _spawn("serve", [*_clauses_command("serve"), "--no-web"], env)  # the web service runs on its own
        expected = declared_deployment_count()

        def serving() -> bool:
            # Prefect's runner says so once every deployment is registered; should its wording
            # change, every deployment being known to the server for a while will do.
            with log_file("serve").open("rb") as log:
                log.seek(offset)
                if b"are being served" in log.read():
                    return True
            return time.monotonic() - spawned > 30 and deployment_count(url) >= expected

        _wait("serve", serving, "les déploiements ne sont pas servis", timeout)
        started.append("serve")
    # The web service (`clauses web`: answers, unsubscribe, calendars, webhooks), its own process so
    # that status and stop see it; same environment.
    if running("web") is None and has_subcommand("web"):
        _spawn("web", [*_clauses_command("web"), *(["--port", str(web_port)] if web_port else [])], env)
        started.append("web")
    return {**status(), "started": started}


def _stop_one(name: str, timeout: float = STOP_TIMEOUT_SECONDS) -> bool:
    """Stop ``name`` and every process it started (the Prefect server's web server, the flow runs
    of ``serve``): their session is signalled, and all of them are waited for, so that the port is
    free when this returns."""
    import psutil

    process = running(name)
    _pid_file(name).unlink(missing_ok=True)
    if process is None:
        return False
    try:
        leader = psutil.Process(process.pid)
        family = [leader, *leader.children(recursive=True)]
    except psutil.NoSuchProcess:
        return True
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for member in family:
            try:
                member.send_signal(sig)
            except psutil.NoSuchProcess:
                pass
        try:
            os.killpg(process.pid, sig)  # and whatever else its session holds
        except (ProcessLookupError, PermissionError):
            pass
        _, family = psutil.wait_procs(family, timeout=timeout)
        if not family:
            break
    return True


def stop() -> list[str]:
    """Stop every background process, the last started first; returns the names of those stopped."""
    stopped = [name for name in (*reversed(CLAUSES_PROCESSES), "prefect") if _stop_one(name)]
    state_file().unlink(missing_ok=True)
    return stopped
