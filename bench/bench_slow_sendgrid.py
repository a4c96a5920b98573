"""Fault injection: invitations sent to a loopback SendGrid that answers some requests after the
client's timeout (it still takes them, as SendGrid does). Issue 13 found 29 of 465 invitations
delivered twice with 5 % slow answers and a 3 s timeout.

Prints, in one run: how many requests reached the server, how many messages reached it twice or
never, the ledger's states after the runs, and after SendGrid's ``processed`` events (simulated for
every message the server took): every message must be "sent" and have reached the server once.

The timings are scaled down (timeout 0.3 s, slow answers 0.6 s) to keep the run short; what matters
is only that a slow answer comes after the timeout.

Usage: python bench/bench_slow_sendgrid.py [N] [SLOW_SHARE] [SEED]   (default 465 0.05 13)
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="clauses-bench-slow-"))
os.environ["CLAUSES_DATA_DIR"] = str(WORK / "data")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

import logging  # noqa: E402

from sqlalchemy import select  # noqa: E402

from clauses.config import load_config  # noqa: E402
from clauses.messages import ledger  # noqa: E402
from clauses.messages.transports import TransportError  # noqa: E402
from clauses.messages.transports.sendgrid import SendGridTransport  # noqa: E402
from clauses.outreach.jobs import run_invitations  # noqa: E402
from clauses.storage import Database, Message  # noqa: E402
from tests import outreach_data as data  # noqa: E402
from tests.sendgrid_server import FakeSendGrid, Reply  # noqa: E402

TIMEOUT = 0.3
SLOW = 0.6
MAX_RUNS = 10


def build(database: Database, config, n: int) -> None:
    start = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(days=20)
    with database.transaction() as s:
        plan = data.reference(s, config)
        data.event(s, plan, start=start, capacity=n, target=n)
        for k in range(n):
            data.candidate(s, k)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 465
    share = float(sys.argv[2]) if len(sys.argv) > 2 else 0.05
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 13
    logging.getLogger("clauses").setLevel(logging.ERROR)
    config = load_config()
    database = Database(f"sqlite:///{WORK / 'bench.sqlite3'}")
    build(database, config, n)
    rng = random.Random(seed)
    script = [Reply(202, delay=SLOW) if rng.random() < share else Reply(202) for _ in range(4 * n)]
    slow_planned = sum(1 for r in script[:n] if r.delay)
    with FakeSendGrid() as fake:
        fake.push(*script)
        transport = SendGridTransport("SG.test", host=fake.host, timeout=TIMEOUT, max_attempts=5,
                                      backoff_base=0.01, backoff_max=0.05)
        runs = stops = unconfirmed = 0
        t0 = time.perf_counter()
        while runs < MAX_RUNS:
            runs += 1
            try:
                report = run_invitations(database, config, transport)
                unconfirmed += report.send.unconfirmed
                break
            except TransportError:
                stops += 1  # three unanswered calls in a row: the next run goes on
        wall = time.perf_counter() - t0
        fake.wait_idle()
        reached = Counter(fake.accepted_ids())
        requests = fake.requests
    with database.transaction() as s:
        states_after_runs = Counter(s.scalars(select(Message.state)))
        ids = list(s.scalars(select(Message.public_id)))
        # SendGrid's processed events, one per message it took (as the webhook would bring them).
        confirmed = ledger.reconcile_processed(s, list(reached))
        states_after_events = Counter(s.scalars(select(Message.state)))
    twice = sum(1 for c in reached.values() if c > 1)
    never = sum(1 for i in ids if i not in reached)
    print(f"messages                       {len(ids)}")
    print(f"slow answers (after timeout)   {share:.0%} planned, {slow_planned} among the first {n} requests")
    print(f"runs / stopped runs            {runs} / {stops}   ({wall:.1f} s)")
    print(f"requests to SendGrid           {requests}   ratio to messages {requests / max(len(ids), 1):.3f}")
    print(f"reached SendGrid twice         {twice}")
    print(f"never reached SendGrid         {never}")
    print(f"ledger after the runs          {dict(sorted(states_after_runs.items()))}")
    print(f"confirmed by processed events  {confirmed}")
    print(f"ledger after the events        {dict(sorted(states_after_events.items()))}")
    exactly_once = twice == 0 and never == 0 and states_after_events == Counter({"sent": len(ids)})
    print(f"exactly once                   {'yes' if exactly_once else 'NO'}")
    database.dispose()


if __name__ == "__main__":
    main()
