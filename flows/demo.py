"""Flow ``demo``: the whole story on the sample data of a Clermont pipeline.

Writes the sample files, then runs each job as a sub-flow, in the order a clause cell lives it:
ingest the pipeline and the candidates, forecast the need, plan events, approve the plan, invite,
take in the partners' attendance sheet for events already held, send the follow-ups, let a few
candidates answer through the web service (yes, no, waiting list, one-click unsubscribe), report,
and check data retention. Everything stays on this machine: SQLite, Prefect's local server, the file
outbox (``.eml`` files a person can open).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from clauses import settings
from clauses.config import load_config
from clauses.planning.approval import approve_plan
from clauses.sample import write_candidates, write_pipeline
from clauses.sample.history import seed_history, write_attendance_sheet
from clauses.storage import Database
from flows.apply_retention import apply_retention
from flows.forecast_labour_needs import forecast_labour_needs
from flows.import_candidates import import_candidates
from flows.ingest_pipeline import ingest_pipeline
from flows.plan_events import export_task, plan_events
from flows.record_attendance import record_attendance
from flows.report_outcomes import report_outcomes
from flows.send_followups import send_followups
from flows.send_employer_invitations import send_employer_invitations
from flows.send_invitations import send_invitations


@task(name="approve the draft plan (as a coordinator would)", cache_policy=NO_CACHE)
def approve(plan_id: int) -> None:
    with Database().transaction() as session:
        approve_plan(session, plan_id, by="démonstration", note="approuvé par la démonstration")


@task(name="partners send back their attendance sheet", cache_policy=NO_CACHE)
def attendance_sheet(folder: Path, today: dt.date) -> Path:
    database, config = Database(), load_config()
    with database.transaction() as session:
        event_ids = seed_history(session, config, today)
    with database.transaction() as session:
        return write_attendance_sheet(session, event_ids, folder)


@task(name="coordinators give the employers' contact addresses", cache_policy=NO_CACHE)
def employer_contacts(folder: Path) -> dict:
    from clauses.ingest.company_contacts import import_contacts
    from clauses.sample.pipeline import write_employer_contacts

    database = Database()
    try:
        with database.transaction() as session:
            return import_contacts(session, load_config(), write_employer_contacts(folder)).as_dict()
    finally:
        database.dispose()


def employers_step(result: dict) -> dict:
    """The employers' step of the demo, said in French when the plan has no recruitment event."""
    if not result["events"]:
        result["note_fr"] = ("aucune rencontre de recrutement approuvée à venir dans le plan : aucune entreprise "
                             "invitée (clauses entreprises inviter les invitera dès qu'une rencontre sera approuvée)")
    return result


@task(name="candidates answer through the web service", cache_policy=NO_CACHE)
def web_answers() -> dict:
    from clauses.sample.answers import demo_answers

    return demo_answers(Database(), load_config(), settings.output_dir("outbox"))


@flow(name="demo")
def demo(folder: str | None = None) -> dict:
    """Run every job on the sample data; returns what each step did and where to look.

    Args:
        folder: where to write the sample files (default: the data folder's ``demo/``).
    """
    logger = get_run_logger()
    sample_dir = Path(folder) if folder else settings.output_dir("demo")
    pipeline_file = write_pipeline(sample_dir)
    candidates_file = write_candidates(sample_dir)
    logger.info("sample files written to %s", sample_dir)

    steps: dict[str, object] = {}
    steps["ingest_pipeline"] = ingest_pipeline(path=str(pipeline_file))
    steps["import_candidates"] = import_candidates(path=str(candidates_file))
    steps["forecast_labour_needs"] = forecast_labour_needs()
    plan = plan_events()
    steps["plan_events"] = plan
    if plan["plan_id"] is not None:  # None: nothing new to plan, no draft
        approve(plan["plan_id"])
        plan["exports"] = export_task()  # what partners receive: the approved plan (CSV, XLSX, iCalendar)
    steps["send_invitations"] = send_invitations()
    steps["employer_contacts"] = employer_contacts(sample_dir)
    steps["send_employer_invitations"] = employers_step(send_employer_invitations())
    if "note_fr" in steps["send_employer_invitations"]:
        logger.info("employers: %s", steps["send_employer_invitations"]["note_fr"])
    sheet = attendance_sheet(sample_dir, dt.date.today())
    steps["record_attendance"] = record_attendance(path=str(sheet))
    steps["send_followups"] = send_followups()
    steps["web_answers"] = web_answers()
    steps["report_outcomes"] = report_outcomes()
    steps["apply_retention"] = apply_retention(dry_run=True)
    return {
        "sample_files": [str(pipeline_file), str(candidates_file), str(sheet)],
        "database": settings.database_url(),
        "data_dir": str(settings.data_dir()),
        "outbox": str(settings.output_dir("outbox")),
        "steps": steps,
    }
