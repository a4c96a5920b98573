"""``clauses demo``: run every job end to end on the sample data and say where to look."""

from __future__ import annotations

import argparse

from clauses.cli.summary import Summary
from clauses.french import counted


def register(subparsers: argparse._SubParsersAction) -> None:
    from clauses.cli import add_json_flag

    parser = subparsers.add_parser(
        "demo",
        help="dérouler toute l'histoire sur les données d'exemple de Clermont (SQLite, Prefect local, e-mails en fichiers)",
        description="Écrire des chantiers d'exemple et des candidats fictifs, puis lancer chaque traitement avec "
        "Prefect sur la configuration fournie (chantiers, prévision, plan, approbation, invitations, présences, "
        "relances, bilan, conservation des données), et dire où regarder.",
    )
    parser.add_argument("--folder", metavar="DOSSIER",
                        help="où écrire les fichiers d'exemple (par défaut : DOSSIER_DE_DONNÉES/demo)")
    add_json_flag(parser)
    parser.set_defaults(handler=run)


def _count(result: object, key: str) -> object:
    return result.get(key, "?") if isinstance(result, dict) else "?"


def _total(result: object, key: str) -> object:
    """A count, or the sum of a count per kind ({'invitation': 465} → 465)."""
    value = _count(result, key)
    return sum(value.values()) if isinstance(value, dict) else value


def _web_answers_line(answers: dict) -> str:
    """What the fictitious candidates did on the web pages, then where the event stands: more « Je
    viens » than places reads as overbooking unless the waiting list is said with it."""
    final = answers.get("statuses") or {}
    waitlisted, offers = answers["waitlisted"], answers["offers"]
    return (
        f"réponses par le web (événement n° {answers['event_id']}, {answers['capacity']} places) : "
        f"{answers['yes']} « Je viens »"
        + (f" (dont {waitlisted} mis en liste d'attente, l'événement étant complet)" if waitlisted else "")
        + f", {answers['no']} « Je ne peux pas venir »"
        + (f" ({counted(offers, 'place libérée proposée', 'places libérées proposées')} au premier en attente)" if offers else "")
        + f", {counted(answers['unsubscribed'], 'désinscription', 'désinscriptions')} en un clic ; "
        f"à la fin : {counted(final.get('registered', 0), 'inscrit', 'inscrits')}, "
        f"{counted(final.get('offered', 0), 'place proposée', 'places proposées')} en attente de réponse, "
        f"{final.get('waitlisted', 0)} en liste d'attente, {final.get('declined', 0)} refus"
    )


def _planned_and_sent(result: object) -> str:
    """« 26 prévues, 26 envoyées », then what was not sent and why: messages held by the weekly cap
    were counted as planned, and 10 of 36 seemed lost."""
    from clauses.cli.outreach import held_by_cap_fr

    planned = _count(result, "planned")
    held = planned.get("held_by_cap", 0) if isinstance(planned, dict) else 0
    total = _total(result, "planned")
    parts = [counted(total - held if isinstance(total, int) else total, "prévue", "prévues"),
             counted(_count(result, "sent"), "envoyée", "envoyées")]
    skipped, failed = _count(result, "skipped"), _count(result, "failed")
    if isinstance(skipped, int) and skipped:
        parts.append(f"{counted(skipped, 'non envoyée', 'non envoyées')} (personne injoignable ou événement annulé)")
    if isinstance(failed, int) and failed:
        parts.append(f"{counted(failed, 'refusée', 'refusées')} par le prestataire d'e-mail")
    return ", ".join(parts) + (f" ; {held_by_cap_fr(held, result['weekly_cap'])}" if held else "")


def describe(steps: dict) -> list[str]:
    """One line per step, with the files a person opens."""
    from clauses.planning.show import SOLVER_STATUS_FR

    lines = []
    for file in steps.get("ingest_pipeline", []):
        lines.append(f"chantiers : {counted(file['created'], 'lot créé', 'lots créés')}, "
                     f"{counted(file['unchanged'], 'inchangé', 'inchangés')}, {counted(file['rejected'], 'refusé', 'refusés')}")
    candidates = steps.get("import_candidates", {})
    lines.append(f"candidats : {counted(_count(candidates, 'created'), 'créé', 'créés')}, "
                 f"{counted(_count(candidates, 'updated'), 'fusionné ou mis à jour', 'fusionnés ou mis à jour')}")
    forecast = steps.get("forecast_labour_needs", {})
    if isinstance(forecast, dict):
        lines.append(f"prévision : n° {forecast.get('snapshot_id')}, à partir de {forecast.get('lots_used')} lots")
        for name, path in (forecast.get("files") or {}).items():
            lines.append(f"  {name} : {path}")
    plan = steps.get("plan_events", {})
    if isinstance(plan, dict):
        events = plan.get("events")
        count = sum(events.values()) if isinstance(events, dict) else events
        lines.append(
            f"plan n° {plan.get('plan_id')} : {count} événements, solveur {SOLVER_STATUS_FR.get(plan.get('status'), plan.get('status'))}, "
            f"{plan.get('on_time')} personnes formées à temps sur {plan.get('need')} ; approuvé par la démo"
        )
        if plan.get("gantt"):
            lines.append(f"  diagramme de Gantt : {plan['gantt']}")
        for name, path in (plan.get("exports") or {}).items():
            lines.append(f"  export pour les partenaires ({name}) : {path}")
    invitations = steps.get("send_invitations", {})
    lines.append(f"invitations : {_planned_and_sent(invitations)}")
    employers = steps.get("send_employer_invitations", {})
    if isinstance(employers, dict):
        if employers.get("note_fr"):
            lines.append(f"employeurs : {employers['note_fr']}")
        else:
            planned = counted(_total(employers, "planned"), "invitation d'entreprise", "invitations d'entreprises")
            sent = counted(_count(employers, "sent"), "envoyée", "envoyées")
            lines.append(f"employeurs : {planned} aux rencontres de recrutement, {sent} (détail : clauses entreprises inviter)")
    attendance = steps.get("record_attendance", {})
    if isinstance(attendance, dict):
        lines.append(f"feuille de présence : {attendance.get('lines')} lignes")
    followups = steps.get("send_followups", {})
    lines.append(f"relances : {_planned_and_sent(followups)}")
    answers = steps.get("web_answers", {})
    if isinstance(answers, dict) and answers.get("answers"):
        lines.append(_web_answers_line(answers))
    report = steps.get("report_outcomes", {})
    if isinstance(report, dict):
        for name, path in (report.get("files") or {}).items():
            if str(path).endswith((".html", ".xlsx")):
                lines.append(f"bilan {name} : {path}")
    retention = steps.get("apply_retention", {})
    if isinstance(retention, dict):
        lines.append(
            f"conservation des données (simulation) : {counted(retention.get('candidates_examined'), 'candidat examiné', 'candidats examinés')}, "
            f"{counted(retention.get('candidates_inactive'), 'inactif', 'inactifs')} depuis {retention.get('inactive_months')} mois"
        )
    return lines


def run(args: argparse.Namespace) -> Summary:
    from flows.demo import demo

    result = demo(folder=args.folder)
    lines = [f"fichiers d'exemple : {', '.join(result['sample_files'])}", f"base de données : {result['database']}"]
    lines += describe(result["steps"])
    lines.append(f"e-mails (.eml, à ouvrir avec un logiciel de messagerie) : {result['outbox']}")
    lines.append(f"tout ce que la démo a écrit est sous {result['data_dir']}")
    return Summary(title="Démo terminée", data={"ok": True, **result}, lines=lines)
