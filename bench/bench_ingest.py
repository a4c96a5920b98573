"""Benchmark: ingesting a pipeline CSV of LOTS lots (default 100,000), against the floor.

The floor is a plain ``pandas.read_csv(path, sep=";", encoding="utf-8-sig")`` of the same file:
pandas' default settings otherwise (its C parser, its default str columns), in a fresh process
that imported the same modules as the others. The file is written as French offices export it
(``;`` separator, BOM, decimal comma, amounts with spaces as thousands separators, dd/mm/yyyy).

Every phase runs in a fresh (spawned) process, imports done first, and reports its wall time and
its peak resident memory (VmHWM, imports included: what the machine must have free):

- ``pandas.read_csv``: the floor;
- read + validate: ``read_pipeline`` (read, type and check every cell, compute hours,
  fingerprint), aims ≤ 3× the floor's time and ≤ 1.5× its peak memory;
- full ingestion: ``ingest_pipeline_file`` into a fresh SQLite database (for information);
- re-ingestion of the same file into that database (nothing written; for information).

The floor and read + validate are run ``--repeat`` times in pairs taken in turn (on a shared
2-core machine a single pair varies by ±25 %): medians are compared, and the ratios of the best
and worst pairs printed. A read timed after another in the same process would gain from the
memory the first one left: hence the fresh processes.

    python bench/bench_ingest.py [LOTS] [--repeat 5] [--ingest-repeat 2]
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from rich.progress import track

from clauses.sample.pipeline import HEADER, pipeline_rows


def write_big_pipeline(path: Path, lots: int) -> None:
    """Repeat the sample's rows with new ids and shifted dates until ``lots`` rows are written."""
    base = pipeline_rows()
    rng = np.random.default_rng(0)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        for i in range(lots):
            row = list(base[i % len(base)])
            row[0] = f"{row[0]}-{i // len(base)}"
            row[4] = f"{row[4]}-{i}"
            day, month, year = row[8].split("/")
            row[8] = f"{day}/{month}/{int(year) + int(rng.integers(0, 3))}"
            writer.writerow(row)


def high_water_mark_mib() -> float:
    """Peak resident memory of this process (VmHWM: unlike ru_maxrss, not inherited across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _phase_in_child(phase: str, path: str, db_url: str, queue) -> None:
    import gc

    import pandas as pd

    from clauses.config import load_config
    from clauses.ingest.pipeline_ingest import ingest_pipeline_file, read_pipeline
    from clauses.storage import Database

    config = load_config()
    db = Database(db_url) if phase in ("ingest", "re-ingest") else None
    gc.collect()
    started = time.perf_counter()
    if phase == "pandas":
        pd.read_csv(path, sep=";", encoding="utf-8-sig")
    elif phase == "validate":
        validated = read_pipeline(path, config)
        assert not validated.problems, validated.problems[:3]
    elif phase in ("ingest", "re-ingest"):
        result = ingest_pipeline_file(db, path, config)
        assert (result.created if phase == "ingest" else result.unchanged) > 0, result
    elapsed = time.perf_counter() - started
    if db is not None:
        db.dispose()
    queue.put((elapsed, high_water_mark_mib()))


def in_fresh_process(phase: str, path: Path, db_url: str = "") -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB, imports included) of a fresh (spawned) process that imports
    the project and does ``phase`` ("imports" does nothing more)."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_phase_in_child, args=(phase, str(path), db_url, queue))
    process.start()
    value = queue.get()
    process.join()
    return value


def _spread(values: list[float], unit: str, digits: int) -> str:
    return f"{statistics.median(values):8.{digits}f} {unit}  ({min(values):.{digits}f}–{max(values):.{digits}f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lots", type=int, nargs="?", default=100_000, help="lots in the file (default 100000)")
    parser.add_argument("--repeat", type=int, default=5, help="pairs of fresh processes timing the floor and read + validate")
    parser.add_argument("--ingest-repeat", type=int, default=2, help="full ingestions, each into a fresh database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "pipeline.csv"
        write_big_pipeline(path, args.lots)
        size = path.stat().st_size / 2**20
        print(f"file: {args.lots:,} lots, {size:.1f} MiB, French CSV (; separator, BOM, decimal comma, dd/mm/yyyy)")
        print(f"load before: {' '.join(f'{load:.2f}' for load in os.getloadavg())} (1, 5, 15 min; {os.cpu_count()} cores)")
        runs: dict[str, list[tuple[float, float]]] = {"pandas": [], "validate": []}
        for _ in track(range(args.repeat), description="floor and read + validate", transient=True):
            for phase, results in runs.items():
                results.append(in_fresh_process(phase, path))
        for i in track(range(args.ingest_repeat), description="full ingestion", transient=True):
            runs.setdefault("ingest", []).append(in_fresh_process("ingest", path, f"sqlite:///{folder / f'bench-{i}.sqlite3'}"))
        if args.ingest_repeat:
            runs["re-ingest"] = [in_fresh_process("re-ingest", path, f"sqlite:///{folder / 'bench-0.sqlite3'}")]
        imports = in_fresh_process("imports", path)[1]
        print(f"load after:  {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
        print()
        print(f"{'fresh process, median (range)':<34} {'wall time':>24}   {'peak memory (VmHWM)':>26}")
        labels = {
            "pandas": "pandas.read_csv (floor)",
            "validate": "read + validate",
            "ingest": "full ingestion into SQLite",
            "re-ingest": "re-ingestion (nothing written)",
        }
        for phase, results in runs.items():
            seconds, peaks = [s for s, _ in results], [p for _, p in results]
            print(f"{labels[phase]:<34} {_spread(seconds, 's', 2):>24}   {_spread(peaks, 'MiB', 0):>26}  ×{len(results)}")
        print(f"{'imports alone':<34} {'':>24}   {imports:8.0f} MiB")
        print()
        floor_s = statistics.median(s for s, _ in runs["pandas"])
        floor_mib = statistics.median(p for _, p in runs["pandas"])
        pair_times = [v[0] / p[0] for p, v in zip(runs["pandas"], runs["validate"])]
        pair_peaks = [v[1] / p[1] for p, v in zip(runs["pandas"], runs["validate"])]
        read_s = statistics.median(s for s, _ in runs["validate"])
        read_mib = statistics.median(p for _, p in runs["validate"])
        print(
            f"read + validate / floor, time     {read_s / floor_s:5.2f}×   (aim ≤ 3×; pair by pair best {min(pair_times):.2f}×, worst {max(pair_times):.2f}×)"
        )
        print(
            f"read + validate / floor, peak     {read_mib / floor_mib:5.2f}×   (aim ≤ 1.5×; pair by pair best {min(pair_peaks):.2f}×, worst {max(pair_peaks):.2f}×;"
            f" over the imports alone {(read_mib - imports) / (floor_mib - imports):.2f}×)"
        )
        if "ingest" in runs:
            ingest_s = statistics.median(s for s, _ in runs["ingest"])
            ingest_mib = statistics.median(p for _, p in runs["ingest"])
            print(f"full ingestion / floor, time      {ingest_s / floor_s:5.2f}×   ({args.lots / ingest_s:,.0f} lots/s stored; for information)")
            print(f"full ingestion / floor, peak      {ingest_mib / floor_mib:5.2f}×   (for information)")


if __name__ == "__main__":
    main()
