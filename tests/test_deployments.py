"""prefect.yaml declares one valid deployment per job, scheduled in Europe/Paris."""

from __future__ import annotations

import importlib
import pkgutil

import flows
from flows.deployments import declared_deployments, load_flow, runner_deployments

SCHEDULED = {
    "ingest_pipeline", "forecast_labour_needs", "plan_events", "send_invitations", "send_followups",
    "ingest_email_events", "report_outcomes", "apply_retention", "take_in_replies", "send_employer_invitations",
}
ON_DEMAND = {"import_candidates", "record_attendance"}


def test_every_flow_has_a_deployment_with_valid_parameters():
    declared = {}
    for spec in declared_deployments():
        flow = load_flow(spec["entrypoint"])
        given = dict(spec.get("parameters") or {})
        if flow.name in ON_DEMAND:
            given["path"] = "depot/fichier.csv"  # the coordinator gives the file when starting the run
        flow.validate_parameters(given)  # raises on an unknown, missing or mistyped parameter
        assert spec["work_pool"]["name"] == "clauses-process"
        assert spec.get("concurrency_limit") == 1, f"{flow.name} must not run concurrently with itself"
        declared[flow.name] = spec
    assert set(declared) == SCHEDULED | ON_DEMAND
    for name in SCHEDULED:
        [schedule] = declared[name]["schedules"]
        assert schedule["timezone"] == "Europe/Paris"
    assert declared["plan_events"]["parameters"]["wait_for_approval"] is True


def test_every_flow_module_is_deployed_except_the_demo():
    names = set()
    for module in pkgutil.iter_modules(flows.__path__):
        loaded = importlib.import_module(f"flows.{module.name}")
        names |= {obj.name for obj in vars(loaded).values() if type(obj).__name__ == "Flow" and obj.__module__ == loaded.__name__}
    assert names - {"demo"} == SCHEDULED | ON_DEMAND


def test_serve_builds_the_same_deployments():
    deployments = runner_deployments()
    assert len(deployments) == len(declared_deployments())
    followups = next(d for d in deployments if d.flow_name == "send_followups")
    assert followups.schedules[0].schedule.cron == "0 9 * * 1-5"
    assert followups.schedules[0].schedule.timezone == "Europe/Paris"
    assert followups.concurrency_limit == 1
