"""The outcome report as data: funnel tables, hires by contract, hours covered, conversion rates,
email events. ``build_report`` reads the database; ``tables`` gives the French tables that the HTML,
CSV and XLSX outputs share. Names appear only with ``include_names=True`` and only in ``names``
(which the HTML report alone shows); every other table holds counts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clauses import french
from clauses.config import Config
from clauses.reporting import funnel
from clauses.reporting.answers import CHANNEL_LABELS, CHANNELS, answer_counts
from clauses.reporting.answers import LABELS as answer_labels
from clauses.reporting.chain import Chain, chains_table, trade_chains
from clauses.reporting.companies import COLUMNS as COMPANY_COLUMNS
from clauses.reporting.companies import company_hours
from clauses.reporting.conversion import CHAIN_RATES, RATES, conversion_from_facts, held_events
from clauses.reporting.coverage import Coverage, hours_coverage, latest_need
from clauses.reporting.facts import STAGES, participation_facts
from clauses.storage.candidates import Candidate
from clauses.storage.outreach import EmailEvent
from clauses.french import EVENT_KIND_LABELS, EVENT_STATUS_LABELS

# The tables' columns that hold shares (0.375): shown « 37,5 % » in the HTML report and the workbook.
PERCENT_COLUMNS = {
    "Part des réponses", "Part de l'étape précédente",
    "Part du besoin couverte", "Taux retenu pour la planification", "Taux observé", "Taux configuré",
    "Intervalle de confiance à 95 % (bas)", "Intervalle de confiance à 95 % (haut)",
}
RATE_LABELS = {
    "invited_to_attended": "Invités → présents",
    "attended_to_selected": "Présents → retenus",
    "selected_to_completed": "Entrés en POEC → formation terminée",
    "completed_to_hired": "Formation terminée → embauchés",
    "completed_to_met_employer": "Formation terminée → ont rencontré un employeur",
    "met_employer_to_hired": "Ont rencontré un employeur → embauchés",
}
SOURCE_LABELS = {"observed": "observé", "configuration": "configuration"}
EMAIL_EVENT_LABELS = {
    "processed": "Pris en charge",
    "delivered": "Remis",
    "deferred": "Différés",
    "bounce": "Rejetés (bounce)",
    "dropped": "Non envoyés (dropped)",
    "open": "Ouverts",
    "click": "Cliqués",
    "spamreport": "Signalés comme spam",
    "unsubscribe": "Désinscriptions",
    "group_unsubscribe": "Désinscriptions (groupe)",
    "group_resubscribe": "Réinscriptions (groupe)",
}


@dataclass
class OutcomeReport:
    generated_at: dt.datetime
    by_event: pd.DataFrame
    by_trade: pd.DataFrame
    by_month: pd.DataFrame
    totals: dict[str, int]
    hires_by_contract: pd.DataFrame
    coverage: Coverage
    conversion: dict
    email_events: pd.DataFrame
    trade_labels: dict[str, str]
    include_names: bool = False
    names: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    # Candidates' answers and their channels (``clauses.reporting.answers``).
    answers: dict = field(default_factory=dict)
    companies: pd.DataFrame | None = None  # clauses.reporting.companies.company_hours
    # The chains of linked events with their people per step, the most hires first
    # (``clauses.reporting.chain``).
    chains: list[Chain] = field(default_factory=list)

    def summary(self) -> dict:
        """Counts only: safe for logs, artifacts and the command line."""
        return {
            "generated_at": self.generated_at.isoformat(),
            "events": int(len(self.by_event)),
            "totals": self.totals,
            "answers": self.answers,
            "chains": [{"trade_key": c.trade_key, "events": [e.id for e in c.events],
                        "steps": {s.stage: s.people for s in c.steps}} for c in self.chains],
            "conversion": {name: self.conversion[name] for name in RATES},
            "conversion_sources": {name: self.conversion["details"][name]["source"] for name in RATES},
            # Why each rate was taken, in French, with the counts it rests on (no names).
            "conversion_reasons": {name: self.conversion["details"][name]["reason"] for name in RATES},
            "snapshot": {k: str(v) for k, v in (self.coverage.snapshot or {}).items()} or None,
            "include_names": self.include_names,
        }


def french_month(month: str) -> str:
    year, number = month.split("-")
    return french.month_long(dt.date(int(year), int(number), 1))


def french_day(day: dt.date | dt.datetime | None) -> str:
    if day is None or (isinstance(day, float) and pd.isna(day)):
        return ""
    return french.day_long(day)


def _day(day: dt.date | dt.datetime | None) -> dt.date | None:
    """A table's day: a date, which each output writes its way (``exports.written_cell``, the HTML
    report's ``cell``); None when there is none."""
    if day is None or (isinstance(day, float) and pd.isna(day)) or day is pd.NaT:
        return None
    return french.paris_day(day) if isinstance(day, dt.datetime) else day


def email_event_counts(session: Session) -> pd.DataFrame:
    rows = session.execute(select(EmailEvent.type, func.count()).group_by(EmailEvent.type).order_by(EmailEvent.type)).all()
    return pd.DataFrame(rows, columns=["type", "count"])


def _names(session: Session, facts: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """People who reached at least 'selected', with their names (only when asked for)."""
    chosen = facts[(facts["stage"] >= STAGES.index("selected")) & facts["candidate_id"].notna()]
    ids = sorted({int(c) for c in chosen["candidate_id"]})
    people = {}
    for i in range(0, len(ids), 500):
        for cid, first, last in session.execute(
            select(Candidate.id, Candidate.first_name, Candidate.last_name).where(Candidate.id.in_(ids[i : i + 500]))
        ):
            people[cid] = (last, first)
    rows = []
    for row in chosen.sort_values(["trade_key", "event_start"]).itertuples(index=False):
        last, first = people.get(int(row.candidate_id), ("", ""))
        rows.append(
            {
                "Nom": last,
                "Prénom": first,
                "Métier": labels.get(row.trade_key, row.trade_key),
                "Événement": f"{EVENT_KIND_LABELS.get(row.event_kind, row.event_kind)} du {french_day(row.event_start)}",
                "Étape atteinte": funnel.LABELS[STAGES[int(row.stage)]],
                "Contrat": row.contract_type or "",
            }
        )
    return pd.DataFrame(rows, columns=["Nom", "Prénom", "Métier", "Événement", "Étape atteinte", "Contrat"])


def build_report(
    session: Session, config: Config, *, include_names: bool = False, now: dt.datetime | None = None
) -> OutcomeReport:
    now = now or dt.datetime.now(dt.timezone.utc)
    labels = {t.key: t.label for t in config.trades}
    facts = participation_facts(session, config)
    coverage = hours_coverage(facts, latest_need(session), config)
    report = OutcomeReport(
        generated_at=now,
        by_event=funnel.by_event(facts),
        by_trade=funnel.by_trade(facts),
        by_month=funnel.by_month(facts),
        totals=funnel.overall(facts),
        hires_by_contract=funnel.hires_by_contract(facts),
        coverage=coverage,
        conversion=conversion_from_facts(facts, config, now, held_events(session, facts, now)),
        email_events=email_event_counts(session),
        trade_labels=labels,
        include_names=include_names,
        names=_names(session, facts, labels) if include_names else None,
        notes=list(coverage.notes),
        answers=answer_counts(session),
        companies=company_hours(session, include_names=include_names),
        chains=trade_chains(session, facts),
    )
    if facts.empty:
        report.notes.insert(0, "Aucune participation enregistrée pour l'instant : les tableaux sont vides.")
    return report


def _count_headers() -> dict[str, str]:
    return {c: funnel.LABELS[c] for c in funnel.COUNT_COLUMNS}


def tables(report: OutcomeReport) -> dict[str, tuple[str, pd.DataFrame]]:
    """The report's tables with French headers, by file-name stem: (title, frame). No names."""
    labels = report.trade_labels
    events = report.by_event.copy()
    events = pd.DataFrame(
        {
            "N° événement": events["event_id"].astype(int),
            "Type": events["event_kind"].map(lambda k: EVENT_KIND_LABELS.get(k, k)),
            "Métier": events["trade_key"].map(lambda k: labels.get(k, k)),
            "Date": events["event_start"].map(french.paris_day),
            "Heure": events["event_start"].map(french.time_of_day),
            "Statut": events["event_status"].map(lambda s: EVENT_STATUS_LABELS.get(s, s)),
            "Places": events["event_capacity"],
            **{label: events[c] for c, label in _count_headers().items()},
        }
    )
    trades = report.by_trade.rename(columns=_count_headers())
    trades.insert(0, "Métier", trades.pop("trade_key").map(lambda k: labels.get(k, k)))
    months = report.by_month.rename(columns=_count_headers())
    months.insert(0, "Mois", months.pop("month").map(french_month))
    hires = report.hires_by_contract.rename(columns={"contract_type": "Type de contrat", "hired": "Embauchés"})
    hires.insert(0, "Métier", hires.pop("trade_key").map(lambda k: labels.get(k, k)))
    cov = report.coverage.table
    coverage = pd.DataFrame(
        {
            "Métier": cov["trade_key"].map(lambda k: labels.get(k, k)),
            "Embauches": cov["hires"],
            "Heures apportées par les embauches": cov["hours_from_hires"],
            "Besoin (heures P50)": cov["need_hours_p50"],
            "Heures couvertes": cov["covered_hours"],
            "Part du besoin couverte": cov["coverage_share"],
            "Heures restant à couvrir": cov["remaining_hours"],
        }
    )
    details = report.conversion["details"]
    conversion = pd.DataFrame(
        [
            {
                "Taux": RATE_LABELS[name],
                "Taux retenu pour la planification": d["rate"],
                "Source": SOURCE_LABELS[d["source"]],
                "Taux observé": d["observed"],
                "Personnes (numérateur)": d["numerator"],
                "Personnes (dénominateur)": d["denominator"],
                "Événements tenus": d["events"],
                "Intervalle de confiance à 95 % (bas)": d["confidence_low"],
                "Intervalle de confiance à 95 % (haut)": d["confidence_high"],
                "Taux configuré": d["configured"],
                "Pourquoi": d["reason"],
            }
            for name, d in details.items()
        ]
    )
    chain_rates = pd.DataFrame(
        [
            {
                "Taux": RATE_LABELS[name],
                "Taux observé": d["observed"],
                "Personnes (numérateur)": d["numerator"],
                "Personnes (dénominateur)": d["denominator"],
                "Rencontres de recrutement tenues": d["events"],
                "Intervalle de confiance à 95 % (bas)": d["confidence_low"],
                "Intervalle de confiance à 95 % (haut)": d["confidence_high"],
                "Pourquoi": d["reason"],
            }
            for name, d in report.conversion.get("chain", {}).items() if name in CHAIN_RATES
        ],
        columns=["Taux", "Taux observé", "Personnes (numérateur)", "Personnes (dénominateur)",
                 "Rencontres de recrutement tenues", "Intervalle de confiance à 95 % (bas)",
                 "Intervalle de confiance à 95 % (haut)", "Pourquoi"],
    )
    emails = pd.DataFrame(
        {
            "Événement de messagerie": report.email_events["type"].map(lambda t: EMAIL_EVENT_LABELS.get(t, t)),
            "Nombre": report.email_events["count"].astype(int),
        }
    )
    answered = report.answers or {}
    replies = pd.DataFrame(
        [{"Invitations": answer_labels[k], "Nombre": int(answered.get(k, 0)), "Part des réponses": None}
         for k in ("invited", "answered", "registered", "declined", "waitlisted")]
        + [{"Invitations": f"dont réponses par : {CHANNEL_LABELS[c]}", "Nombre": int(answered.get("channels", {}).get(c, 0)),
            "Part des réponses": answered.get("shares", {}).get(c)} for c in CHANNELS],
        columns=["Invitations", "Nombre", "Part des réponses"],
    )
    companies = report.companies if report.companies is not None else pd.DataFrame(columns=COMPANY_COLUMNS)
    companies = pd.DataFrame(
        {
            "Entreprise": companies["company"],
            "Identifiant": companies["identifier"],
            "Lots": companies["lots"],
            "Heures dues (clause)": companies["hours_owed"],
            "Heures du plafond (accords-cadres)": companies["framework_ceiling_hours"],
            "Heures réalisées": companies["hours_delivered"],
            "Heures restant à réaliser": companies["hours_remaining"],
            "Premier lot débute le": companies["first_start"].map(_day),
            "Dernier lot finit le": companies["last_end"].map(_day),
        }
    )
    return {
        "entonnoir-evenements": ("Parcours par événement", events),
        "entonnoir-metiers": ("Parcours par métier", trades),
        "entonnoir-mois": ("Parcours par mois", months),
        "chaines-metiers": ("Chaînes jusqu'à l'emploi, par métier", chains_table(report.chains, labels)),
        "embauches-contrats": ("Embauches par type de contrat", hires),
        "heures-couvertes": ("Heures d'insertion couvertes par les embauches", coverage),
        "taux-conversion": ("Taux de conversion pour la prochaine planification", conversion),
        "rencontres-employeurs": ("Après la formation : rencontres avec les employeurs (observé)", chain_rates),
        "evenements-messagerie": ("Événements de messagerie", emails),
        "reponses-candidats": ("Réponses des candidats aux invitations", replies),
        "entreprises": ("Heures d'insertion par entreprise titulaire", companies),
    }
