"""Flow ``plan_events``: plan discovery events and POEC cohorts from a forecast, store the draft,
show it (markdown with the Gantt chart inside), and optionally wait for the coordinator's decision.

Read top to bottom: load the need → solve (CP-SAT, approved events kept) → store the draft and
its outputs → publish them → (optionally) pause for the coordinator's typed answer: a decision and
edits of events (move to another day, venue, places; cancel), applied together or not at all →
export the approved plan (CSV + iCalendar).

A refused edit (an event not in the plan, an unknown venue…) changes nothing: the form comes back
with the reason, until the approval time runs out. No answer in time leaves the plan a draft."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Literal

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.input import RunInput
from pydantic import ConfigDict, Field

from clauses import french, settings
from clauses.config import load_config
from clauses.errors import ClausesError
from clauses.planning.approval import apply_decision
from clauses.planning.edits import EventEdit, apply_edits, describe_fr, french_message
from clauses.planning.service import export_approved, load_need, nothing_new_fr, run_planning, write_plan_outputs
from clauses.storage import Database
from flows.artifacts import embedded_png

EDIT_ORIGIN = "prefect-ui"
DECISION_FR = {"approved": "approuvé", "rejected": "rejeté", "draft": "laissé en brouillon"}


class PlanDecision(RunInput):
    """The coordinator's answer in the Prefect UI: a decision, and the events to change first."""

    model_config = ConfigDict(
        json_schema_extra={"description": "Décision sur le plan, après d'éventuelles modifications"}
    )

    decision: Literal["approve", "reject", "draft"] = Field(
        default="draft", title="Décision",
        description="approve : approuver ; reject : rejeter ; draft : laisser en brouillon",
    )
    coordinator: str = Field(default="coordinateur", title="Décidé par")
    note: str = Field(default="", title="Note")
    edits: list[EventEdit] = Field(
        default_factory=list, title="Modifications",
        description="une ligne par événement à changer, appliquées avant la décision (toutes ou aucune)",
    )


@task
def plan_task(snapshot_id: int | None, quantile: str, start: dt.date | None, time_limit: float | None) -> dict:
    config = load_config()
    db = Database()
    try:
        with db.transaction() as session:
            need, found_id = load_need(session, snapshot_id, quantile)
            plan, result = run_planning(
                session, config, need, start=start, quantile=quantile, snapshot_id=found_id, time_limit=time_limit
            )
            if plan is None:  # nothing new: no empty draft
                return {"plan_id": None, "status": result.status, "objective": result.objective, "bound": result.bound,
                        "gap": result.gap, "need": result.need, "on_time": result.on_time,
                        "upper_bound": result.upper_bound, "events": {}, "uncovered": result.uncovered(),
                        "message_fr": nothing_new_fr(result), "gantt": None}
            outputs = write_plan_outputs(config, plan, result, settings.output_dir("plans"))
            markdown = outputs["markdown"].read_text(encoding="utf-8")
            return {
                "plan_id": plan.id,
                "status": result.status,
                "objective": result.objective,
                "bound": result.bound,
                "gap": result.gap,
                "need": result.need,
                "on_time": result.on_time,
                "upper_bound": result.upper_bound,
                "events": result.counts(),
                "uncovered": result.uncovered(),
                "markdown": markdown,
                "gantt": str(outputs["gantt"]),
            }
    finally:
        db.dispose()


@task(cache_policy=NO_CACHE)
def decide_task(plan_id: int, answer: dict) -> dict:
    """The edits, then the decision, in one transaction: a refused edit changes nothing."""
    decision = PlanDecision.model_validate(answer)
    config = load_config()
    venues = {venue.key: venue.name for _, venue in config.venues()}
    db = Database()
    try:
        with db.transaction() as session:
            outcomes = apply_edits(session, config, plan_id, decision.edits, origin=EDIT_ORIGIN)
            status = apply_decision(
                session, plan_id, decision.decision, by=decision.coordinator, note=decision.note or None
            )
            return {
                "plan_status": status,
                "changes": [
                    {"event_id": o.event_id, "change": o.change.change, "sequence": o.change.sequence}
                    for o in outcomes
                ],
                "changes_fr": [describe_fr(o, venues) for o in outcomes],
                "warnings_fr": [w for o in outcomes for w in o.warnings_fr],
            }
    finally:
        db.dispose()


@task
def export_task() -> dict:
    config = load_config()
    db = Database()
    try:
        with db.transaction() as session:
            return {k: str(v) for k, v in export_approved(session, config, settings.output_dir("exports")).items()}
    finally:
        db.dispose()


def wait_for_decision(timeout_seconds: int, poll_interval: int, description: str) -> PlanDecision | None:
    """Pause the flow run for the coordinator's typed answer; None when the time runs out."""
    from prefect.exceptions import FlowPauseTimeout
    from prefect.flow_runs import pause_flow_run

    form = PlanDecision.with_initial_data(description=description)
    try:
        answer = pause_flow_run(wait_for_input=form, timeout=timeout_seconds, poll_interval=poll_interval)
    except FlowPauseTimeout:
        return None
    return answer if answer is not None else PlanDecision()


def plan_markdown(summary: dict, *, waiting_until: dt.datetime | None) -> str:
    """The draft as the coordinator sees it in the Prefect UI: the report, the Gantt chart drawn in
    the artifact, and (when the run waits for an answer) how to approve or edit it."""
    chart = embedded_png(Path(summary["gantt"]), f"Diagramme de Gantt du plan n° {summary['plan_id']}")
    parts = [summary["markdown"], "## Diagramme de Gantt", "", chart]
    if waiting_until is not None:
        venues = [
            f"| `{venue.key}` | {venue.name} | {partner.name} | {venue.capacity} |"
            for partner, venue in load_config().venues()
        ]
        parts += [
            "",
            "## Décider, modifier",
            "",
            "L'exécution attend votre réponse : bouton **Reprendre** (*Resume*). Dans le formulaire, la décision "
            "(approve : approuver, reject : rejeter, draft : laisser en brouillon) et, si besoin, une ligne de "
            "**Modifications** par événement : son n° (colonne « N° »), une nouvelle date de début (mêmes horaires, "
            "même durée), un nouveau lieu (clé ci-dessous), un nombre de places, ou l'annulation. Les "
            "modifications sont appliquées avant la décision, toutes ou aucune ; chacune est enregistrée pour "
            "prévenir les personnes invitées.",
            "",
            f"Sans réponse avant le {french.datetime_long(waiting_until)}, le plan reste un brouillon "
            f"(`clauses plan approve {summary['plan_id']}` reste possible ensuite).",
            "",
            "| Clé du lieu | Lieu | Partenaire | Places |",
            "|---|---|---|---:|",
            *venues,
        ]
    return "\n".join(parts) + "\n"


def decision_markdown(plan_id: int, outcome: dict) -> str:
    lines = [f"# Plan n° {plan_id} : {DECISION_FR.get(outcome['plan_status'], outcome['plan_status'])}", ""]
    if outcome["changes_fr"]:
        lines += ["## Modifications enregistrées", ""] + [f"- {c}" for c in outcome["changes_fr"]]
    else:
        lines.append("Aucune modification d'événement.")
    if outcome["warnings_fr"]:
        lines += ["", "## À vérifier", ""] + [f"- {w}" for w in outcome["warnings_fr"]]
    return "\n".join(lines) + "\n"


def refused_markdown(plan_id: int, reason: str) -> str:
    return (
        f"# Plan n° {plan_id} : réponse non appliquée\n\n{reason}\n\n"
        "Rien n'a été changé. Le formulaire vous est présenté de nouveau : corrigez et renvoyez.\n"
    )


def await_decision(plan_id: int, timeout_seconds: int, poll_seconds: int) -> dict:
    """Ask until an answer applies or the time runs out (then the plan stays a draft)."""
    logger = get_run_logger()
    deadline = time.monotonic() + timeout_seconds
    description = (
        f"Plan n° {plan_id} : approuver, rejeter ou laisser en brouillon, après d'éventuelles modifications. "
        "Le plan, son diagramme de Gantt et les clés des lieux sont dans l'artefact « plan-events »."
    )
    while (remaining := int(round(deadline - time.monotonic()))) > 0:
        answer = wait_for_decision(remaining, poll_seconds, description)
        if answer is None:
            break
        try:
            outcome = decide_task(plan_id, answer.model_dump(mode="json"))
        except ClausesError as exc:
            reason = french_message(exc)
            logger.warning("plan %s: answer not applied: %s", plan_id, exc)
            create_markdown_artifact(
                key="plan-events-decision", markdown=refused_markdown(plan_id, reason),
                description=f"Plan n° {plan_id} : réponse non appliquée",
            )
            description = f"**Réponse non appliquée** : {reason}. Rien n'a été changé : corrigez et renvoyez."
            continue
        logger.info("plan %s: %s after %d edit(s)", plan_id, outcome["plan_status"], len(outcome["changes"]))
        create_markdown_artifact(
            key="plan-events-decision", markdown=decision_markdown(plan_id, outcome),
            description=f"Plan n° {plan_id} : décision",
        )
        return outcome
    logger.info("plan %s: no answer in time, it stays a draft", plan_id)
    return {"plan_status": "draft", "changes": [], "changes_fr": [], "warnings_fr": []}


@flow(name="plan_events")
def plan_events(
    snapshot_id: int | None = None,
    quantile: str = "p50",
    start: dt.date | None = None,
    time_limit_seconds: float | None = None,
    wait_for_approval: bool = False,
    approval_timeout_seconds: int = 7 * 24 * 3600,
    approval_poll_seconds: int = 10,
) -> dict:
    logger = get_run_logger()
    summary = plan_task(snapshot_id, quantile, start, time_limit_seconds)
    if summary["plan_id"] is None:
        create_markdown_artifact(key="plan-events", markdown=f"# Planification\n\n{summary['message_fr']}\n",
                                 description="Planification : rien de nouveau")
        logger.info("nothing new to plan: no draft stored")
        return {**summary, "plan_status": None, "changes": [], "exports": {}}
    waiting_until = (
        dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=approval_timeout_seconds) if wait_for_approval else None
    )
    create_markdown_artifact(
        key="plan-events", markdown=plan_markdown(summary, waiting_until=waiting_until),
        description=f"Plan n° {summary['plan_id']} (brouillon)",
    )
    logger.info(
        "plan %s: %s, gap %s, %s/%s people on time (upper bound %s)",
        summary["plan_id"], summary["status"], summary["gap"], summary["on_time"], summary["need"], summary["upper_bound"],
    )
    decision = {"plan_status": "draft", "changes": []}
    if wait_for_approval:
        decision = await_decision(summary["plan_id"], approval_timeout_seconds, approval_poll_seconds)
    status = decision["plan_status"]
    exports = export_task() if status == "approved" else {}
    summary.pop("markdown")
    return {**summary, "plan_status": status, "changes": decision["changes"], "exports": exports}


if __name__ == "__main__":  # pragma: no cover
    plan_events()
