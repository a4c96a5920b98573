"""Benchmark: reading a year of national DECP, against a plain ``json.load`` of the same file.

The file is made from the real records of ``../shared/data/decp/`` (two 1.x publishers), repeated
with new ids until ``--records`` (default 100,000, about the 113,560 records of a national year).
Each phase runs in a fresh process (imports done first), ``--repeat`` times in turn; medians are
compared and each phase's peak memory (VmHWM) printed:

- ``json.load``: the floor;
- reader: ``clauses.readers.decp.read_decp_json`` (every record, modifications applied, dates and
  text checked), aim ≤ 2× the floor;
- read + decide + validate: ``read_pipeline`` with ``--decp-assume-clause --whole-country``;
- full command: ``ingest_pipeline_file`` with ``--skip-invalid`` into a fresh SQLite database,
  aim ≤ 5× the floor.

    python bench/bench_decp.py [--records 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import tempfile
import time
from pathlib import Path

from bench_ingest import high_water_mark_mib

DECP = Path(__file__).resolve().parents[2] / "shared" / "data" / "decp"
SOURCES = ("marches-publics.info.json", "e-marchespublics.json")


def write_big_decp(path: Path, records: int) -> None:
    real = [r for name in SOURCES for r in json.loads((DECP / name).read_text(encoding="utf-8"))["marches"]]
    out = []
    for i in range(records):
        record = dict(real[i % len(real)])
        # A prefix: the id keeps its publisher's own ending (a final two-digit number is read as a
        # modification number, and a copy must not look like a re-publication of another).
        record["id"] = f"{i // len(real)}-{record.get('id', '')}"
        out.append(record)
    path.write_text(json.dumps({"marches": out}, ensure_ascii=False), encoding="utf-8")


def _phase(phase: str, path: str, db_url: str, queue) -> None:
    from clauses.config import load_config
    from clauses.ingest.pipeline_ingest import ingest_pipeline_file, read_pipeline
    from clauses.readers.decp import read_decp_json
    from clauses.storage import Database

    config = load_config()
    started = time.perf_counter()
    if phase == "json.load":
        with open(path, encoding="utf-8") as handle:
            json.load(handle)
    elif phase == "reader":
        read_decp_json(path)
    elif phase == "read + decide + validate":
        read_pipeline(path, config, assume_clause=True, whole_country=True)
    elif phase == "full command":
        db = Database(db_url)
        ingest_pipeline_file(db, path, config, skip_invalid=True, assume_clause=True, whole_country=True)
        db.dispose()
    queue.put((time.perf_counter() - started, high_water_mark_mib()))


def run(phase: str, path: Path, folder: Path, index: int) -> tuple[float, float]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    url = f"sqlite:///{folder / f'bench-{index}.db'}"
    process = context.Process(target=_phase, args=(phase, str(path), url, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    phases = ["json.load", "reader", "read + decide + validate", "full command"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "decp-national.json"
        write_big_decp(path, args.records)
        print(f"{args.records:,} records, {path.stat().st_size / 2**20:.0f} MiB, {args.repeat} fresh process(es) per phase")
        times: dict[str, list[float]] = {p: [] for p in phases}
        peaks: dict[str, float] = {p: 0.0 for p in phases}
        index = 0
        for _ in range(args.repeat):
            for phase in phases:
                index += 1
                elapsed, peak = run(phase, path, folder, index)
                times[phase].append(elapsed)
                peaks[phase] = max(peaks[phase], peak)
        floor = statistics.median(times["json.load"])
        aims = {"reader": 2.0, "full command": 5.0}
        print(f"{'phase':<28} {'median s':>9} {'× json.load':>12} {'aim':>6} {'peak MiB':>9}")
        for phase in phases:
            median = statistics.median(times[phase])
            aim = f"≤ {aims[phase]:g}×" if phase in aims else ""
            print(f"{phase:<28} {median:9.2f} {median / floor:11.2f}× {aim:>6} {peaks[phase]:9.0f}")


if __name__ == "__main__":
    main()
