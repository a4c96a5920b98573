"""Tasks shared by ``send_invitations`` and ``send_followups``: open the transport inside the task
(the SendGrid key never travels as a parameter), settle interrupted messages, send one batch."""

from __future__ import annotations

from dataclasses import asdict

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from clauses import settings
from clauses.config import Config, load_config
from clauses.messages.dispatch import pending_ids, recover
from clauses.messages.dispatch import send_messages as send_core
from clauses.messages.transports import make_transport
from clauses.storage import Database

KIND_LABELS_FR = {
    "invitation": "invitations", "reminder": "rappels", "update": "changements", "cancellation": "annulations",
    "thanks": "remerciements", "missed_you": "« nous vous attendions »", "poec_offer": "propositions de POEC",
    "outcome_request": "demandes de nouvelles après POEC", "held_by_cap": "reportés (plafond d'e-mails par personne et par semaine)",
    "employer_invitation": "invitations d'employeurs", "employer_cancellation": "annulations envoyées aux employeurs",
}


_CONFIG: dict[tuple[str | None, str], Config] = {}


def run_config() -> Config:
    """The configuration, read and validated once per flow run: every task of a run uses the same
    one (reading the YAML folder again for each batch cost as much as sending the batch)."""
    key = (flow_run.id, str(settings.config_dir()))
    if key not in _CONFIG:
        _CONFIG.clear()
        _CONFIG[key] = load_config()
    return _CONFIG[key]


def open_transport(config, outbox: str | None):
    return make_transport(config, outbox=outbox)


@task(name="settle interrupted messages", cache_policy=NO_CACHE)
def settle(outbox: str | None) -> dict:
    config = run_config()
    database = Database()
    try:
        return recover(database, config, open_transport(config, outbox))
    finally:
        database.dispose()


@task(name="list pending messages", cache_policy=NO_CACHE)
def list_pending(kinds: list[str]) -> list[int]:
    database = Database()
    try:
        return pending_ids(database, kinds=kinds)
    finally:
        database.dispose()


@task(name="send a batch of messages", cache_policy=NO_CACHE)
def send_batch(message_ids: list[int], outbox: str | None) -> dict:
    config = run_config()
    database = Database()
    try:
        return asdict(send_core(database, config, open_transport(config, outbox), message_ids))
    finally:
        database.dispose()


def merge(reports: list[dict]) -> dict:
    total = {"sent": 0, "skipped": 0, "failed": 0, "unconfirmed": 0, "by_kind": {}}
    for report in reports:
        for key in ("sent", "skipped", "failed", "unconfirmed"):
            total[key] += report.get(key, 0)
        for kind, count in report["by_kind"].items():
            total["by_kind"][kind] = total["by_kind"].get(kind, 0) + count
    return total


def publish(title: str, key: str, planned: dict, sent: dict, recovered: dict, extra: list[str] | None = None) -> None:
    lines = [f"# {title}", "", "| type | prévus | envoyés |", "|---|---:|---:|"]
    for kind in sorted(set(planned) | set(sent["by_kind"])):
        lines.append(f"| {KIND_LABELS_FR.get(kind, kind)} | {planned.get(kind, '')} | {sent['by_kind'].get(kind, '')} |")
    lines += ["", f"Envoyés : {sent['sent']} · non envoyés (désinscrits, adresse invalide, événement annulé) : "
              f"{sent['skipped']} · refusés par le fournisseur : {sent['failed']}"]
    if sent.get("unconfirmed"):
        lines.append(f"Sans réponse de SendGrid (en attente de son événement « processed », jamais renvoyés "
                     f"d'office ; `clauses messages release` pour trancher) : {sent['unconfirmed']}")
    if any(recovered.values()):
        lines.append(f"Messages d'un envoi interrompu : {recovered.get('sent', 0)} confirmés, "
                     f"{recovered.get('released', 0)} remis à l'envoi, {recovered.get('waiting', 0)} en attente de confirmation")
    lines += extra or []
    create_markdown_artifact(markdown="\n".join(lines), key=key, description=title)
