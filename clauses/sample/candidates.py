"""A pool of clearly fictitious candidates: example.org addresses, phone numbers from the range
ARCEP reserves for fiction (06 39 98 xx xx), names drawn from common French first and last names.

Some people are referred by two partners (same email address) so the merge rule is exercised; a few
have no recorded consent and must never be invited.
"""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

import numpy as np

FIRST_NAMES = [
    "Léa", "Mohamed", "Inès", "Jean-Baptiste", "Chloé", "Yanis", "Aïcha", "Lucas", "Manon", "Karim",
    "Émilie", "Nathan", "Fatoumata", "Hugo", "Sarah", "Mamadou", "Camille", "Rayan", "Océane", "Théo",
    "Sofiane", "Julie", "Bilal", "Anaïs", "Kevin", "Nour", "Mathis", "Zoé", "Ibrahima", "Marie-Claire",
    "Adam", "Lina", "Enzo", "Yasmine", "Florian", "Maëlys", "Samuel", "Fatima", "Dylan", "Gaëlle",
]
LAST_NAMES = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
    "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
    "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Benali",
    "Diallo", "Traoré", "Nguyen", "Da Silva", "Ferreira", "Haddad", "Chevalier", "Boyer", "Gauthier", "Perrin-Faure",
]
SOURCES = ["France Travail", "PLIE Clermont", "Mission Locale", "SIAE Clermont"]
COMMUNES = [
    ("Clermont-Ferrand", 0.55), ("Cournon-d'Auvergne", 0.08), ("Aubière", 0.05), ("Chamalières", 0.05),
    ("Beaumont", 0.04), ("Gerzat", 0.04), ("Riom", 0.04), ("Pont-du-Château", 0.04), ("Lempdes", 0.03),
    ("Cébazat", 0.03), ("Issoire", 0.03), ("Thiers", 0.02),
]
TRADES = ["Maçon", "F1702", "Coffreur", "F1705", "Conducteur d'engins", "Solier-moquettiste", "Étancheur",
          "Façadier", "Plaquiste", "Peintre en bâtiment", "F1602", "Plombier chauffagiste", "K1204"]
CRITERIA = ["DELD", "RSA", "jeune", "RQTH", "senior", "SIAE"]
HEADER = ["Source", "Identifiant source", "Prénom", "Nom", "Courriel", "Téléphone", "Commune", "Résident QPV",
          "Critères d'éligibilité", "Métiers", "Date de consentement", "Base du consentement", "Disponibilités"]


def _ascii(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if c.isalnum() and ord(c) < 128).lower()


def candidate_rows(count: int = 300, seed: int = 1963) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    rows: list[list[str]] = []
    names, weights = zip(*COMMUNES)
    probabilities = np.array(weights) / sum(weights)
    for i in range(count):
        first = FIRST_NAMES[rng.integers(len(FIRST_NAMES))]
        last = LAST_NAMES[rng.integers(len(LAST_NAMES))]
        source = SOURCES[rng.integers(len(SOURCES))]
        commune = names[rng.choice(len(names), p=probabilities)]
        qpv = commune == "Clermont-Ferrand" and rng.random() < 0.45
        criteria = sorted(set(rng.choice(CRITERIA, size=rng.integers(1, 3), replace=False)))
        trades = sorted(set(rng.choice(TRADES, size=rng.integers(1, 4), replace=False)))
        consent = "" if rng.random() < 0.05 else f"{rng.integers(1, 28):02d}/{rng.integers(1, 13):02d}/2026"
        if consent and consent[3:5] > "10":
            consent = consent[:3] + "10/2026"
        rows.append(
            [
                source, f"{_ascii(source)[:3].upper()}-{10000 + i}", first, last,
                f"{_ascii(first)}.{_ascii(last)}.{i}@example.org", f"06 39 98 {i // 100:02d} {i % 100:02d}",
                commune, "oui" if qpv else "non", ", ".join(criteria), ", ".join(trades), consent,
                "consentement écrit recueilli par le prescripteur" if consent else "",
                rng.choice(["", "disponible immédiatement", "pas le mercredi", "permis B en cours"]),
            ]
        )
    # A few people referred by a second partner: same person, same email, another source id.
    for j in range(0, count, 37):
        again = list(rows[j])
        again[0] = SOURCES[(SOURCES.index(again[0]) + 1) % len(SOURCES)]
        again[1] = f"{_ascii(again[0])[:3].upper()}-{90000 + j}"
        rows.append(again)
    return rows


def write_candidates(folder: Path, count: int = 300, seed: int = 1963) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "candidats-fictifs.csv"
    with path.open("w", encoding="cp1252", newline="") as handle:  # as Excel writes it in France
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        writer.writerows(candidate_rows(count, seed))
    return path
