"""Benchmark: ingesting a 100,000-lot pipeline CSV, against pandas.read_csv of the same file.

Prints, from one run: wall times, the ratio of our read+validate to pandas.read_csv (aim ≤ 3×), the
ratio of the full ingestion (read, validate, store in a fresh SQLite database) to pandas.read_csv,
the re-ingestion of the same file (nothing changes), and the peak memory (max RSS) of a fresh
process doing each phase. Timings are taken without memory tracing (tracemalloc slows Python-level
allocation by several times and would distort the ratios).

pandas.read_csv and read + validate are each timed as a coordinator's command meets them: the first
file read by a fresh process (imports done), in ``--repeat`` pairs of fresh processes taken in turn;
the medians are compared. On a shared 2-core machine a single pair of runs varies by ±25 %, and a
read timed after another in the same process gains from the memory the first one left.

    python bench/bench_ingest.py [--lots 100000] [--repeat 9]
"""

from __future__ import annotations

import argparse
import csv
import gc
import multiprocessing
import resource
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from rich.progress import track

from clauses.config import load_config
from clauses.ingest.pipeline_ingest import ingest_pipeline_file, read_pipeline
from clauses.sample.pipeline import HEADER, pipeline_rows
from clauses.storage import Database


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


def measure(label: str, fn):
    gc.collect()
    started = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - started
    print(f"{label:<44} {elapsed:8.2f} s")
    return result, elapsed


def _phase_in_child(phase: str, path: str, db_url: str, queue) -> None:
    config = load_config()
    gc.collect()
    started = time.perf_counter()
    if phase == "pandas":
        pd.read_csv(path, sep=";", encoding="utf-8-sig")
    elif phase == "validate":
        read_pipeline(path, config)
    elif phase == "ingest":
        db = Database(db_url)
        ingest_pipeline_file(db, path, config)
        db.dispose()
    queue.put((time.perf_counter() - started, high_water_mark_mib()))


def high_water_mark_mib() -> float:
    """Peak resident memory of this process (VmHWM: unlike ru_maxrss, not inherited across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lots", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=9, help="pairs of fresh processes timing pandas.read_csv and read + validate")
    args = parser.parse_args()
    config = load_config()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "pipeline.csv"
        write_big_pipeline(path, args.lots)
        size = path.stat().st_size / 2**20
        print(f"file: {args.lots:,} lots, {size:.1f} MiB, French CSV (; separator, decimal comma, dd/mm/yyyy)")
        validated = read_pipeline(path, config)
        assert not validated.problems, validated.problems[:3]
        cold = {"pandas": [], "validate": []}
        for _ in track(range(args.repeat), description="timing fresh processes", transient=True):
            for phase, times in cold.items():
                times.append(in_fresh_process(phase, path)[0])
        t_pandas, t_read = statistics.median(cold["pandas"]), statistics.median(cold["validate"])
        pair_ratios = [read / pandas for pandas, read in zip(cold["pandas"], cold["validate"])]
        for label, times in (("pandas.read_csv (floor)", cold["pandas"]), ("clauses: read + validate + compute hours", cold["validate"])):
            print(f"{label:<44} {statistics.median(times):8.2f} s   (median of {args.repeat} fresh processes, {min(times):.2f}–{max(times):.2f})")
        db = Database(f"sqlite:///{folder / 'bench.sqlite3'}")
        result, t_full = measure("clauses: full ingestion into SQLite", lambda: ingest_pipeline_file(db, path, config))
        again, t_again = measure("clauses: re-ingestion of the same file", lambda: ingest_pipeline_file(db, path, config))
        db.dispose()
        assert result.created == args.lots and again.unchanged == args.lots
        print()
        print("peak memory (peak RSS of a fresh process, imports included):")
        baseline = in_fresh_process("imports", path)[1]
        for phase, label in (("pandas", "pandas.read_csv"), ("validate", "read + validate"), ("ingest", "full ingestion")):
            rss = in_fresh_process(phase, path, f"sqlite:///{folder / f'mem-{phase}.sqlite3'}")[1]
            print(f"  {label:<20} {rss:8.1f} MiB   ({rss - baseline:+.1f} MiB over the imports alone)")
        print()
        print(
            f"read + validate / pandas.read_csv   {t_read / t_pandas:6.2f}×   (aim ≤ 3×; pair by pair"
            f" {min(pair_ratios):.2f}–{max(pair_ratios):.2f}×, median {statistics.median(pair_ratios):.2f}×)"
        )
        print(f"full ingestion / pandas.read_csv    {t_full / t_pandas:6.2f}×   (includes writing {args.lots:,} lots to SQLite)")
        print(f"re-ingestion / pandas.read_csv      {t_again / t_pandas:6.2f}×   (nothing written)")
        print(f"throughput: {args.lots / t_full:,.0f} lots/s stored, {args.lots / t_read:,.0f} lots/s validated")


if __name__ == "__main__":
    main()
