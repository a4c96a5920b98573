"""A realistic pipeline of Clermont Auvergne Métropole sites over 2026–2028, generated
deterministically: tram/bus line works in the spirit of InspiRe, ANRU renewals such as La Gauthière,
schools, housing renovation, networks. Operation names and figures are plausible, not real.

The file is written as a French office exports it: ``;`` separator, decimal comma, amounts with
spaces as thousands separators, dates dd/mm/yyyy, UTF-8 with BOM.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

# (id, name, contracting authority, commune, kind, first start, size factor)
OPERATIONS = [
    ("INSPIRE-B2", "InspiRe – ligne B, phase 2 (plateforme et stations)", "SMTC Clermont Auvergne Métropole", "Clermont-Ferrand", "transport", "2026-03-02", 3.0),
    ("INSPIRE-C2", "InspiRe – ligne C, phase 2 (aménagements de voirie)", "SMTC Clermont Auvergne Métropole", "Aubière", "transport", "2026-09-07", 2.5),
    ("INSPIRE-DEPOT", "InspiRe – extension du dépôt de bus", "SMTC Clermont Auvergne Métropole", "Clermont-Ferrand", "building", "2027-02-01", 1.5),
    ("ANRU-GAUTHIERE-1", "Renouvellement urbain de La Gauthière – démolition et reconstruction îlot Nord", "Clermont Auvergne Métropole", "Clermont-Ferrand", "renewal", "2026-02-02", 2.5),
    ("ANRU-GAUTHIERE-2", "Renouvellement urbain de La Gauthière – espaces publics", "Clermont Auvergne Métropole", "Clermont-Ferrand", "public_space", "2027-04-05", 1.5),
    ("ANRU-ST-JACQUES", "NPNRU Saint-Jacques – réhabilitation de 240 logements", "Ophis du Puy-de-Dôme", "Clermont-Ferrand", "renovation", "2026-06-01", 2.0),
    ("ANRU-VERGNES", "NPNRU Les Vergnes – aménagement des espaces publics", "Clermont Auvergne Métropole", "Clermont-Ferrand", "public_space", "2027-09-06", 1.2),
    ("ANRU-CROIX-NEYRAT", "NPNRU Croix-de-Neyrat – résidentialisation", "Auvergne Habitat", "Clermont-Ferrand", "renovation", "2028-01-10", 1.2),
    ("GS-JEAN-ZAY", "Groupe scolaire Jean-Zay – construction", "Ville de Clermont-Ferrand", "Clermont-Ferrand", "building", "2026-04-06", 1.4),
    ("GS-COURNON", "Groupe scolaire du Lac – extension et restructuration", "Ville de Cournon-d'Auvergne", "Cournon-d'Auvergne", "building", "2027-01-04", 1.0),
    ("COLLEGE-GERZAT", "Collège de Gerzat – reconstruction", "Conseil départemental du Puy-de-Dôme", "Gerzat", "building", "2027-06-07", 1.6),
    ("LOG-CHAMALIERES", "Réhabilitation énergétique de 120 logements", "Logidôme", "Chamalières", "renovation", "2026-10-05", 1.0),
    ("LOG-BEAUMONT", "Réhabilitation thermique de 80 logements", "Assemblia", "Beaumont", "renovation", "2027-11-08", 0.8),
    ("CROUS-CEZEAUX", "Résidence étudiante des Cézeaux – 200 chambres", "CROUS Clermont Auvergne", "Aubière", "building", "2027-03-01", 1.5),
    ("GYMNASE-PDC", "Gymnase intercommunal – construction", "Ville de Pont-du-Château", "Pont-du-Château", "building", "2028-02-07", 0.8),
    ("MEDIATHEQUE-LEMPDES", "Médiathèque – construction", "Clermont Auvergne Métropole", "Lempdes", "building", "2027-10-04", 0.7),
    ("EHPAD-ROMAGNAT", "EHPAD – restructuration et extension", "Centre communal d'action sociale de Romagnat", "Romagnat", "building", "2026-11-02", 0.9),
    ("RESEAU-CHALEUR-NORD", "Extension du réseau de chaleur Nord", "Clermont Auvergne Métropole", "Clermont-Ferrand", "networks", "2026-05-04", 1.5),
    ("ASSAINISSEMENT-GERZAT", "Renouvellement des réseaux d'assainissement", "Clermont Auvergne Métropole", "Gerzat", "networks", "2027-05-03", 1.0),
    ("PEM-GARE", "Pôle d'échanges multimodal de la gare – parvis et voiries", "Clermont Auvergne Métropole", "Clermont-Ferrand", "public_space", "2028-03-06", 1.8),
    ("SDIS-AULNAT", "Centre d'incendie et de secours – construction", "SDIS du Puy-de-Dôme", "Aulnat", "building", "2028-05-02", 0.9),
    ("VOIRIE-BLANZAT", "Requalification de la route de Clermont", "Clermont Auvergne Métropole", "Blanzat", "public_space", "2026-08-31", 0.7),
    ("ECOLE-ROYAT", "École élémentaire – rénovation énergétique", "Ville de Royat", "Royat", "renovation", "2027-07-05", 0.5),
    ("STADE-MONTPIED", "Stade Gabriel-Montpied – tribune Est", "Clermont Auvergne Métropole", "Clermont-Ferrand", "building", "2028-04-03", 2.0),
]

# Lots by kind of operation: (lot label, trade key, share of the operation amount, months offset, duration months)
LOTS = {
    "transport": [
        ("Terrassements généraux", "conducteur_engins", 0.12, 0, 8),
        ("Réseaux humides et dévoiements", "canalisateur", 0.15, 1, 10),
        ("Plateforme et voirie", "macon_vrd", 0.30, 3, 14),
        ("Ouvrages d'art et quais", "coffreur", 0.18, 4, 12),
        ("Éclairage public et signalisation", "electricien", 0.10, 8, 8),
        ("Stations – gros œuvre", "macon", 0.15, 6, 9),
    ],
    "public_space": [
        ("Terrassements", "conducteur_engins", 0.15, 0, 5),
        ("Réseaux d'eaux pluviales et eaux usées", "canalisateur", 0.20, 1, 7),
        ("Voirie et revêtements de surface", "macon_vrd", 0.45, 3, 10),
        ("Éclairage public", "electricien", 0.10, 8, 5),
        ("Murets et maçonnerie paysagère", "macon", 0.10, 6, 6),
    ],
    "networks": [
        ("Tranchées et terrassements", "conducteur_engins", 0.25, 0, 10),
        ("Pose de canalisations", "canalisateur", 0.55, 1, 14),
        ("Réfection de voirie", "macon_vrd", 0.20, 6, 10),
    ],
    "building": [
        ("Gros œuvre", "macon", 0.32, 0, 12),
        ("Étanchéité", "etancheur", 0.06, 8, 4),
        ("Façades – bardage et enduits", "facadier", 0.08, 9, 6),
        ("Plâtrerie – cloisons – faux plafonds", "plaquiste", 0.10, 11, 7),
        ("Électricité courants forts et faibles", "electricien", 0.12, 10, 9),
        ("Plomberie – chauffage – ventilation", "plombier", 0.14, 10, 9),
        ("Revêtements de sols souples", "solier", 0.05, 15, 4),
        ("Peinture", "peintre", 0.05, 15, 5),
    ],
    "renewal": [
        ("Démolition et désamiantage", "conducteur_engins", 0.12, 0, 6),
        ("Gros œuvre", "macon", 0.28, 5, 14),
        ("Étanchéité", "etancheur", 0.05, 13, 4),
        ("Isolation thermique par l'extérieur et façades", "facadier", 0.10, 14, 8),
        ("Plâtrerie – doublages", "plaquiste", 0.09, 15, 8),
        ("Électricité", "electricien", 0.11, 15, 9),
        ("Plomberie – chauffage", "plombier", 0.12, 15, 9),
        ("Sols souples", "solier", 0.05, 20, 4),
        ("Peinture", "peintre", 0.05, 20, 5),
        ("Relations locataires et accompagnement des relogements", "relations_locataires", 0.03, 0, 30),
    ],
    "renovation": [
        ("Isolation thermique par l'extérieur", "facadier", 0.30, 0, 10),
        ("Étanchéité des toitures-terrasses", "etancheur", 0.12, 1, 6),
        ("Menuiseries – plâtrerie", "plaquiste", 0.12, 3, 8),
        ("Électricité", "electricien", 0.12, 3, 9),
        ("Chauffage – ventilation", "plombier", 0.18, 3, 10),
        ("Peinture des parties communes", "peintre", 0.10, 9, 5),
        ("Sols des parties communes", "solier", 0.04, 10, 3),
        ("Relations locataires", "relations_locataires", 0.02, 0, 14),
    ],
}
BASE_AMOUNT = {"transport": 9e6, "public_space": 3.5e6, "networks": 4e6, "building": 6e6, "renewal": 8e6, "renovation": 5e6}
# Status as the cell would write it on the reference date of the sample (1 November 2026).
REFERENCE_DATE = dt.date(2026, 11, 1)
HEADER = [
    "Identifiant opération", "Opération", "Maître d'ouvrage", "Commune", "Identifiant lot", "Lot", "Métier",
    "Montant HT", "Date de début", "Durée (mois)", "Statut", "Heures d'insertion", "Heures réalisées",
    "Taux d'insertion", "Probabilité d'attribution", "Entreprise", "SIRET",
]
# The awardees of the lots already awarded: FICTITIOUS companies (invented names, SIRETs well formed
# but not attributed: 999… numbers), a few per trade, assigned in turn (no random draw: the rest of
# the sample is unchanged). Their contacts, for the demo: ``employer_contacts_rows``.
SAMPLE_COMPANIES = {
    "macon": [("Maçonnerie Exemple Auvergne SAS", "99901100000000"), ("Bâtisseurs Fictifs du Puy SARL", "99900100000010")],
    "macon_vrd": [("Voirie Imaginaire 63 SAS", "99901200000009"), ("Exemple Réseaux et Voirie SAS", "99900200000019")],
    "coffreur": [("Béton Fictif Clermont SARL", "99901300000008")],
    "canalisateur": [("Canalisations Exemple Dômes SAS", "99901400000007")],
    "conducteur_engins": [("Terrassements Fictifs Limagne SAS", "99901500000006")],
    "electricien": [("Électricité Exemple Arverne SARL", "99901600000005")],
    "plombier": [("Plomberie Chauffage Fictive SAS", "99901700000004")],
    "facadier": [("Façades Imaginaires Auvergne SARL", "99901800000003")],
    "plaquiste": [("Second Œuvre Imaginaire SAS", "99900300000018")],
    "peintre": [("Peinture Exemple Volcans SARL", "99901900000002")],
}
AWARDED = ("attribué", "en cours", "terminé")
TRADE_LABELS = {
    "macon": "Maçon", "macon_vrd": "F1702", "coffreur": "Coffreur", "canalisateur": "F1705",
    "conducteur_engins": "Conducteur d'engins", "solier": "Solier-moquettiste", "etancheur": "F1613",
    "facadier": "Façadier", "plaquiste": "Plaquiste", "peintre": "F1606", "electricien": "Électricien du bâtiment",
    "plombier": "F1603", "relations_locataires": "K1204",
}


def _french_amount(value: float) -> str:
    whole, cents = divmod(round(value * 100), 100)
    return f"{whole:,}".replace(",", "\u00a0") + f",{cents:02d}"


def _add_months(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + day.month - 1 + months
    return dt.date(total // 12, total % 12 + 1, min(day.day, 28))


def _status(start: dt.date, end: dt.date, rng: np.random.Generator) -> str:
    if end < REFERENCE_DATE:
        return "terminé"
    if start <= REFERENCE_DATE:
        return "en cours"
    months_ahead = (start - REFERENCE_DATE).days / 30.4
    if months_ahead < 4:
        return "attribué"
    if months_ahead < 12:
        return "en consultation" if rng.random() < 0.7 else "attribué"
    return "prévu"


def pipeline_rows(seed: int = 63) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    rows: list[list[str]] = []
    for op_id, name, authority, commune, kind, first_start, size in OPERATIONS:
        base = dt.date.fromisoformat(first_start)
        total = BASE_AMOUNT[kind] * size * rng.lognormal(0, 0.15)
        for number, (label, trade, share, offset, months) in enumerate(LOTS[kind], start=1):
            start = _add_months(base, offset)
            duration = max(2, int(round(months * rng.uniform(0.85, 1.2))))
            end = _add_months(start, duration)
            amount = total * share * rng.lognormal(0, 0.1)
            status = _status(start, end, rng)
            rate = "10 %" if trade == "relations_locataires" else ("7 %" if kind == "renewal" and rng.random() < 0.5 else "")
            given_hours = ""
            if rng.random() < 0.15:  # some lots carry the hours written in the contract
                given_hours = str(int(round(amount * 0.5 * 0.05 / 30 / 10) * 10))
            delivered = ""
            if status in ("en cours", "terminé"):
                elapsed = min(1.0, (REFERENCE_DATE - start).days / max(1, (end - start).days))
                delivered = str(int(elapsed * amount * 0.5 * 0.05 / 30 * rng.uniform(0.6, 1.1)))
            probability = ""
            if status == "prévu":
                probability = f"{int(rng.choice([50, 60, 70, 80]))} %"
            company, siret = "", ""
            if status in AWARDED and trade in SAMPLE_COMPANIES:
                choices = SAMPLE_COMPANIES[trade]
                company, siret = choices[len(rows) % len(choices)]
            rows.append(
                [
                    op_id, name, authority, commune, f"{op_id}-L{number:02d}", f"Lot {number:02d} – {label}",
                    TRADE_LABELS[trade], _french_amount(amount), start.strftime("%d/%m/%Y"), str(duration),
                    status, given_hours, delivered, rate, probability, company, siret,
                ]
            )
    return rows


def write_pipeline(folder: Path, seed: int = 63) -> Path:
    import csv

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "pipeline-clermont-2026-2028.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        writer.writerows(pipeline_rows(seed))
    return path


def employer_contacts_rows() -> list[list[str]]:
    """Contact addresses of the sample companies (fictitious ``example.org`` mailboxes), as a
    coordinator gives them to ``clauses entreprises contacts``. One company is left without an
    address on purpose: the invitation job lists it as not invited, and why."""
    rows = []
    for companies in SAMPLE_COMPANIES.values():
        for name, siret in companies:
            if siret == "99901300000008":  # Béton Fictif Clermont SARL: no address given yet
                continue
            rows.append([siret, name, f"recrutement-{siret[-6:]}@example.org", ""])
    return rows


def write_employer_contacts(folder: Path) -> Path:
    import csv

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "contacts-entreprises.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["SIRET", "Entreprise", "Courriel", "Contact"])
        writer.writerows(employer_contacts_rows())
    return path
