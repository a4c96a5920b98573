"""Benchmark: candidates' answers per second through the web service, against a bare endpoint.

Both servers run the same way (uvicorn in a child process, on loopback, the same SQLite database
copied from one template), and the same 50 concurrent HTTP clients (keep-alive connections) post
one answer per invitation token:

- **web service**: ``POST /r/{token}/oui`` of ``clauses.web`` (form parsing, CSRF check, token
  lookup, the event's lock, places counted, waiting list, French confirmation page);
- **bare**: a FastAPI endpoint doing the same database write with nothing around it (token lookup,
  ``BEGIN IMMEDIATE``, participation → registered, one transition row), answering ``{"ok": true}``.

Printed, in one run: answers per second of each, the ratio web ÷ bare (aim ≥ 0.5), p50 / p99
latency, and the check that nothing was lost: recorded answers == POSTs that got a 2xx.

Usage: python bench/bench_web.py [ANSWERS] [--clients 50]   (default 2000 answers)
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="clauses-bench-web-"))
os.environ["CLAUSES_DATA_DIR"] = str(WORK / "data")
os.environ["CLAUSES_WEB_SECRET"] = "bench-secret"
os.environ["CLAUSES_PUBLIC_URL"] = "http://127.0.0.1"

from sqlalchemy import func, select, text  # noqa: E402

from clauses.config import load_config  # noqa: E402
from clauses.messages import ledger, links  # noqa: E402
from clauses.outreach.participation import record_invitations  # noqa: E402
from clauses.storage import Database, Message, ParticipationTransition  # noqa: E402
from clauses.web import keys  # noqa: E402
from tests import outreach_data as data  # noqa: E402

EVENTS = 4


def build(path: Path, config, answers: int) -> list[str]:
    """Events (each with 80 % of its invitees' places: the last answers go to the waiting list),
    candidates invited, one token per invitation. Returns the tokens."""
    db = Database(f"sqlite:///{path}")
    start = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(days=20)
    per_event = answers // EVENTS
    tokens = []
    with db.transaction() as session:
        plan = data.reference(session, config)
        for e in range(EVENTS):
            event = data.event(session, plan, start=start + dt.timedelta(days=e), capacity=int(per_event * 0.8))
            people = [data.candidate(session, e * per_event + k).id for k in range(per_event)]
            record_invitations(session, event_id=event.id, candidate_ids=people)
            ledger.enqueue(session, [ledger.Planned(candidate_id=c, event_id=event.id, kind="invitation") for c in people],
                           transport="file")
        ids = list(session.scalars(select(Message.id).order_by(Message.id)))
        tokens = list(links.mint(session, ids).values())
        session.execute(text("UPDATE messages SET state = 'sent'"))
    db.dispose()
    return tokens


def bare_app(database: Database):
    from fastapi import FastAPI

    app = FastAPI()

    @app.post("/bare/{token}")
    def bare(token: str):
        with database.transaction() as session:
            connection = session.connection()
            row = connection.execute(text(
                "SELECT p.id, p.status FROM message_tokens t JOIN messages m ON m.id = t.message_id "
                "JOIN participations p ON p.candidate_id = m.candidate_id AND p.event_id = m.event_id "
                "WHERE t.token_hash = :h"), {"h": links.token_hash(token)}).first()
            connection.exec_driver_sql("BEGIN IMMEDIATE")  # as the web service: read, then lock, then write
            now = dt.datetime.now(dt.timezone.utc)
            connection.execute(text("UPDATE participations SET status = 'registered', status_at = :now WHERE id = :id"),
                               {"now": now, "id": row.id})
            connection.execute(text("INSERT INTO participation_transitions (participation_id, from_status, to_status, origin, at) "
                                    "VALUES (:id, :f, 'registered', 'web', :now)"), {"id": row.id, "f": row.status, "now": now})
        return {"ok": True}

    return app


def serve(kind: str, url: str, port_queue) -> None:
    from clauses.web import WebServer, create_app

    database = Database(url, migrate=False)
    app = create_app(load_config(), database, send_offers=False) if kind == "web" else bare_app(database)
    server = WebServer(app, port=0, log_level="error")
    port_queue.put(server.port)
    server.run()


async def hammer(base: str, kind: str, tokens: list[str], clients: int) -> tuple[float, list[float], int, int]:
    import httpx

    queue: asyncio.Queue[str] = asyncio.Queue()
    for token in tokens:
        queue.put_nowait(token)
    latencies: list[float] = []
    ok = failed = 0

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal ok, failed
        while True:
            try:
                token = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            if kind == "web":
                url, form = f"{base}/r/{token}/oui", {"csrf": keys.csrf_token(token, "oui")}
            else:
                url, form = f"{base}/bare/{token}", {}
            began = time.perf_counter()
            try:
                response = await http.post(url, data=form)
                good = 200 <= response.status_code < 300
            except httpx.HTTPError:
                good = False
            latencies.append(time.perf_counter() - began)
            ok, failed = ok + good, failed + (not good)

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(limits=limits, timeout=120) as http:
        began = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        elapsed = time.perf_counter() - began
    return elapsed, latencies, ok, failed


def recorded(url: str) -> int:
    db = Database(url, migrate=False)
    with db.transaction() as session:
        count = session.scalar(select(func.count()).select_from(ParticipationTransition)
                               .where(ParticipationTransition.origin == "web"))
    db.dispose()
    return count


def run(kind: str, template: Path, tokens: list[str], clients: int) -> dict:
    path = WORK / f"{kind}.sqlite3"
    shutil.copyfile(template, path)
    url = f"sqlite:///{path}"
    ports = multiprocessing.Queue()
    process = multiprocessing.Process(target=serve, args=(kind, url, ports), daemon=True)
    process.start()
    port = ports.get(timeout=120)
    base = f"http://127.0.0.1:{port}"
    _, _, warm_ok, warm_failed = asyncio.run(hammer(base, kind, tokens[:clients], clients))  # warm-up
    elapsed, latencies, ok, failed = asyncio.run(hammer(base, kind, tokens[clients:], clients))
    process.terminate()
    process.join(10)
    latencies.sort()
    return {
        "rate": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "ok": ok + warm_ok, "failed": failed + warm_failed, "recorded": recorded(url),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("answers", nargs="?", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=50)
    args = parser.parse_args()
    config = load_config()
    template = WORK / "template.sqlite3"
    tokens = build(template, config, args.answers)
    print(f"{len(tokens)} invitations in {EVENTS} events (places for 80 %), {args.clients} concurrent clients, "
          f"SQLite, one uvicorn process each")
    results = {kind: run(kind, template, tokens, args.clients) for kind in ("bare", "web")}
    print(f"{'endpoint':<12}{'answers/s':>12}{'p50 ms':>10}{'p99 ms':>10}{'2xx':>8}{'recorded':>10}{'failed':>8}")
    for kind, r in results.items():
        print(f"{kind:<12}{r['rate']:>12.1f}{r['p50']:>10.1f}{r['p99']:>10.1f}{r['ok']:>8}{r['recorded']:>10}{r['failed']:>8}")
    ratio = results["web"]["rate"] / results["bare"]["rate"]
    print(f"web ÷ bare: {ratio:.2f} (aim ≥ 0.5): {'met' if ratio >= 0.5 else 'NOT met'}")
    for kind, r in results.items():
        print(f"{kind}: nothing lost (recorded answers == 2xx POSTs): {'yes' if r['recorded'] == r['ok'] else 'NO'}")
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
