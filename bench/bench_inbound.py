"""Benchmark of email-event ingestion: signed SendGrid batches into the database.

Prints, from one run: events per second for (1) a plain ``json.loads`` of the bodies (the floor),
(2) signature check + parsing, (3) the full ingestion (check, parse, match to messages, store,
apply effects, commit, one transaction per batch), and (4) re-ingesting the same batches (all
duplicates); and the ratio of each to the floor. SQLite file in a temporary folder.

    python bench/bench_inbound.py [--events 20000] [--batch 1000] [--candidates 5000]
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import random
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from clauses.inbound import email_events as ee
from clauses.storage import Candidate, Database, Message

TYPES = ["processed"] * 10 + ["delivered"] * 10 + ["open"] * 6 + ["click"] * 2 + ["deferred", "bounce", "unsubscribe",
                                                                                  "group_unsubscribe", "spamreport", "dropped"]


def seed(db: Database, candidates: int) -> None:
    with db.transaction() as session:
        people = [Candidate(first_name="x", last_name="y", email=f"c{i}@example.org", consent_date=dt.date(2026, 1, 1))
                  for i in range(candidates)]
        session.add_all(people)
        session.flush()
        session.add_all(Message(idempotency_key=f"k{p.id}", public_id=f"m{p.id}", candidate_id=p.id, kind="invitation",
                                state="sending", transport="sendgrid") for p in people)


def batches(n_events: int, size: int, candidates: int, key: ec.EllipticCurvePrivateKey) -> list[tuple[str, str, str]]:
    rng = random.Random(7)
    out = []
    base = 1795597200
    for start in range(0, n_events, size):
        events = []
        for i in range(start, min(start + size, n_events)):
            c = rng.randint(1, candidates)
            event = {"event": rng.choice(TYPES), "sg_event_id": f"ev-{i}", "timestamp": base + i, "email": f"c{c - 1}@example.org",
                     "sg_message_id": f"sg{c}.filter", "clauses_message_id": f"m{c}", "category": ["clauses-insertion"]}
            if rng.random() < 0.05:
                del event["clauses_message_id"]  # matched by address
            events.append(event)
        body = json.dumps(events)
        timestamp = str(base + start)
        signature = base64.b64encode(key.sign((timestamp + body).encode(), ec.ECDSA(hashes.SHA256()))).decode()
        out.append((body, signature, timestamp))
    return out


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--candidates", type=int, default=5_000)
    args = parser.parse_args()

    key = ec.generate_private_key(ec.SECP256R1())
    data = batches(args.events, args.batch, args.candidates, key)
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
        seed(db, args.candidates)

        floor = timed(lambda: [json.loads(body) for body, _, _ in data])

        def verify_and_parse() -> None:
            for body, signature, timestamp in data:
                ee.verify_signature(body, signature, timestamp, key.public_key())
                ee.parse_events(body, "bench")

        parse = timed(verify_and_parse)
        counts = ee.ApplyCounts()

        def ingest() -> None:
            for body, signature, timestamp in data:
                ee.verify_signature(body, signature, timestamp, key.public_key())
                events, _ = ee.parse_events(body, "bench")
                with db.transaction() as session:
                    counts.add(ee.apply_events(session, events))

        first = timed(ingest)
        stored = counts.stored
        again = timed(ingest)
        db.dispose()

    n = args.events
    print(f"{n:,} events in {len(data)} signed batches of {args.batch:,}; {args.candidates:,} candidates (SQLite)")
    print(f"stored {stored:,} (the rest: duplicates by message and type); re-ingestion stored {counts.stored - stored}")
    rows = [("json.loads only (floor)", floor), ("signature + parse", parse), ("full ingestion", first),
            ("re-ingestion (all duplicates)", again)]
    for label, seconds in rows:
        print(f"{label:32s} {n / seconds:12,.0f} events/s   {seconds / floor:8.1f}× the floor")
    print(f"full ingestion / signature + parse: {first / parse:.1f}×")


if __name__ == "__main__":
    main()
