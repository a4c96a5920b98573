"""Draw the records of the trade-label set from the real DECP 1.x files (reproducible, seeded).

Run from the project root: ``python tests/data/trade_labels/draw_sample.py > /tmp/sample.csv``.
It prints the records (without labels); ``labels.csv`` beside this file holds the same records with
the labels a person decided by reading them (see README.md). The draw is stratified: up to
``PER_HARD_CODE`` records for each CPV prefix the issue names as hard or wrongly inferred, plus every
objet about asbestos removal up to the same count, then a seeded random draw of the other
construction records up to ``TOTAL``. Each record is put in the "tune" or the "holdout" half by a hash
of its objet, so that lots sharing one objet fall in the same half. Then ``FRESH`` more records of
the same random order, labelled only once the rules were frozen, form the "fresh" split.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import sys
import unicodedata
from pathlib import Path

DECP = Path(__file__).resolve().parents[4] / "shared" / "data" / "decp"
FILES = ["marches-publics.info.json", "e-marchespublics.json"]
SEED = 15
TOTAL = 360
# Drawn and labelled after the rules were frozen (a plain random draw of records never read while
# tuning): split "fresh".
FRESH = 150
PER_HARD_CODE = 8
HARD_PREFIXES = [
    # codes that most often failed to infer (issue 15)
    "45000000", "45421000", "45223220", "45210000", "45211340", "45454000", "45262700",
    "45261000", "45262660", "45261210", "45431000",
    # prefixes that caught the wrong work (issue 15)
    "45441", "4524", "45231", "451127", "45244",
]
COLUMNS = ["source", "buyer_id", "record_id", "cpv", "objet", "split"]


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "OE"))
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


def construction_records() -> list[dict[str, str]]:
    seen: set[tuple[str, str]] = set()
    records = []
    for name in FILES:
        for record in json.loads((DECP / name).read_text(encoding="utf-8"))["marches"]:
            cpv = str(record.get("codeCPV") or "").split("-")[0][:8]
            if not cpv.startswith("45"):
                continue
            buyer = str((record.get("acheteur") or {}).get("id") or "")
            key = (buyer, str(record.get("id")))
            if key in seen:  # a re-publication of the same contract
                continue
            seen.add(key)
            objet = " ".join(str(record.get("objet") or "").split())
            records.append({"source": name, "buyer_id": buyer, "record_id": key[1], "cpv": cpv, "objet": objet})
    return records


def draw() -> list[dict[str, str]]:
    rng = random.Random(SEED)
    records = construction_records()
    rng.shuffle(records)
    chosen: dict[tuple[str, str], dict[str, str]] = {}
    strata = [(p, lambda r, p=p: r["cpv"].startswith(p)) for p in HARD_PREFIXES]
    strata.append(("desamiantage", lambda r: "amiant" in _fold(r["objet"])))
    for _name, matches in strata:
        for record in [r for r in records if matches(r)][:PER_HARD_CODE]:
            chosen.setdefault((record["buyer_id"], record["record_id"]), record)
    for record in records:
        if len(chosen) >= TOTAL:
            break
        chosen.setdefault((record["buyer_id"], record["record_id"]), record)
    rows = sorted(chosen.values(), key=lambda r: (r["source"], r["buyer_id"], r["record_id"]))
    for row in rows:
        digest = hashlib.sha256(_fold(row["objet"]).encode("utf-8")).digest()
        row["split"] = "tune" if digest[0] % 2 == 0 else "holdout"
    fresh = [r for r in records if (r["buyer_id"], r["record_id"]) not in chosen][:FRESH]
    for row in sorted(fresh, key=lambda r: (r["source"], r["buyer_id"], r["record_id"])):
        rows.append({**row, "split": "fresh"})
    return rows


if __name__ == "__main__":
    writer = csv.DictWriter(sys.stdout, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(draw())
