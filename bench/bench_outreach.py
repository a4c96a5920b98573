"""Benchmark: N invitations (selection, rendering, calendar, ledger, sending to a loopback SendGrid).

Prints, in one run:
- the core job's rate (messages per second), without Prefect;
- the floor: the same sendgrid client posting the same pre-rendered payloads to the same server,
  one by one, and the job's rate as a fraction of the floor's (aim ≥ 0.7);
- the ``send_invitations`` flow on the same work, as a ratio of its time to the core job's (aim ≤ 1.2).

Usage: python bench/bench_outreach.py [N]   (default 10000)
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="clauses-bench-"))
os.environ["PREFECT_HOME"] = str(WORK / "prefect-home")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ["CLAUSES_DATA_DIR"] = str(WORK / "data")
os.environ["SENDGRID_API_KEY"] = "SG.test"
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"

import yaml  # noqa: E402

from clauses.config import load_config  # noqa: E402
from clauses.messages.transports.sendgrid import SendGridTransport  # noqa: E402
from clauses.outreach.jobs import run_invitations  # noqa: E402
from clauses.storage import Database  # noqa: E402
from tests import outreach_data as data  # noqa: E402
from tests.sendgrid_server import FakeSendGrid  # noqa: E402

TRADES = ["macon", "macon_vrd", "coffreur", "canalisateur", "plaquiste", "peintre", "electricien", "plombier", "solier", "facadier"]


def build_database(path: Path, config, n: int) -> None:
    db = Database(f"sqlite:///{path}")
    start = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(days=20)
    per_trade = n // len(TRADES)
    with db.transaction() as s:
        plan = data.reference(s, config)
        for i, trade in enumerate(TRADES):
            data.event(s, plan, start=start + dt.timedelta(days=i), trade=trade, capacity=400, target=per_trade)
        for k in range(per_trade * len(TRADES)):
            data.candidate(s, k, trades=[TRADES[k % len(TRADES)]], qpv=k % 3 == 0, eligibility=["DELD"] if k % 5 == 0 else [])
    db.dispose()


def sendgrid_config_dir(host: str) -> Path:
    folder = WORK / "config"
    shutil.copytree(ROOT / "config", folder)
    messaging = yaml.safe_load((folder / "messaging.yaml").read_text())
    messaging["transport"] = "sendgrid"
    messaging["sendgrid"]["host"] = host
    (folder / "messaging.yaml").write_text(yaml.safe_dump(messaging, allow_unicode=True))
    return folder


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    config = load_config()
    template = WORK / "template.sqlite3"
    build_database(template, config, n)
    with FakeSendGrid() as fake:
        # 1. The core job, without Prefect.
        core_db_path = WORK / "core.sqlite3"
        shutil.copyfile(template, core_db_path)
        database = Database(f"sqlite:///{core_db_path}", migrate=False)
        transport = SendGridTransport("SG.test", host=fake.host)
        t0 = time.perf_counter()
        report = run_invitations(database, config, transport)
        core = time.perf_counter() - t0
        sent = report.send.sent
        assert sent == len(fake.accepted) == n, (sent, len(fake.accepted))
        payloads = list(fake.accepted)

        # 2. The floor: same client, same pre-rendered payloads, same server.
        floor_transport = SendGridTransport("SG.test", host=fake.host)
        t0 = time.perf_counter()
        for payload in payloads:
            floor_transport.post(payload)
        floor = time.perf_counter() - t0

        # 3. The flow on the same work.
        flow_db_path = WORK / "flow.sqlite3"
        shutil.copyfile(template, flow_db_path)
        os.environ["CLAUSES_DATABASE_URL"] = f"sqlite:///{flow_db_path}"
        os.environ["CLAUSES_CONFIG_DIR"] = str(sendgrid_config_dir(fake.host))
        from prefect import flow
        from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

        from flows.send_invitations import send_invitations

        with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            flow(name="warm-up")(lambda: None)()  # start the local Prefect server before timing
            t0 = time.perf_counter()
            result = send_invitations()
            flow_time = time.perf_counter() - t0
        assert result["sent"] == n, result

    print(f"invitations: {n} (10 events, selection + rendering + calendar + ledger + POST to loopback SendGrid)")
    print(f"core job (no Prefect): {core:.1f} s = {n / core:.0f} messages/s")
    print(f"floor (same client, same pre-rendered payloads, same server): {floor:.1f} s = {n / floor:.0f} messages/s")
    print(f"ratio job / floor rate: {floor / core:.2f} (aim >= 0.7)")
    print(f"flow send_invitations: {flow_time:.1f} s; flow / core time: {flow_time / core:.2f} (aim <= 1.2)")
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
