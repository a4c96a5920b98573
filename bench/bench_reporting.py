"""Benchmark of the outcome report and data retention on a synthetic history.

Prints, from one run: time to build the report (all tables), the ratio to a floor (reading the
participation, transition and event rows the report needs, with one query each), time to write the
files (HTML with charts, CSV, XLSX), and the time of retention in both modes, per 1,000 candidates;
plus a check that the report's counts are identical before and after retention.

    python bench/bench_reporting.py [--candidates 20000] [--events 300]
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import insert, select

from clauses.config import load_config
from clauses.reporting import build_report, tables, write_report_files
from clauses.retention import apply_retention
from clauses.storage import Candidate, Database, Event, Participation, ParticipationTransition, Plan
from clauses.storage.reference_sync import sync_reference

UTC = dt.timezone.utc
PATHS = [
    ["invited"], ["invited", "declined"], ["invited", "registered", "no_show"], ["invited", "attended"],
    ["invited", "registered", "attended", "interested"], ["invited", "attended", "interested", "enrolled", "completed"],
    ["invited", "attended", "interested", "enrolled", "completed", "hired"],
]
WEIGHTS = [0.35, 0.1, 0.1, 0.2, 0.1, 0.08, 0.07]


def populate(db: Database, config, n_candidates: int, n_events: int, seed: int = 3) -> int:
    rng = np.random.default_rng(seed)
    trades = [t.key for t in config.trades]
    with db.transaction() as session:
        sync_reference(session, config)
        plan = Plan(status="approved")
        session.add(plan)
        session.flush()
        base = dt.datetime(2025, 1, 6, 8, tzinfo=UTC)
        session.execute(insert(Event), [
            dict(plan_id=plan.id, kind="poec" if i % 5 == 0 else "discovery", trade_key=trades[i % len(trades)],
                 partner_key="geiq_btp_63", venue_key="geiq_clermont", start=base + dt.timedelta(days=3 * i),
                 end=base + dt.timedelta(days=3 * i, hours=3), capacity=15, status="held", uid=f"bench-{i}",
                 sequence=0, target_invitations=0, created_at=base, updated_at=base)
            for i in range(n_events)
        ])
        event_ids = session.scalars(select(Event.id)).all()
        old = dt.datetime(2025, 1, 1, tzinfo=UTC)
        session.execute(insert(Candidate), [
            dict(first_name=f"P{i}", last_name=f"N{i}", email=f"p{i}@example.net", email_status="valid",
                 phone=None, commune="Clermont-Ferrand", qpv_resident=False, eligibility=["RSA"], trades=[],
                 opted_out=bool(i % 50 == 0), last_activity_at=old, created_at=old, updated_at=old)
            for i in range(n_candidates)
        ])
        candidate_ids = session.scalars(select(Candidate.id)).all()
        participations, steps = [], []
        for cid in candidate_ids:
            for eid in rng.choice(event_ids, size=rng.integers(1, 4), replace=False):
                path = PATHS[rng.choice(len(PATHS), p=WEIGHTS)]
                participations.append(dict(candidate_id=cid, event_id=int(eid), status=path[-1], status_at=old,
                                           contract_type="CDI" if path[-1] == "hired" else None,
                                           created_at=old, updated_at=old))
                steps.append(path)
        session.execute(insert(Participation), participations)
        ids = session.scalars(select(Participation.id).order_by(Participation.id)).all()
        session.execute(insert(ParticipationTransition), [
            dict(participation_id=pid, from_status=None if k == 0 else path[k - 1], to_status=s, origin="import",
                 at=old + dt.timedelta(days=k))
            for pid, path in zip(ids, steps) for k, s in enumerate(path)
        ])
    return len(ids)


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=20000)
    parser.add_argument("--events", type=int, default=300)
    args = parser.parse_args()
    config = load_config()
    folder = Path(tempfile.mkdtemp(prefix="bench-reporting-"))
    db = Database(f"sqlite:///{folder / 'bench.sqlite3'}")
    n_participations, t_populate = timed(lambda: populate(db, config, args.candidates, args.events))
    print(f"history: {args.candidates} candidates, {args.events} events, {n_participations} participations "
          f"(populated in {t_populate:.1f} s)")

    def floor():
        with db.transaction() as session:
            session.execute(select(Participation.id, Participation.candidate_id, Participation.event_id,
                                   Participation.status)).all()
            session.execute(select(ParticipationTransition.participation_id, ParticipationTransition.to_status)).all()
            session.execute(select(Event.id, Event.kind, Event.start)).all()

    _, t_floor = timed(floor)

    def report():
        with db.transaction() as session:
            return build_report(session, config, now=dt.datetime(2028, 1, 1, tzinfo=UTC))

    before, t_report = timed(report)
    _, t_files = timed(lambda: write_report_files(before, folder / "reports"))
    print(f"build report: {t_report:.2f} s; reading floor {t_floor:.2f} s; ratio {t_report / t_floor:.1f}x")
    print(f"write files (HTML + 2 charts, 7 CSV, XLSX): {t_files:.2f} s")
    now = dt.datetime(2028, 1, 1, tzinfo=UTC)
    with db.transaction() as session:
        anonymised, t_anon = timed(lambda: apply_retention(session, config, now=now, outbox=folder))
    with db.transaction() as session:
        deleted, t_delete = timed(lambda: apply_retention(session, config, now=now, mode="delete", outbox=folder))
    print(f"retention anonymise: {anonymised.candidates_anonymised} candidates in {t_anon:.2f} s "
          f"({1000 * t_anon / max(anonymised.candidates_anonymised, 1):.1f} s per 1,000)")
    print(f"retention delete: {deleted.candidates_deleted} candidates, {deleted.participations_archived} outcomes kept, "
          f"{t_delete:.2f} s ({1000 * t_delete / max(deleted.candidates_deleted, 1):.1f} s per 1,000)")
    after, t_after = timed(report)
    same = all(a[1].equals(b[1]) for a, b in zip(tables(before).values(), tables(after).values()))
    print(f"report after deletion: {t_after:.2f} s (from anonymous outcomes); tables identical: {same}")
    db.dispose()


if __name__ == "__main__":
    main()
