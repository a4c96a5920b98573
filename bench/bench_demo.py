"""Benchmark: the demo's wall time split by step, and Prefect's share of it, in one run.

The same steps as ``flows/demo.py`` run twice in this process, each time on a fresh SQLite database
and data folder, on the same sample data:

1. through Prefect, as the demo runs them: each job a sub-flow of a parent flow (the approve and
   attendance-sheet steps are the demo's own tasks), on Prefect's ephemeral local server, with
   Prefect's defaults (heartbeats, logs sent to the server, artifacts);
2. without Prefect: the core functions the flows' tasks call, with the same parameters and the same
   per-task work (configuration loaded, database opened), without the artifacts.

Prefect's fixed costs are measured apart, first: ``import prefect`` (after the core's own imports)
and the first trivial flow (ephemeral server start-up), then a second trivial flow (the cost of one
flow run once the server is up).

First-use costs belong to neither side (the first run paid ~7 s more in the forecast's chart
alone: matplotlib's fonts, Babel's locale data…): every module is imported beforehand, the core
steps run once untimed on a throwaway database (planner limit 1), and the core's ``functools``
caches (compiled templates…) are cleared before each timed run. ``--no-warm-up`` skips the warm-up.

Usage: python bench/bench_demo.py [--time-limit SECONDS] [--core-first] [--no-warm-up]
  --time-limit: the planner's (deterministic) time limit, passed to both runs; default: the
                configuration's ``solver_time_limit_seconds``, as in the demo.
  --core-first: run the core first (default: Prefect first).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import os
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="clauses-bench-demo-"))
SIDES = {"prefect": WORK / "with-prefect", "core": WORK / "without-prefect", "warm-up": WORK / "warm-up"}
os.environ["PREFECT_HOME"] = str(WORK / "prefect-home")
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")


def use_side(side: str) -> None:
    """Point the project's settings at one run's fresh data folder and SQLite database."""
    folder = SIDES[side]
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["CLAUSES_DATA_DIR"] = str(folder / "data")
    os.environ["CLAUSES_DATABASE_URL"] = f"sqlite:///{folder / 'clauses.sqlite3'}"


use_side("prefect")

# The core, imported (and its numba kernels loaded) before anything is timed.
from sqlalchemy import func, select  # noqa: E402

from clauses import settings  # noqa: E402
from clauses.config import load_config  # noqa: E402
from clauses.forecast.charts import fan_chart  # noqa: E402, F401  (imported lazily by write_forecast_files)
from clauses.forecast.engine import finish, plan_chunks, simulation_spec  # noqa: E402
from clauses.forecast.export import write_forecast_files  # noqa: E402
from clauses.forecast.inputs import prepare, read_lots  # noqa: E402
from clauses.forecast.parameters import ForecastParameters  # noqa: E402
from clauses.forecast.simulation import simulate_chunk  # noqa: E402
from clauses.forecast.snapshot import save_snapshot  # noqa: E402
from clauses.inbound.attendance import record_attendance as record_sheet  # noqa: E402
from clauses.ingest.candidates import import_candidates_file  # noqa: E402
from clauses.ingest.pipeline_ingest import read_pipeline, store_pipeline  # noqa: E402
from clauses.ingest.results import file_sha256  # noqa: E402
from clauses.messages.dispatch import SendReport, pending_ids, recover, send_messages  # noqa: E402
from clauses.messages.transports import make_transport  # noqa: E402
from clauses.messages.transports.file import FileTransport  # noqa: E402, F401  (imported lazily by make_transport)
from clauses.outreach.followups import FOLLOWUP_KINDS  # noqa: E402
from clauses.outreach.jobs import batches, plan_followup_messages, plan_invitations  # noqa: E402
from clauses.planning.approval import approve_plan  # noqa: E402
from clauses.planning.charts import gantt  # noqa: E402, F401  (its matplotlib imports are lazy)
from clauses.planning.service import load_need, run_planning, write_plan_outputs  # noqa: E402
from clauses.reporting import build_report, write_report_files  # noqa: E402
from clauses.retention import apply_retention as apply_retention_core  # noqa: E402
from clauses.sample import write_candidates, write_pipeline  # noqa: E402
from clauses.sample.history import seed_history, write_attendance_sheet  # noqa: E402
from clauses.storage import Database  # noqa: E402
from clauses.storage.candidates import Candidate  # noqa: E402
from clauses.storage.forecast import ForecastRow  # noqa: E402
from clauses.storage.outreach import Message, Participation  # noqa: E402
from clauses.storage.pipeline import Lot  # noqa: E402
from clauses.storage.planning import Event  # noqa: E402
import matplotlib.lines  # noqa: E402, F401
import matplotlib.patches  # noqa: E402, F401

t0 = time.perf_counter()
from prefect import flow  # noqa: E402

from flows.apply_retention import apply_retention  # noqa: E402
from flows.demo import approve, attendance_sheet  # noqa: E402
from flows.forecast_labour_needs import forecast_labour_needs  # noqa: E402
from flows.import_candidates import import_candidates  # noqa: E402
from flows.ingest_pipeline import ingest_pipeline  # noqa: E402
from flows.plan_events import plan_events  # noqa: E402
from flows.record_attendance import record_attendance  # noqa: E402
from flows.report_outcomes import report_outcomes  # noqa: E402
from flows.send_followups import send_followups  # noqa: E402
from flows.send_invitations import send_invitations  # noqa: E402

PREFECT_IMPORT_SECONDS = time.perf_counter() - t0

BATCH_SIZE = 500  # the flows' default


# --- Without Prefect: what each flow's tasks do, calling the core directly ------------------------


@contextmanager
def opened_database():
    """A task's database: opened (schema checked) at its start, disposed at its end."""
    database = Database()
    try:
        yield database
    finally:
        database.dispose()


def write_samples(ctx: dict) -> list[str]:
    """The demo's first lines (in the demo flow's body, no task): the sample files."""
    folder = settings.output_dir("demo")
    ctx["folder"] = folder
    ctx["pipeline_file"] = write_pipeline(folder)
    ctx["candidates_file"] = write_candidates(folder)
    return [str(ctx["pipeline_file"]), str(ctx["candidates_file"])]


def core_ingest_pipeline(ctx: dict) -> list[dict]:
    path = Path(ctx["pipeline_file"])
    validated = read_pipeline(path, load_config(), assume_clause=False, whole_country=False)
    result = store_pipeline(Database(), validated, load_config(), sha256=file_sha256(path), skip_invalid=False)
    return [result.as_dict()]


def core_import_candidates(ctx: dict) -> dict:
    path = Path(ctx["candidates_file"])
    return import_candidates_file(Database(), path, load_config(), default_source=None, skip_invalid=False).as_dict()


def core_forecast(ctx: dict) -> dict:
    config = load_config()
    fc = config.forecast
    params = ForecastParameters.from_config(config)
    params.check()
    with opened_database() as database, database.transaction() as session:
        lots = read_lots(session)
    prepared = prepare(lots, load_config(), params)
    spec = simulation_spec(prepared, config, params)
    chunks = plan_chunks(len(prepared.lots), fc.chunk_lots)
    parts = [simulate_chunk(prepared.lots.slice(c.start, c.stop), c.first_block, spec) for c in chunks]
    result = finish(prepared, spec, parts, load_config(), params)
    with opened_database() as database, database.transaction() as session:
        snapshot = save_snapshot(session, result)
        snapshot_id, changes = snapshot.id, snapshot.changes
    labels = {t.key: t.label for t in config.trades}
    files, _ = write_forecast_files(result, snapshot_id, changes, labels, settings.output_dir("forecasts"))
    return {"snapshot_id": snapshot_id, "lots_used": result.lot_count, "chunks": len(chunks), "files": files}


def core_plan(ctx: dict) -> dict:
    config = load_config()
    with opened_database() as database, database.transaction() as session:
        need, found_id = load_need(session, None, "p50")
        plan, result = run_planning(session, config, need, start=None, quantile="p50", snapshot_id=found_id,
                                    time_limit=ctx["time_limit"])
        outputs = write_plan_outputs(config, plan, result, settings.output_dir("plans"))
        outputs["markdown"].read_text(encoding="utf-8")
        return {"plan_id": plan.id, "status": result.status, "events": result.counts(), "on_time": result.on_time,
                "need": result.need}


def core_approve(ctx: dict) -> None:
    with Database().transaction() as session:
        approve_plan(session, ctx["plan_events"]["plan_id"], by="démonstration", note="approuvé par la démonstration")


def core_send(kinds: list[str]) -> dict:
    """``settle``, ``list_pending`` and one ``send_batch`` per batch, as in ``flows/outreach_common.py``."""
    config = load_config()
    with opened_database() as database:
        recovered = recover(database, config, make_transport(config, outbox=None))
    with opened_database() as database:
        ids = pending_ids(database, kinds=kinds)
    total = SendReport()
    for batch in batches(ids, BATCH_SIZE):
        config = load_config()
        with opened_database() as database:
            total.merge(send_messages(database, config, make_transport(config, outbox=None), batch))
    return {"recovered": recovered, **asdict(total)}


def core_send_invitations(ctx: dict) -> dict:
    config = load_config()
    with opened_database() as database:
        planned = plan_invitations(database, config, event_ids=None, transport=config.messaging.transport).as_dict()
    return {"planned": planned["planned"], "events": len(planned["events"]), **core_send(["invitation"])}


def core_attendance_sheet(ctx: dict) -> Path:
    database, config = Database(), load_config()
    with database.transaction() as session:
        event_ids = seed_history(session, config, ctx["today"])
    with database.transaction() as session:
        return write_attendance_sheet(session, event_ids, ctx["folder"])


def core_record_attendance(ctx: dict) -> dict:
    with opened_database() as database:
        return record_sheet(database, Path(ctx["attendance_sheet"]), skip_invalid=False, default_status=None,
                            default_source=None).as_dict()


def core_send_followups(ctx: dict) -> dict:
    config = load_config()
    with opened_database() as database:
        planned = plan_followup_messages(database, config, transport=config.messaging.transport).planned
    return {"planned": planned, **core_send(list(FOLLOWUP_KINDS))}


def core_report(ctx: dict) -> dict:
    with opened_database() as database, database.transaction() as session:
        report = build_report(session, load_config(), include_names=False)
    files = write_report_files(report, settings.output_dir("reports"))
    return {**report.summary(), "files": files}


def core_retention(ctx: dict) -> dict:
    with opened_database() as database, database.transaction() as session:
        result = apply_retention_core(session, load_config(), mode=None, inactive_months=None, dry_run=True)
    return result.as_dict()


# --- The steps: (name, through Prefect as the demo calls it, without Prefect) ---------------------
# ``write_samples`` is the demo flow's own body (no task), ``approve`` and ``attendance_sheet`` are
# the demo's two tasks, the others its sub-flows; ``apply_retention`` runs with ``dry_run=True``.
# Each result is kept in the context under the step's name, for the steps after it.


@dataclass(frozen=True)
class Step:
    name: str
    with_prefect: Callable[[dict], object]
    without_prefect: Callable[[dict], object]


STEPS = [
    Step("write_samples", write_samples, write_samples),
    Step("ingest_pipeline", lambda c: ingest_pipeline(path=str(c["pipeline_file"])), core_ingest_pipeline),
    Step("import_candidates", lambda c: import_candidates(path=str(c["candidates_file"])), core_import_candidates),
    Step("forecast_labour_needs", lambda c: forecast_labour_needs(), core_forecast),
    Step("plan_events", lambda c: plan_events(time_limit_seconds=c["time_limit"]), core_plan),
    Step("approve", lambda c: approve(c["plan_events"]["plan_id"]), core_approve),
    Step("send_invitations", lambda c: send_invitations(), core_send_invitations),
    Step("attendance_sheet", lambda c: attendance_sheet(c["folder"], c["today"]), core_attendance_sheet),
    Step("record_attendance", lambda c: record_attendance(path=str(c["attendance_sheet"])), core_record_attendance),
    Step("send_followups", lambda c: send_followups(), core_send_followups),
    Step("report_outcomes", lambda c: report_outcomes(), core_report),
    Step("apply_retention", lambda c: apply_retention(dry_run=True), core_retention),
]


def run_steps(ctx: dict, side: str) -> dict[str, float]:
    """Run every step of one side in order; each result is kept in ``ctx`` under the step's name."""
    seconds = {}
    for step in STEPS:
        print(f"  [{side}] {step.name} …", flush=True)
        call = step.with_prefect if side == "prefect" else step.without_prefect
        t0 = time.perf_counter()
        ctx[step.name] = call(ctx)
        seconds[step.name] = time.perf_counter() - t0
        print(f"  [{side}] {step.name}: {seconds[step.name]:.2f} s", flush=True)
    return seconds


@flow(name="demo-bench")
def demo_through_prefect(time_limit: float | None, today: dt.date) -> dict[str, float]:
    """The demo flow's sequence, each step timed inside the parent flow run."""
    return run_steps({"time_limit": time_limit, "today": today}, "prefect")


@flow(name="empty")
def empty_flow() -> None:
    return None


# --- Measuring -------------------------------------------------------------------------------------


def clear_core_caches() -> None:
    for name, module in list(sys.modules.items()):
        if name.startswith("clauses") and module is not None:
            for value in list(vars(module).values()):
                if isinstance(value, functools._lru_cache_wrapper):
                    value.cache_clear()


def run_side(side: str, time_limit: float | None, today: dt.date) -> tuple[dict[str, float], float]:
    print(f"\n=== {'with Prefect' if side == 'prefect' else 'without Prefect'} ===", flush=True)
    use_side(side)
    clear_core_caches()
    t0 = time.perf_counter()
    if side == "prefect":
        seconds = demo_through_prefect(time_limit, today)
    else:
        seconds = run_steps({"time_limit": time_limit, "today": today}, "core")
    return seconds, time.perf_counter() - t0


def counts(side: str) -> dict[str, int]:
    database = Database(f"sqlite:///{SIDES[side] / 'clauses.sqlite3'}", migrate=False)
    queries = {
        "lots": select(func.count()).select_from(Lot),
        "candidates": select(func.count()).select_from(Candidate),
        "forecast rows": select(func.count()).select_from(ForecastRow),
        "events": select(func.count()).select_from(Event),
        "messages sent": select(func.count()).select_from(Message).where(Message.state == "sent"),
        "participations": select(func.count()).select_from(Participation),
    }
    try:
        with database.transaction() as session:
            return {name: session.scalar(query) for name, query in queries.items()}
    finally:
        database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=None, help="planner time limit for both runs")
    parser.add_argument("--core-first", action="store_true", help="run the core before the Prefect run")
    parser.add_argument("--no-warm-up", action="store_true", help="skip the untimed warm-up run of the core")
    args = parser.parse_args()
    today = dt.date.today()
    limit = args.time_limit if args.time_limit is not None else load_config().planning.solver_time_limit_seconds
    print(f"work folder: {WORK}\nplanner time limit: {limit} (both runs)", flush=True)

    if not args.no_warm_up:
        print("\n=== warm-up (core, untimed) ===", flush=True)
        use_side("warm-up")
        t0 = time.perf_counter()
        run_steps({"time_limit": 1.0, "today": today}, "warm-up")
        print(f"warm-up: {time.perf_counter() - t0:.2f} s", flush=True)

    print("\n=== Prefect start-up ===", flush=True)
    t0 = time.perf_counter()
    empty_flow()
    first_flow = time.perf_counter() - t0
    t0 = time.perf_counter()
    empty_flow()
    next_flow = time.perf_counter() - t0

    order = ["core", "prefect"] if args.core_first else ["prefect", "core"]
    results = {side: run_side(side, args.time_limit, today) for side in order}
    (with_steps, with_total), (core_steps, core_total) = results["prefect"], results["core"]

    print(f"\n{'step':<28} {'with Prefect':>13} {'without':>9} {'difference':>11}")
    for step in STEPS:
        a, b = with_steps[step.name], core_steps[step.name]
        print(f"{step.name:<28} {a:>11.2f} s {b:>7.2f} s {a - b:>9.2f} s")
    outside = with_total - sum(with_steps.values())
    print(f"{'demo flow run itself':<28} {outside:>11.2f} s {0:>7.2f} s {outside:>9.2f} s")
    print(f"{'total':<28} {with_total:>11.2f} s {core_total:>7.2f} s {with_total - core_total:>9.2f} s")
    print(f"\nPrefect's share of the demo's run: 1 − core/flow = {1 - core_total / with_total:.1%}")
    plan_name = "plan_events"
    rest_with, rest_core = with_total - with_steps[plan_name], core_total - core_steps[plan_name]
    print(f"  without the planner step:          {1 - rest_core / rest_with:.1%}"
          f"  ({rest_with:.2f} s with, {rest_core:.2f} s without)")
    print("Prefect start-up, paid once per process before the demo (not in the totals):")
    print(f"  import prefect and the flows (after the core's imports): {PREFECT_IMPORT_SECONDS:.2f} s")
    print(f"  first empty flow (ephemeral server start):               {first_flow:.2f} s")
    print(f"  next empty flow (one flow run, server up):               {next_flow:.2f} s")
    total_user = PREFECT_IMPORT_SECONDS + first_flow + with_total
    print(f"  with start-up, Prefect's share: 1 − {core_total:.2f} / {total_user:.2f} = {1 - core_total / total_user:.1%}")

    print("\nsanity check: what each run left in its database")
    with_counts, core_counts = counts("prefect"), counts("core")
    print(f"{'':<16} {'with Prefect':>13} {'without':>9}")
    for name in with_counts:
        mark = "" if with_counts[name] == core_counts[name] else "   <-- DIFFERENT"
        print(f"{name:<16} {with_counts[name]:>13} {core_counts[name]:>9}{mark}")
    same = with_counts == core_counts
    print("same counts: " + ("yes" if same else "NO"))
    print(f"(work folder left for inspection: {WORK})")
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
