"""Read the tabular consolidated DECP (Table Schema ``decp-table-schema``) as DECP records.

One row per contract and awardee, as CSV or Parquet. Column names are those of the schema, with
``.`` (``acheteur.id``, ``titulaire.id``) or ``_`` (``acheteur_id``) between the parts. A contract
modified after publication appears once per state; the rows marked ``donneesActuelles`` (the data
as they stand today) are kept, or, when no row of a contract carries that column, the rows of its
latest ``datePublicationDonnees``. The awardees of the kept rows are the contract's awardees.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from clauses.errors import InputError, Problem
from clauses.readers.decp import MARCHE, DecpFile, DecpRecord, paris_date

# Columns that tell a DECP table from a pipeline file.
SIGNATURE = {"dateNotification", "codeCPV", "acheteur.id"}
TRUE_VALUES = {"oui", "true", "vrai", "1", "yes"}


def _canonical(header: str) -> str:
    return str(header).strip().replace("_", ".")


def is_decp_table(headers: list[str]) -> bool:
    return SIGNATURE <= {_canonical(h) for h in headers}


def _frame(path: Path) -> pd.DataFrame:
    try:
        if path.suffix.lower() == ".parquet":
            frame = pd.read_parquet(path)
            frame = frame.astype("string").fillna("")
        else:
            with path.open(encoding="utf-8-sig", errors="replace") as handle:
                header = handle.readline()
            separator = ";" if header.count(";") > header.count(",") else ","
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", sep=separator)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise InputError([Problem(path.name, None, None, f"fichier illisible : {exc}")]) from exc
    frame.columns = [_canonical(c) for c in frame.columns]
    return frame


def read_decp_table(path: Path | str) -> DecpFile:
    path = Path(path)
    if not path.exists():
        raise InputError([Problem(path.name, None, None, "fichier introuvable")])
    frame = _frame(path)
    missing = sorted(SIGNATURE - set(frame.columns))
    if missing:
        raise InputError([Problem(path.name, None, c, "colonne absente du fichier DECP tabulaire") for c in missing])
    n = len(frame)

    def column(name: str) -> list[str]:
        return frame[name].astype(str).str.strip().tolist() if name in frame.columns else [""] * n

    ids, buyers = column("id"), column("acheteur.id")
    published = [paris_date(v) for v in column("datePublicationDonnees")]
    current_column = "donneesActuelles" in frame.columns
    current = [v.lower() in TRUE_VALUES for v in column("donneesActuelles")]
    groups: dict[tuple[str, str], list[int]] = {}
    for row, key in enumerate(zip(buyers, ids)):
        groups.setdefault(key, []).append(row)

    cols = {name: column(name) for name in (
        "acheteur.nom", "nature", "objet", "codeCPV", "lieuExecution.code", "lieuExecution.typeCode",
        "lieuExecution.nom", "dureeMois", "dateNotification", "datePublicationDonnees", "montant", "considerationsSociales",
        "titulaire.id", "titulaire.typeIdentifiant", "titulaire.denominationSociale", "objetModification",
        "techniques",
    )}
    has_considerations = "considerationsSociales" in frame.columns
    records = []
    for (buyer, record_id), rows in groups.items():
        if current_column and any(current[r] for r in rows):
            kept = [r for r in rows if current[r]]
        else:
            latest = max(published[r] for r in rows)
            kept = [r for r in rows if published[r] == latest]
        first = kept[-1]
        titulaires, seen = [], set()
        for r in kept:
            identifier, name = cols["titulaire.id"][r], cols["titulaire.denominationSociale"][r]
            if (identifier or name) and (identifier, name) not in seen:
                seen.add((identifier, name))
                titulaires.append({"typeIdentifiant": cols["titulaire.typeIdentifiant"][r], "id": identifier, "denominationSociale": name})
        # The contract as a DECP 1.x record (its modifications are already in the kept rows).
        raw = {
            "id": record_id,
            "acheteur": {"id": buyer, "nom": cols["acheteur.nom"][first]},
            "nature": cols["nature"][first],
            "objet": cols["objet"][first],
            "codeCPV": cols["codeCPV"][first],
            "lieuExecution": {"code": cols["lieuExecution.code"][first], "typeCode": cols["lieuExecution.typeCode"][first],
                              "nom": cols["lieuExecution.nom"][first]},
            "dureeMois": cols["dureeMois"][first],
            "dateNotification": cols["dateNotification"][first],
            "datePublicationDonnees": cols["datePublicationDonnees"][first],
            "montant": cols["montant"][first],
            "techniques": cols["techniques"][first],
            "titulaires": titulaires,
        }
        if has_considerations:
            raw["considerationsSociales"] = cols["considerationsSociales"][first]
        modified = sum(1 for r in rows if cols["objetModification"][r])
        records.append(DecpRecord(raw, rows[0] + 2, MARCHE, modifications=modified))  # line 1 is the header
    return DecpFile(name=path.name, schema="table", records=records)
