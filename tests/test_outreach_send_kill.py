"""Kill the sending process at random points of a 1,000-message run, re-run until done: the loopback
SendGrid received every message exactly once (the ambiguous ones are settled by the documented rule:
a simulated ``processed`` event when SendGrid got it, a release when it did not)."""

from __future__ import annotations

import collections
import datetime as dt
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from clauses.messages import ledger
from clauses.outreach.selection import select_invitations
from clauses.storage.outreach import Message
from tests import outreach_data as data
from tests.sendgrid_server import FakeSendGrid

ROOT = Path(__file__).resolve().parent.parent
N = 1000
CHILD = textwrap.dedent(
    """
    import sys
    from clauses.config import load_config
    from clauses.messages.dispatch import send_pending
    from clauses.messages.transports.sendgrid import SendGridTransport
    from clauses.storage import Database

    url, host = sys.argv[1], sys.argv[2]
    database = Database(url, migrate=False)
    transport = SendGridTransport("SG.test", host=host, timeout=5, max_attempts=3, backoff_base=0.01)
    print("ready", flush=True)
    report = send_pending(database, load_config(), transport)
    print("sent", report.sent, flush=True)
    """
)


def _run_child(script: Path, url: str, host: str, kill_when: Callable[[], bool] | None) -> bool:
    """Run one sending process; kill it as soon as ``kill_when()`` is true. True if it finished by
    itself."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, str(script), url, host], stdout=subprocess.PIPE, env=env, cwd=ROOT)
    assert process.stdout.readline().strip() == b"ready"
    if kill_when is None:
        out, _ = process.communicate(timeout=120)
        assert process.returncode == 0, out
        return True
    while process.poll() is None and not kill_when():
        time.sleep(0.002)
    if process.poll() is not None:
        process.communicate()
        assert process.returncode == 0
        return True
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    process.stdout.close()
    return False


def test_killed_runs_send_each_message_exactly_once(db, database_url, config, tmp_path):
    with db.transaction() as s:
        plan = data.reference(s, config)
        data.event(s, plan, start=dt.datetime(2026, 6, 16, 9, tzinfo=data.PARIS), capacity=400, target=N)
        for n in range(N):
            data.candidate(s, n)
    with db.transaction() as s:
        [selection] = select_invitations(s, config, now=dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc), transport="sendgrid")
    assert len(selection.invited) == N
    script = tmp_path / "send_child.py"
    script.write_text(CHILD)
    # Each run is killed once SendGrid has received a number of messages drawn at random (by
    # progress, not by time: a fast machine would otherwise finish before most kills).
    rng = random.Random(20260302)
    targets = sorted(rng.sample(range(N // 20, N - N // 20), 5))
    kills = 0
    with FakeSendGrid() as fake:
        for target in targets:
            if _run_child(script, database_url, fake.host, kill_when=lambda: fake.accepted_count() >= target):
                break
            kills += 1
        else:
            _run_child(script, database_url, fake.host, kill_when=None)
        # Settle the ambiguous rows by the documented rule.
        received = set(fake.accepted_ids())
        with db.transaction() as s:
            ambiguous = list(s.scalars(select(Message.public_id).where(Message.state == "sending")))
            processed = [p for p in ambiguous if p in received]
            assert ledger.reconcile_processed(s, processed) == len(processed)
            assert ledger.release_sending(s, [p for p in ambiguous if p not in received]) == len(ambiguous) - len(processed)
        _run_child(script, database_url, fake.host, kill_when=None)
        counts = collections.Counter(fake.accepted_ids())
    assert kills >= 3, "the seed should kill several runs"
    with db.transaction() as s:
        public_ids = list(s.scalars(select(Message.public_id)))
        states = ledger.counts_by_state(s)
    assert len(public_ids) == N
    assert states == {"sent": N}
    assert set(counts) == set(public_ids)
    assert max(counts.values()) == 1, [p for p, c in counts.items() if c > 1]
