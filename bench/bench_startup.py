"""Benchmark: how long a command takes to answer, with and without the background server, against
the core call alone, in one run.

The command is ``clauses ingest pipeline`` on a 10-lot file (the sample pipeline's first ten
lots), each time in a fresh process, as a coordinator types it:

- ``temporary server``: no background server, Prefect starts its temporary local server (what every
  command did before ``clauses server start``);
- ``background server``: ``clauses server start`` ran once beforehand (its own start-up is printed
  apart, not counted), the command finds it through the data folder's state file;
- ``core, fresh process``: the same ingestion without Prefect, ``ingest_pipeline_file`` in a fresh
  Python process (imports included);
- ``core call``: that call alone, in this process, once everything is imported.

The same file is ingested first once, untimed, so every timed run does the same work (every lot
unchanged). The timed runs are interleaved (one of each kind per round) so that a change of the
machine's load weighs on every kind alike; the median of each kind is shown. A command on a missing
file is timed too: what a typing error costs before its message.

Usage: python bench/bench_startup.py [--rounds N]   (default 3)
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="clauses-bench-startup-"))
WITH_SERVER = WORK / "data-with-server"  # holds the background server's state file
WITHOUT_SERVER = WORK / "data-without-server"
os.environ["CLAUSES_DATABASE_URL"] = f"sqlite:///{WORK / 'clauses.sqlite3'}"
os.environ["CLAUSES_DATA_DIR"] = str(WITHOUT_SERVER)
os.environ["PREFECT_HOME"] = str(WORK / "client-home")
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"
os.environ.pop("PREFECT_API_URL", None)

from clauses.config import load_config  # noqa: E402
from clauses.ingest.pipeline_ingest import ingest_pipeline_file  # noqa: E402
from clauses.sample.pipeline import HEADER, pipeline_rows  # noqa: E402
from clauses.storage import Database  # noqa: E402

CLAUSES = [sys.executable, "-c", "import sys; from clauses.cli import main; sys.exit(main())"]
CORE = [sys.executable, "-c",
        "import sys; from clauses.config import load_config; from clauses.storage import Database; "
        "from clauses.ingest.pipeline_ingest import ingest_pipeline_file; "
        "print(ingest_pipeline_file(Database(), sys.argv[1], load_config()).lines()[0])"]


def write_ten_lots() -> Path:
    path = WORK / "in" / "dix-lots.csv"
    path.parent.mkdir(parents=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        writer.writerows(pipeline_rows()[:10])
    return path


def timed(command: list[str], data_dir: Path, expect: int = 0) -> float:
    env = {**os.environ, "CLAUSES_DATA_DIR": str(data_dir)}
    began = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    elapsed = time.perf_counter() - began
    if result.returncode != expect:
        sys.exit(f"{' '.join(command[3:])}: exit {result.returncode}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    path = write_ten_lots()
    missing = str(WORK / "in" / "absent.csv")
    db = Database()
    ingest_pipeline_file(db, path, load_config())  # untimed: every timed run then finds 10 unchanged lots

    began = time.perf_counter()
    timed([*CLAUSES, "server", "start"], WITH_SERVER)
    server_start = time.perf_counter() - began
    times: dict[str, list[float]] = {}
    try:
        for _ in range(args.rounds):
            for kind, command, data_dir, expect in (
                ("temporary server", [*CLAUSES, "ingest", "pipeline", str(path)], WITHOUT_SERVER, 0),
                ("background server", [*CLAUSES, "ingest", "pipeline", str(path)], WITH_SERVER, 0),
                ("core, fresh process", [*CORE, str(path)], WITHOUT_SERVER, 0),
                ("missing file, temporary server", [*CLAUSES, "ingest", "pipeline", missing], WITHOUT_SERVER, 2),
                ("missing file, background server", [*CLAUSES, "ingest", "pipeline", missing], WITH_SERVER, 2),
            ):
                times.setdefault(kind, []).append(timed(command, data_dir, expect))
            began = time.perf_counter()
            ingest_pipeline_file(db, path, load_config())
            times.setdefault("core call", []).append(time.perf_counter() - began)
    finally:
        timed([*CLAUSES, "server", "stop"], WITH_SERVER)
        db.dispose()

    median = {kind: statistics.median(values) for kind, values in times.items()}
    print(f"clauses ingest pipeline, 10 lots, {args.rounds} rounds (median seconds; all runs)")
    print(f"  background server start-up (once, not counted): {server_start:6.2f}")
    for kind, value in median.items():
        runs = " ".join(f"{v:.2f}" for v in times[kind])
        print(f"  {kind:<32} {value:7.2f}   [{runs}]")
    print("ratios")
    for slow, fast in (
        ("temporary server", "background server"),
        ("temporary server", "core, fresh process"),
        ("background server", "core, fresh process"),
        ("background server", "core call"),
        ("core, fresh process", "core call"),
        ("missing file, temporary server", "missing file, background server"),
    ):
        print(f"  {slow} / {fast}: {median[slow] / median[fast]:.1f}×")
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
