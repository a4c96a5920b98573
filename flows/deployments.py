"""The deployments of ``prefect.yaml``, served from one process: ``clauses serve``.

``prefect.yaml`` stays the single place where deployments, schedules and parameters are declared;
this module reads it and hands the same deployments to ``prefect.serve`` for a small team on one
machine (no work pool, no worker). A Prefect server must be running (``prefect server start``).
"""

from __future__ import annotations

import importlib
from pathlib import Path

import yaml
from prefect import serve
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron

from clauses.settings import PROJECT_ROOT

PREFECT_YAML = PROJECT_ROOT / "prefect.yaml"


def load_flow(entrypoint: str):
    """``flows/send_followups.py:send_followups`` → the flow object."""
    path, name = entrypoint.split(":")
    module = ".".join(Path(path).with_suffix("").parts)
    return getattr(importlib.import_module(module), name)


def declared_deployments(prefect_yaml: Path = PREFECT_YAML) -> list[dict]:
    return yaml.safe_load(prefect_yaml.read_text(encoding="utf-8"))["deployments"]


def runner_deployments(prefect_yaml: Path = PREFECT_YAML) -> list[RunnerDeployment]:
    deployments = []
    for spec in declared_deployments(prefect_yaml):
        flow = load_flow(spec["entrypoint"])
        schedules = [Cron(s["cron"], timezone=s.get("timezone", "Europe/Paris")) for s in spec.get("schedules") or []]
        deployments.append(
            flow.to_deployment(
                name=spec["name"],
                description=spec.get("description"),
                parameters=spec.get("parameters") or {},
                schedules=schedules,
                concurrency_limit=spec.get("concurrency_limit"),
            )
        )
    return deployments


def serve_all(limit: int | None = 2) -> None:
    """Serve every deployment until interrupted; at most ``limit`` runs at once (2 cores)."""
    serve(*runner_deployments(), limit=limit)
